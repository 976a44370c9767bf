/* Guest RAM for the loader tests: RAM bytes (defined by the includer)
 * filled with 0xCC, so that anything a loader forgets to write shows. */
#ifndef VIREO_TESTS_GUEST_RAM_H
#define VIREO_TESTS_GUEST_RAM_H

#include <stdlib.h>
#include <string.h>
#include "loaders/guest_mem.h"

static struct guest_mem gm;
static char err[200];

static int guest_ram_setup(void)
{
	gm.base = malloc(RAM);
	gm.size = RAM;
	if (!gm.base)
		return -1;
	memset(gm.base, 0xCC, RAM);
	err[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(gm.base);
	return 0;
}

#endif
