/* Vireo test-guest runtime: console, formatting, strings, exceptions,
 * multiboot access, results. Built twice (32-bit and 64-bit). */
#include "guest.h"

/* ---------------------------------------------------------------- console */
#define COM1 0x3F8
static int use_e9;

void console_use_e9(int on) { use_e9 = on; }

void console_putc(char c)
{
	if (use_e9) {
		outb(0xE9, (uint8_t)c);
		return;
	}
	for (unsigned i = 0; i < 1000000; i++)
		if (inb(COM1 + 5) & 0x20) /* LSR.THRE */
			break;
	outb(COM1, (uint8_t)c);
}

void console_write(const char *s, size_t n)
{
	while (n--)
		console_putc(*s++);
}

/* ------------------------------------------------------------- formatting */
struct out {
	char *buf;
	size_t size, len;
	int to_console;
};

static void out_c(struct out *o, char c)
{
	if (o->to_console)
		console_putc(c);
	else if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

/* 64-bit division by shifting, so that 32-bit builds need no libgcc.
 * Division by 0 gives all ones. */
uint64_t div64(uint64_t n, uint64_t d)
{
	uint64_t q = 0, r = 0;

	if (!d)
		return ~0ULL;
	for (int i = 63; i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= 1ULL << i;
		}
	}
	return q;
}

static void out_num(struct out *o, uint64_t v, unsigned base, int upper, int neg, int width, char pad)
{
	char tmp[24];
	int n = 0;
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	do {
		uint64_t q = div64(v, base);

		tmp[n++] = digits[v - q * base];
		v = q;
	} while (v);
	int len = n + neg;
	if (neg && pad == '0')
		out_c(o, '-');
	for (; width > len; width--)
		out_c(o, pad);
	if (neg && pad != '0')
		out_c(o, '-');
	while (n)
		out_c(o, tmp[--n]);
}

static void do_format(struct out *o, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			out_c(o, *fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0, lng = 0, left = 0;
		if (*fmt == '-') {
			left = 1;
			fmt++;
		}
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		if (*fmt == 'z') {
			lng = sizeof(size_t) == 8 ? 2 : 0;
			fmt++;
		}
		uint64_t u;
		int64_t s;
		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng >= 2 ? va_arg(ap, long long) : lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
			out_num(o, s < 0 ? -(uint64_t)s : (uint64_t)s, 10, 0, s < 0, width, pad);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng >= 2 ? va_arg(ap, unsigned long long)
			    : lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			out_num(o, u, *fmt == 'u' ? 10 : 16, *fmt == 'X', 0, width, pad);
			break;
		case 'p':
			out_c(o, '0');
			out_c(o, 'x');
			out_num(o, (uintptr_t)va_arg(ap, void *), 16, 0, 0, width, pad);
			break;
		case 'c':
			out_c(o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			int l = (int)strlen(str);
			if (!left)
				for (; width > l; width--)
					out_c(o, ' ');
			while (*str)
				out_c(o, *str++);
			if (left)
				for (; width > l; width--)
					out_c(o, ' ');
			break;
		}
		case '%':
			out_c(o, '%');
			break;
		case 0:
			return;
		default:
			out_c(o, '%');
			out_c(o, *fmt);
		}
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0, 0 };
	do_format(&o, fmt, ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	struct out o = { 0, 0, 0, 1 };
	va_list ap;
	va_start(ap, fmt);
	do_format(&o, fmt, ap);
	va_end(ap);
	return (int)o.len;
}

