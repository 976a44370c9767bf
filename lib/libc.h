/* Minimal C library surface shared by the hypervisor and by host unit tests.
 * Pure code (decoders, loaders, device models) includes this instead of
 * <string.h>, so the same file builds freestanding and on the host. */
#ifndef VIREO_LIB_LIBC_H
#define VIREO_LIB_LIBC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef VIREO_HOST
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* -ffreestanding turns off the compiler's own memcpy/memset, so even a
 * 16-byte struct clear would be a call. Through __builtin_ the compiler
 * inlines fixed small sizes and calls the functions above otherwise. */
#ifndef VIREO_LIBC_IMPL
#define memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define memset(d, c, n) __builtin_memset((d), (c), (n))
#define memcmp(a, b, n) __builtin_memcmp((a), (b), (n))
#endif
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)
#define BIT(n) (1ULL << (n))

/* Parse an unsigned number: decimal, 0x hex, optional K/M/G suffix when
 * 'allow_suffix'. Returns 0 on success, -1 on malformed input or overflow. */
int parse_u64(const char *s, size_t len, bool allow_suffix, uint64_t *out);

#endif
