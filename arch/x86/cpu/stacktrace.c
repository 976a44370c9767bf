/* Stack trace by walking saved-RBP chains; works because every file is built
 * with -fno-omit-frame-pointer. Frame layout: [rbp] = caller's rbp,
 * [rbp + 8] = return address. The chain may be corrupt (that is often why
 * we are printing it), so every step is checked before it is followed. */
#include "arch/x86/cpu/traps.h"
#include "lib/printk.h"

#define STACKTRACE_MAX_FRAMES 32
/* Frames are identity-mapped below 4 GiB; a frame larger than this is more
 * likely a corrupt chain than a real one. */
#define STACKTRACE_MAX_FRAME_SIZE MiB(1)

static bool frame_ok(uint64_t rbp)
{
	return rbp >= 0x1000 && rbp < GiB(4) - 16 && (rbp & 7) == 0;
}

void stacktrace_print(uint64_t rbp)
{
	console_printf("vireo: stack trace:\n");
	for (int i = 0; i < STACKTRACE_MAX_FRAMES; i++) {
		if (!frame_ok(rbp))
			return;
		const uint64_t *frame = (const uint64_t *)rbp;
		uint64_t next = frame[0], ret = frame[1];
		if (ret == 0)
			return;
		console_printf("  #%d [<%016llx>]\n", i, (unsigned long long)ret);
		/* The stack grows down, so callers' frames are strictly higher. */
		if (next <= rbp || next - rbp > STACKTRACE_MAX_FRAME_SIZE)
			return;
		rbp = next;
	}
	console_printf("  ... (truncated)\n");
}