/* ---------------------------------------------------------------- strings */
void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	if (p < q)
		while (n--)
			*p++ = *q++;
	else
		while (n--)
			p[n] = q[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;
	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

const char *strstr(const char *h, const char *n)
{
	size_t l = strlen(n);
	for (; *h; h++)
		if (!strncmp(h, n, l))
			return h;
	return l ? 0 : h;
}

/* ---------------------------------------------------------------- results */
int test_failures;

void guest_exit(uint32_t v)
{
	outl(0xF4, v);
	/* Still here: no isa-debug-exit (Bochs without Vireo). Say what Vireo
	 * would have said, let the UART drain (LSR.TEMT), then ask Bochs to
	 * power off. */
	printf("vireo: result %u\n", ((v << 1) | 1) & 0xFF);
	if (!use_e9)
		for (unsigned i = 0; i < 1000000; i++)
			if (inb(COM1 + 5) & 0x40)
				break;
	for (const char *s = "Shutdown"; *s; s++)
		outb(0x8900, (uint8_t)*s);
	for (;;)
		__asm__ volatile("cli; hlt");
}

int check(int cond, const char *name)
{
	if (cond) {
		printf("ok %s\n", name);
	} else {
		printf("FAIL %s: condition false\n", name);
		test_failures++;
	}
	return cond;
}

int check_eq(uint64_t got, uint64_t expected, const char *name)
{
	if (got == expected) {
		printf("ok %s (0x%llx)\n", name, (unsigned long long)got);
		return 1;
	}
	printf("FAIL %s: got 0x%llx expected 0x%llx\n", name, (unsigned long long)got,
	       (unsigned long long)expected);
	test_failures++;
	return 0;
}

int check_pm(uint64_t got, uint64_t want, unsigned permille, const char *name)
{
	uint64_t diff = got > want ? got - want : want - got;

	if (diff * 1000 <= want * permille) {
		printf("ok %s (%llu, expected %llu)\n", name, (unsigned long long)got, (unsigned long long)want);
		return 1;
	}
	fail(name, "%llu, expected %llu within %u.%u%%", (unsigned long long)got, (unsigned long long)want,
	     permille / 10, permille % 10);
	return 0;
}

void fail(const char *name, const char *fmt, ...)
{
	struct out o = { 0, 0, 0, 1 };
	va_list ap;
	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	do_format(&o, fmt, ap);
	va_end(ap);
	console_putc('\n');
	test_failures++;
}

void skip(const char *name, const char *why)
{
	printf("skip %s (%s)\n", name, why);
}

int test_report(void)
{
	if (test_failures)
		printf("RESULT: FAIL (%d failures)\n", test_failures);
	else
		printf("RESULT: PASS\n");
	return test_failures;
}

void test_finish(void)
{
	guest_exit(test_report() ? 1 : 0);
}

/* Twelve characters from three CPUID registers, in the given order. */
static void regs_to_string(char out[13], uint32_t r0, uint32_t r1, uint32_t r2)
{
	memcpy(out, &r0, 4);
	memcpy(out + 4, &r1, 4);
	memcpy(out + 8, &r2, 4);
	out[12] = 0;
}

void cpuid_vendor(char out[13], uint32_t *max_leaf)
{
	uint32_t a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	regs_to_string(out, b, d, c);	/* EBX, EDX, ECX: "GenuineIntel" */
	if (max_leaf)
		*max_leaf = a;
}

void cpuid_hv_signature(char out[13], uint32_t *max_leaf)
{
	uint32_t a, b, c, d;

	cpuid(0x40000000, 0, &a, &b, &c, &d);
	regs_to_string(out, b, c, d);	/* EBX, ECX, EDX */
	if (max_leaf)
		*max_leaf = a;
}

int running_on_vireo(void)
{
	char sig[13];

	cpuid_hv_signature(sig, 0);
	return !strcmp(sig, VIREO_CPUID_SIGNATURE);
}

/* ------------------------------------------------------------- exceptions */
volatile struct exc_record exc_last;
volatile unsigned long exc_count;
static exc_handler_t handlers[32];

struct extable_entry {
	uintptr_t from, to;
};
extern const struct extable_entry __extable_start[], __extable_end[];
extern const uintptr_t exc_stubs[32];
extern const char irq_stubs[]; /* 224 stubs of 16 bytes, vectors 32..255 */

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP", "#SS",
	"#GP", "#PF", "15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

void exc_set_handler(int vector, exc_handler_t h)
{
	if (vector >= 0 && vector < 32)
		handlers[vector] = h;
}

static void exc_dispatch(struct exc_frame *f)
{
	unsigned v = (unsigned)f->vector;
	exc_last.vector = v;
	exc_last.error = (unsigned long)f->error;
	exc_last.ip = (unsigned long)f->ip;
	exc_last.cr2 = v == 14 ? read_cr2() : 0;
	exc_count++;
	if (v < 32 && handlers[v] && handlers[v](f))
		return;
	for (const struct extable_entry *e = __extable_start; e < __extable_end; e++) {
		if (e->from == f->ip) {
			f->ip = e->to;
			return;
		}
	}
	const char *name = v < 32 && exc_names[v] ? exc_names[v] : "?";
	printf("FAIL unexpected exception %u %s error=0x%lx ip=0x%lx cr2=0x%lx\n", v, name,
	       (unsigned long)f->error, (unsigned long)f->ip, exc_last.cr2);
	test_failures++;
	test_finish();
}

/* ------------------------------------------------------------- interrupts */
static volatile irq_handler_t irq_handlers[256];
volatile uint32_t irq_unexpected;

void irq_set_handler(int vector, irq_handler_t h)
{
	if (vector == 2 || (vector >= 32 && vector < 256))
		irq_handlers[vector] = h;
}

/* An interrupt nobody asked for: report it, and retire it if the local APIC
 * has it in service, so that it does not block every lower class. */
static void irq_unexpected_vector(struct exc_frame *f)
{
	unsigned v = (unsigned)f->vector;
	irq_unexpected++;
	test_failures++;
	printf("FAIL unexpected interrupt vector %u (0x%x) ip=0x%lx\n", v, v, (unsigned long)f->ip);
	if (lapic_enabled() && lapic_isr_test(v))
		lapic_eoi();
}

void irq_dispatch(struct exc_frame *f);
void irq_dispatch(struct exc_frame *f)
{
	irq_handler_t h = irq_handlers[f->vector & 0xFF];
	if (h)
		h(f);
	else
		irq_unexpected_vector(f);
}

/* Every stub lands here. An NMI goes to its interrupt handler when one is
 * registered (it is not an exception: exc_count stays as it is), else down
 * the exception path like vectors 0..31. */
void int_dispatch(struct exc_frame *f);
void int_dispatch(struct exc_frame *f)
{
	if (f->vector >= 32 || (f->vector == 2 && irq_handlers[2]))
		irq_dispatch(f);
	else
		exc_dispatch(f);
}

struct idt_desc {
	uint16_t limit;
	uintptr_t base;
} __attribute__((packed));

#ifdef __x86_64__
static uint64_t idt[256 * 2] __attribute__((aligned(16)));
#define KERNEL_CS 0x18
#else
static uint64_t idt[256] __attribute__((aligned(16)));
#define KERNEL_CS 0x08
#endif

static uintptr_t stub_address(int v)
{
	return v < 32 ? exc_stubs[v] : (uintptr_t)irq_stubs + (uintptr_t)(v - 32) * 16;
}

/* interrupt gate, present, DPL 0 (type 0xE: 32-bit / 64-bit gate), IST 0 */
static void idt_set_gate(int v, uintptr_t h)
{
	uint64_t lo = (h & 0xFFFF) | ((uint64_t)KERNEL_CS << 16) | (0x8EULL << 40) |
		      (((uint64_t)h & 0xFFFF0000ULL) << 32);
#ifdef __x86_64__
	idt[2 * v] = lo;
	idt[2 * v + 1] = (uint64_t)h >> 32;
#else
	idt[v] = lo;
#endif
}

static void idt_init(void)
{
	for (int i = 0; i < 256; i++)
		idt_set_gate(i, stub_address(i));
	struct idt_desc d = { sizeof(idt) - 1, (uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(d));
}

#ifdef __x86_64__
/* Only the IST pointers of the TSS matter here. */

#define TSS_SEL        0x20
static struct tss64 tss;
static uint8_t ist_stacks[IST_MAX][IST_STACK_SIZE] __attribute__((aligned(16)));
extern uint64_t gdt[];

/* Fill the TSS descriptor (GDT slots 4 and 5) and load TR, once. */
static void tss_load(void)
{
	static int loaded;
	if (loaded)
		return;
	for (int i = 0; i < IST_MAX; i++)
		tss.ist[i] = (uint64_t)(uintptr_t)&ist_stacks[i][IST_STACK_SIZE];
	tss.iomap_base = sizeof(tss); /* no I/O bitmap */
	uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof(tss) - 1;
	gdt[TSS_SEL / 8] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ULL << 40) |
			   ((base >> 24 & 0xFF) << 56);
	gdt[TSS_SEL / 8 + 1] = base >> 32;
	__asm__ volatile("ltr %w0" : : "r"(TSS_SEL) : "memory");
	loaded = 1;
}

void idt_set_ist(int vector, int ist)
{
	if (vector < 0 || vector > 255 || ist < 0 || ist > IST_MAX)
		return;
	if (ist)
		tss_load();
	uint64_t lo = idt[2 * vector] & ~(7ULL << 32);
	idt[2 * vector] = lo | ((uint64_t)ist << 32);
}

uintptr_t ist_stack_top(int ist)
{
	return ist >= 1 && ist <= IST_MAX ? (uintptr_t)&ist_stacks[ist - 1][IST_STACK_SIZE] : 0;
}
#endif

/* -------------------------------------------------------------- multiboot */
const char *mb_cmdline(void)
{
	if (mb_magic != MB_MAGIC || !mb_info_addr || !(mb_info()->flags & (1u << 2)) || !mb_info()->cmdline)
		return "";
	return (const char *)phys(mb_info()->cmdline);
}

uint64_t parse_u64(const char *s, const char **end)
{
	uint64_t v = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		for (;; s++) {
			int d;
			if (*s >= '0' && *s <= '9')
				d = *s - '0';
			else if (*s >= 'a' && *s <= 'f')
				d = *s - 'a' + 10;
			else if (*s >= 'A' && *s <= 'F')
				d = *s - 'A' + 10;
			else
				break;
			v = (v << 4) | (unsigned)d;
		}
	} else {
		for (; *s >= '0' && *s <= '9'; s++)
			v = (v << 3) + (v << 1) + (unsigned)(*s - '0');
	}
	if (end)
		*end = s;
	return v;
}

