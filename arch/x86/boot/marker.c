/* A recognisable string in the hypervisor image, for the isolation scan
 * (guests/tests/isoscan.c, tests/guest/scenarios-isolation.sh): a guest
 * that reads every guest-physical address it can name must never see it.
 * It lies in .rodata at a host-physical address the scenario reads from
 * the ELF's symbols and hands to the guest, which checks that naming that
 * address as a GPA gives its own RAM (EPT is no identity map). 16 bytes,
 * 16-aligned, as the scan compares them. */
#include "lib/libc.h"

__attribute__((used, aligned(16)))
const char vireo_image_marker[16] = "VIREO:HV:IMAGE:!";
