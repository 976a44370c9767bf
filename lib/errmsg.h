/* One-line error messages into a caller-supplied buffer. */
#ifndef VIREO_LIB_ERRMSG_H
#define VIREO_LIB_ERRMSG_H

#include "lib/libc.h"

static inline void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

#define ULL(x) ((unsigned long long)(x))

#endif