int cmdline_get(const char *key, char *out, size_t outlen)
{
	const char *p = mb_cmdline();
	size_t kl = strlen(key);
	while (*p) {
		while (*p == ' ')
			p++;
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		if ((size_t)(p - w) > kl && !strncmp(w, key, kl) && w[kl] == '=') {
			size_t n = 0;
			for (const char *v = w + kl + 1; v < p && n + 1 < outlen; v++)
				out[n++] = *v;
			if (outlen)
				out[n] = 0;
			return 1;
		}
	}
	return 0;
}

uint64_t cmdline_u64(const char *key, uint64_t def)
{
	char buf[32];
	if (!cmdline_get(key, buf, sizeof(buf)) || !buf[0])
		return def;
	return parse_u64(buf, 0);
}

uint64_t mb_ram_end(void)
{
	if (mb_magic != MB_MAGIC || !(mb_info()->flags & 1))
		return 0;
	return 0x100000ULL + (uint64_t)mb_info()->mem_upper * 1024;
}

/* The BIOS leaves the 8259 PICs on with IRQ 0 (PIT) at vector 8: the first
 * STI would take a PIT tick that looks like a #DF. Masking alone is not
 * enough when a request is already raised (Bochs delivers it anyway), so
 * re-initialize both (ICW1..4, which drops pending requests), move them to
 * vectors 0xE0..0xEF and mask every line. Whatever still slips through
 * lands in pic_stray. Vireo has no PIC: the writes are dropped. */
