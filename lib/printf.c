/* vsnprintf/snprintf for the kernel: the C11 7.21.6.1 subset a hypervisor
 * needs. Conversions d i u x X o p s c %, length modifiers hh h l ll z j t,
 * flags - 0 space + #, width and precision (also as '*').
 *
 * Pure code: the implementation is named kvsnprintf/ksnprintf so host unit
 * tests can compare it against the host libc's snprintf; the kernel gets the
 * standard names as thin wrappers at the end of this file. */
#include "lib/libc.h"
#include "lib/printk.h"

/* Output cursor. Counts every character the format produces (the C return
 * value) but stores only the first size-1 of them. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_char(struct out *o, char c)
{
	if (o->size > 0 && o->len < o->size - 1)
		o->buf[o->len] = c;
	o->len++;
}

static void out_repeat(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

static void out_str(struct out *o, const char *s, int n)
{
	for (int i = 0; i < n; i++)
		out_char(o, s[i]);
}

enum {
	F_LEFT = 1 << 0,  /* '-' */
	F_ZERO = 1 << 1,  /* '0' */
	F_SPACE = 1 << 2, /* ' ' */
	F_PLUS = 1 << 3,  /* '+' */
	F_ALT = 1 << 4,   /* '#' */
};

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

struct spec {
	int flags;
	int width;     /* 0 when absent */
	int prec;      /* -1 when absent */
	enum length len;
	char conv;
};

/* Pad 'body' (of 'n' chars) to the field width, honouring '-'. */
static void out_padded(struct out *o, const struct spec *sp, const char *body, int n)
{
	int pad = sp->width > n ? sp->width - n : 0;

	if (!(sp->flags & F_LEFT))
		out_repeat(o, ' ', pad);
	out_str(o, body, n);
	if (sp->flags & F_LEFT)
		out_repeat(o, ' ', pad);
}

/* Format one integer: [pad][prefix][zeros][digits][pad] (C11 7.21.6.1p6). */
static void out_int(struct out *o, const struct spec *sp, unsigned long long v, bool neg)
{
	char digits[24]; /* 22 octal digits cover 64 bits */
	char prefix[3];
	int nd = 0, np = 0, base = 10;
	const char *hex = sp->conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	bool is_signed = sp->conv == 'd' || sp->conv == 'i';

	if (sp->conv == 'o')
		base = 8;
	else if (sp->conv == 'x' || sp->conv == 'X' || sp->conv == 'p')
		base = 16;

	/* Precision 0 with value 0 prints no digits at all. */
	for (unsigned long long t = v; t != 0 || (nd == 0 && sp->prec != 0); t /= base)
		digits[nd++] = hex[t % base];

	if (is_signed && neg)
		prefix[np++] = '-';
	else if (is_signed && (sp->flags & F_PLUS))
		prefix[np++] = '+';
	else if (is_signed && (sp->flags & F_SPACE))
		prefix[np++] = ' ';
	else if (sp->conv == 'p' || ((sp->flags & F_ALT) && base == 16 && v != 0)) {
		prefix[np++] = '0';
		prefix[np++] = sp->conv == 'X' ? 'X' : 'x';
	}

	int zeros = sp->prec > nd ? sp->prec - nd : 0;
	/* '#' with 'o' forces a leading zero by raising the precision. */
	if (base == 8 && (sp->flags & F_ALT) && zeros == 0 && (nd == 0 || digits[nd - 1] != '0'))
		zeros = 1;
	int body = np + zeros + nd;
	int pad = sp->width > body ? sp->width - body : 0;
	/* '0' is ignored with '-' or with a precision (C11 7.21.6.1p6). */
	bool zero_pad = (sp->flags & F_ZERO) && !(sp->flags & F_LEFT) && sp->prec < 0;

	if (!(sp->flags & F_LEFT) && !zero_pad)
		out_repeat(o, ' ', pad);
	out_str(o, prefix, np);
	if (zero_pad)
		out_repeat(o, '0', pad);
	out_repeat(o, '0', zeros);
	while (nd > 0)
		out_char(o, digits[--nd]);
	if (sp->flags & F_LEFT)
		out_repeat(o, ' ', pad);
}

static long long arg_signed(enum length len, va_list *ap)
{
	switch (len) {
	case LEN_HH: return (signed char)va_arg(*ap, int);
	case LEN_H: return (short)va_arg(*ap, int);
	case LEN_L: return va_arg(*ap, long);
	case LEN_LL: return va_arg(*ap, long long);
	case LEN_Z: return (long long)va_arg(*ap, size_t); /* signed size_t */
	case LEN_J: return va_arg(*ap, intmax_t);
	case LEN_T: return va_arg(*ap, ptrdiff_t);
	default: return va_arg(*ap, int);
	}
}

