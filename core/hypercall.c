#include "core/arch.h"
#include "core/hypercall.h"
#include "core/hypercall_abi.h"
#include "core/vm.h"

/* The whole buffer is read before a byte is written: a buffer that
 * leaves guest RAM or the guest's page tables anywhere fails as a whole
 * (-14), never half printed. One copy, so what is printed is one snapshot
 * of it. Static: hypercalls run one at a time (one physical CPU), and
 * 4 KiB would weigh on the host stack. */
static uint8_t console_buf[VIREO_HC_CONSOLE_MAX];

static int64_t hc_console_write(struct vcpu *v, uint64_t gla, uint64_t len)
{
	if (len > VIREO_HC_CONSOLE_MAX)
		return VIREO_EINVAL;
	if (arch_copy_from_guest(v, gla, console_buf, len))
		return VIREO_EFAULT;
	for (uint64_t i = 0; i < len; i++)
		vm_console_putc(&v->vm->console, console_buf[i]);
	return (int64_t)len;
}

int64_t hypercall_dispatch(struct vcpu *v, uint64_t nr, const uint64_t args[4])
{
	switch (nr) {
	case VIREO_HC_VERSION:
		return (VIREO_ABI_MAJOR << 16) | VIREO_ABI_MINOR;
	case VIREO_HC_CONSOLE_WRITE:
		return hc_console_write(v, args[0], args[1]);
	case VIREO_HC_EXIT:
		vm_end(v->vm, VM_END_HYPERCALL, args[0], "exit hypercall, status %llu",
		       (unsigned long long)args[0]);
		return 0;
	case VIREO_HC_VCPU_ID:
		return v->id;
	default:
		return VIREO_ENOSYS;
	}
}
