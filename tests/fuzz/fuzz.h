/*
 * Shared helpers for the libFuzzer targets in tests/fuzz/.
 *
 * A target consumes its input as a byte stream: struct fuzz_in wraps the
 * input, fuzz_u8/u16/u32/u64 read little-endian values and return 0 once
 * the input is used up (so every input is valid and short inputs still
 * run the code), fuzz_bytes hands out a slice of the remaining input.
 * FUZZ_CHECK aborts with a message when an invariant fails, so libFuzzer
 * records the input as a crash (assert() would vanish under -DNDEBUG).
 */
#ifndef VIREO_FUZZ_H
#define VIREO_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fuzz_in {
	const uint8_t *p;
	size_t len;
};

static inline struct fuzz_in fuzz_in_init(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	return in;
}

static inline size_t fuzz_left(const struct fuzz_in *in)
{
	return in->len;
}

static inline uint64_t fuzz_uint(struct fuzz_in *in, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes && in->len > 0; i++) {
		v |= (uint64_t)in->p[0] << (8 * i);
		in->p++;
		in->len--;
	}
	return v;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	return (uint8_t)fuzz_uint(in, 1);
}

static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
	return (uint16_t)fuzz_uint(in, 2);
}

static inline uint32_t fuzz_u32(struct fuzz_in *in)
{
	return (uint32_t)fuzz_uint(in, 4);
}

static inline uint64_t fuzz_u64(struct fuzz_in *in)
{
	return fuzz_uint(in, 8);
}

static inline int fuzz_bool(struct fuzz_in *in)
{
	return fuzz_u8(in) & 1;
}

/* A value in [0, n) (0 when n is 0); n up to 2^32. */
static inline uint32_t fuzz_range(struct fuzz_in *in, uint32_t n)
{
	return n ? fuzz_u32(in) % n : 0;
}

/* Up to want bytes of the rest of the input; *got says how many. */
static inline const uint8_t *fuzz_bytes(struct fuzz_in *in, size_t want,
					size_t *got)
{
	const uint8_t *p = in->p;
	size_t n = want < in->len ? want : in->len;
	in->p += n;
	in->len -= n;
	*got = n;
	return p;
}

/*
 * A heap copy of exactly the bytes given, so ASan flags any read past
 * them (the fuzzer's own buffer may have slack after the input).
 */
static inline uint8_t *fuzz_dup(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);
	if (!q)
		abort();
	if (n)
		memcpy(q, p, n);
	return q;
}

/* FUZZ_VERBOSE=1 in the environment: targets say what happened to each
 * input (e.g. a loader's refusal), to check that seeds get where meant. */
static inline bool fuzz_verbose(void)
{
	static int v = -1;

	if (v < 0)
		v = getenv("FUZZ_VERBOSE") != NULL;
	return v;
}

#define FUZZ_CHECK(cond, ...)                                              \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "FUZZ-CHECK failed %s:%d: %s: ",   \
				__FILE__, __LINE__, #cond);                \
			fprintf(stderr, __VA_ARGS__);                      \
			fprintf(stderr, "\n");                             \
			abort();                                           \
		}                                                          \
	} while (0)

#endif