volatile uint32_t pic_stray_count;

static void pic_stray(struct exc_frame *f)
{
	(void)f;
	pic_stray_count++; /* masked lines: nothing to acknowledge */
}

static void pic_disable(void)
{
	for (int v = 0xE0; v <= 0xEF; v++)
		irq_set_handler(v, pic_stray);
	outb(0x20, 0x11); /* ICW1: edge, cascade, ICW4 follows */
	outb(0xA0, 0x11);
	outb(0x21, 0xE0); /* ICW2: vector base */
	outb(0xA1, 0xE8);
	outb(0x21, 0x04); /* ICW3: slave on IRQ 2 */
	outb(0xA1, 0x02);
	outb(0x21, 0x01); /* ICW4: 8086 mode */
	outb(0xA1, 0x01);
	outb(0x21, 0xFF); /* OCW1: all masked */
	outb(0xA1, 0xFF);
}

/* ---------------------------------------------------------------- startup */
void guest_runtime_start(void);
void guest_runtime_start(void)
{
	idt_init();
	pic_disable();
	/* A real 16550 (QEMU, Bochs) starts with 5-bit words in Bochs: program
	 * 115200 8N1. Not under Vireo, whose UART model needs no setup (and a
	 * DLAB divisor write to 0x3F8 could show up as a console byte). */
	if (!running_on_vireo()) {
		outb(COM1 + 1, 0x00); /* IER off */
		outb(COM1 + 3, 0x80); /* DLAB */
		outb(COM1 + 0, 0x01); /* divisor 1: 115200 */
		outb(COM1 + 1, 0x00);
		outb(COM1 + 3, 0x03); /* 8N1 */
		outb(COM1 + 2, 0xC7); /* FIFO on, cleared */
		outb(COM1 + 4, 0x03); /* DTR|RTS */
	}
	char c[8];
	if (cmdline_get("console", c, sizeof(c)) && !strcmp(c, "e9"))
		console_use_e9(1);
	if (mb_magic != MB_MAGIC)
		printf("warning: multiboot magic 0x%x\n", mb_magic);
	test_main();
	test_finish();
}
