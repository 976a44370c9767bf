#include "core/arch.h"
#include "core/hypercall.h"
#include "core/hypercall_abi.h"
#include "core/vm.h"

/* Out of line: its buffer would otherwise weigh on every hypercall. */
static int64_t __attribute__((noinline)) hc_console_write(struct vcpu *v, uint64_t gla, uint64_t len)
{
	uint8_t chunk[256];
	uint64_t done = 0;

	if (len > VIREO_HC_CONSOLE_MAX)
		return VIREO_EINVAL;
	while (done < len) {
		uint64_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);

		if (arch_copy_from_guest(v, gla + done, chunk, n))
			return done ? (int64_t)done : VIREO_EFAULT;
		for (uint64_t i = 0; i < n; i++)
			vm_console_putc(&v->vm->console, chunk[i]);
		done += n;
	}
	return (int64_t)done;
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
