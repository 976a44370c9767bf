/* From the hypervisor's boot modules to running VMs and a final report. */
#ifndef VIREO_CORE_LAUNCH_H
#define VIREO_CORE_LAUNCH_H

#include "core/vmconfig.h"

struct boot_info;

/* Exit code the `vireo` command reports (docs/architecture.md). */
#define VIREO_RESULT_CRASH  126  /* a guest crashed or was refused */
#define VIREO_RESULT_FAILED 125  /* Vireo itself could not run guests */

/* Creates a VM per module, runs them all, prints the summary, returns the
 * result code. */
int vireo_launch(const struct boot_info *bi, const struct hv_options *opts);

#endif
