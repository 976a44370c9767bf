/* Creating and destroying VMs from a configuration and an image. */
#ifndef VIREO_CORE_VM_CREATE_H
#define VIREO_CORE_VM_CREATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/vm.h"

struct vm_image_module {
	const uint8_t *data;
	size_t len;
	const char *string;     /* the module's string as the guest sees it */
};

struct vm_image {
	const uint8_t *data;    /* kernel or raw image */
	size_t len;
	struct vm_image_module mods[VM_MAX_MODULES];
	int nmods;
};

/* Returns NULL with a one-line reason in err; nothing is left allocated. */
struct vm *vm_create(int id, const struct vm_config *cfg, const struct vm_image *img,
		     bool prefix_output, char *err, size_t errlen);
void vm_destroy(struct vm *vm);

#endif