static unsigned long long arg_unsigned(enum length len, va_list *ap)
{
	switch (len) {
	case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H: return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L: return va_arg(*ap, unsigned long);
	case LEN_LL: return va_arg(*ap, unsigned long long);
	case LEN_Z: return va_arg(*ap, size_t);
	case LEN_J: return va_arg(*ap, uintmax_t);
	case LEN_T: return (unsigned long long)va_arg(*ap, ptrdiff_t);
	default: return va_arg(*ap, unsigned int);
	}
}

static int parse_num(const char **fmt)
{
	int n = 0;

	while (**fmt >= '0' && **fmt <= '9') {
		if (n < 100000) /* clamp absurd widths instead of overflowing */
			n = n * 10 + (**fmt - '0');
		(*fmt)++;
	}
	return n;
}

/* Parse "%[flags][width][.prec][len]conv" after the '%'; advances *fmt. */
static void parse_spec(const char **fmt, struct spec *sp, va_list *ap)
{
	const char *f = *fmt;

	sp->flags = 0;
	for (;; f++) {
		if (*f == '-') sp->flags |= F_LEFT;
		else if (*f == '0') sp->flags |= F_ZERO;
		else if (*f == ' ') sp->flags |= F_SPACE;
		else if (*f == '+') sp->flags |= F_PLUS;
		else if (*f == '#') sp->flags |= F_ALT;
		else break;
	}

	sp->width = 0;
	if (*f == '*') {
		f++;
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) { /* negative '*' width means '-' (7.21.6.1p5) */
			sp->flags |= F_LEFT;
			sp->width = sp->width < -0x7fffffff ? 0x7fffffff : -sp->width;
		}
	} else {
		sp->width = parse_num(&f);
	}

	sp->prec = -1;
	if (*f == '.') {
		f++;
		if (*f == '*') {
			f++;
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0) /* negative '*' precision: as if omitted */
				sp->prec = -1;
		} else {
			sp->prec = parse_num(&f);
		}
	}

	sp->len = LEN_NONE;
	switch (*f) {
	case 'h':
		f++;
		sp->len = LEN_H;
		if (*f == 'h') { f++; sp->len = LEN_HH; }
		break;
	case 'l':
		f++;
		sp->len = LEN_L;
		if (*f == 'l') { f++; sp->len = LEN_LL; }
		break;
	case 'z': f++; sp->len = LEN_Z; break;
	case 'j': f++; sp->len = LEN_J; break;
	case 't': f++; sp->len = LEN_T; break;
	}

	sp->conv = *f;
	if (*f)
		f++;
	*fmt = f;
}

static void out_string(struct out *o, const struct spec *sp, const char *s)
{
	if (!s)
		s = "(null)";
	int n = 0;

	/* Own loop, not strnlen: strnlen is POSIX, not C11, on the host. */
	while (s[n] && (sp->prec < 0 || n < sp->prec) && n < 0x7fffffff)
		n++;
	out_padded(o, sp, s, n);
}

static void out_conv(struct out *o, struct spec *sp, va_list *ap)
{
	long long sv;
	char c;

	switch (sp->conv) {
	case 'd':
	case 'i':
		sv = arg_signed(sp->len, ap);
		/* Negate in unsigned arithmetic so LLONG_MIN does not overflow. */
		out_int(o, sp, sv < 0 ? 0ULL - (unsigned long long)sv : (unsigned long long)sv, sv < 0);
		break;
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		out_int(o, sp, arg_unsigned(sp->len, ap), false);
		break;
	case 'p':
		out_int(o, sp, (uintptr_t)va_arg(*ap, void *), false);
		break;
	case 's':
		out_string(o, sp, va_arg(*ap, const char *));
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		out_padded(o, sp, &c, 1);
		break;
	case '%':
		out_char(o, '%');
		break;
	case '\0':
		break;
	default:
		/* Unknown conversion: show it verbatim so the bug is visible. */
		out_char(o, '%');
		out_char(o, sp->conv);
		break;
	}
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list aq;

	/* Copy so we can pass a pointer: va_list may be an array type. */
	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		fmt++;
		parse_spec(&fmt, &sp, &aq);
		out_conv(&o, &sp, &aq);
	}
	va_end(aq);

	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > 0x7fffffff ? 0x7fffffff : (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

#ifndef VIREO_HOST
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return kvsnprintf(buf, size, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
#endif
