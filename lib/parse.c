/* Number parsing shared by the command-line and module-string parsers. */
#include "lib/libc.h"

static int digit_value(char c, unsigned base)
{
	unsigned v;

	if (c >= '0' && c <= '9')
		v = (unsigned)(c - '0');
	else if (c >= 'a' && c <= 'f')
		v = (unsigned)(c - 'a' + 10);
	else if (c >= 'A' && c <= 'F')
		v = (unsigned)(c - 'A' + 10);
	else
		return -1;
	return v < base ? (int)v : -1;
}

/* Binary units, as GRUB and Linux's memparse() use them: 1K = 1024. */
static unsigned suffix_shift(char c)
{
	switch (c) {
	case 'k': case 'K': return 10;
	case 'm': case 'M': return 20;
	case 'g': case 'G': return 30;
	default: return 0;
	}
}

/* Parse s[0..len): "123", "0x7c00", and with 'allow_suffix' "64M", "0x10K".
 * Returns 0 and stores *out, or -1 for empty input, a stray character or
 * a value that does not fit in 64 bits (before or after the suffix). */
int parse_u64(const char *s, size_t len, bool allow_suffix, uint64_t *out)
{
	unsigned base = 10, shift = 0;
	uint64_t v = 0;
	size_t i = 0;

	if (!s || len == 0)
		return -1;
	if (allow_suffix && len > 1 && suffix_shift(s[len - 1])) {
		shift = suffix_shift(s[len - 1]);
		len--;
	}
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return -1;
	for (; i < len; i++) {
		int d = digit_value(s[i], base);

		if (d < 0)
			return -1;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -1;
		v = v * base + (uint64_t)d;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*out = v << shift;
	return 0;
}
