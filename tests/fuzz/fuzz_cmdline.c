/* The GRUB command-line tokenizer and the number parser.
 * Checks: a list of arbitrary words, quoted the way GRUB 2 rebuilds a
 * command line (grub_create_loader_cmdline: blanks mean double quotes,
 * '\\', '\'' and '"' get a backslash), tokenizes back into the same words;
 * on arbitrary text every word fits its exact-size heap buffer, the cursor
 * only moves forward (and not at all on an error), the words are never
 * longer than the text; "key=value" splits at the first '='; parse_u64()
 * agrees with a reference parser written here.
 * FUZZ-DEPS: lib/cmdline.c lib/parse.c */
#include "tests/fuzz/fuzz.h"
#include "lib/cmdline.h"

#define MAX_WORDS 8
#define MAX_WORD 40

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* GRUB's quoting of one argument, appended at out + *n. */
static void grub_quote(const char *w, char *out, size_t *n)
{
	bool q = *w == '\0';

	for (const char *p = w; *p; p++)
		q = q || blank(*p);
	if (q)
		out[(*n)++] = '"';
	for (const char *p = w; *p; p++) {
		if (*p == '\\' || *p == '\'' || *p == '"')
			out[(*n)++] = '\\';
		out[(*n)++] = *p;
	}
	if (q)
		out[(*n)++] = '"';
}

static void round_trip(struct fuzz_in *in)
{
	char words[MAX_WORDS][MAX_WORD + 1], line[MAX_WORDS * (2 * MAX_WORD + 3) + 1];
	char got[MAX_WORD + 1];
	unsigned nw = fuzz_u8(in) % (MAX_WORDS + 1);
	size_t n = 0;
	const char *cur = line;

	for (unsigned i = 0; i < nw; i++) {
		size_t len = fuzz_u8(in) % (MAX_WORD + 1), k;

		for (k = 0; k < len; k++) {
			char c = (char)fuzz_u8(in);

			words[i][k] = c ? c : 'z';
		}
		words[i][k] = '\0';
		if (i)
			line[n++] = fuzz_bool(in) ? '\t' : ' ';
		grub_quote(words[i], line, &n);
	}
	line[n] = '\0';
	for (unsigned i = 0; i < nw; i++) {
		int rc = cmdline_next(&cur, got, sizeof(got));

		FUZZ_CHECK(rc == 1 && strcmp(got, words[i]) == 0,
			   "word %u of \"%s\": rc %d, \"%s\" for \"%s\"", i, line, rc, got, words[i]);
	}
	FUZZ_CHECK(cmdline_next(&cur, got, sizeof(got)) == 0, "extra word in \"%s\"", line);
}

/* Tokenize arbitrary text with an exact-size word buffer. */
static void tokenize(const char *text, size_t wordlen)
{
	const char *cur = text, *end = text + strlen(text);
	char *word = malloc(wordlen ? wordlen : 1);
	size_t total = 0;
	int rc;

	if (!word)
		abort();
	for (unsigned guard = 0;; guard++) {
		const char *before = cur;

		FUZZ_CHECK(guard <= strlen(text) + 1, "no progress");
		rc = cmdline_next(&cur, word, wordlen);
		if (rc < 0) {
			FUZZ_CHECK(cur == before, "cursor moved on error %d", rc);
			FUZZ_CHECK(rc == CMDLINE_EQUOTE || rc == CMDLINE_ETOOLONG, "rc %d", rc);
			FUZZ_CHECK(cmdline_strerror(rc) != NULL, "strerror");
			break;
		}
		FUZZ_CHECK(cur >= before && cur <= end, "cursor out of the text");
		if (rc == 0) {
			FUZZ_CHECK(*cur == '\0', "end before the end");
			break;
		}
		FUZZ_CHECK(rc == 1 && strlen(word) < wordlen, "word overflow");
		total += strlen(word);
		FUZZ_CHECK(cur > before, "a word without progress");
		char *key, *val, copy[MAX_WORD * 8];

		if (strlen(word) < sizeof(copy)) {
			strcpy(copy, word);
			if (cmdline_split_kv(copy, &key, &val)) {
				FUZZ_CHECK(key == copy && !strchr(key, '=') &&
					   strlen(key) + 1 + strlen(val) == strlen(word) &&
					   strncmp(word, key, strlen(key)) == 0 &&
					   strcmp(word + strlen(key) + 1, val) == 0, "split_kv");
			} else {
				FUZZ_CHECK(!strchr(word, '=') && val == NULL, "split_kv without '='");
			}
		}
	}
	FUZZ_CHECK(total <= strlen(text), "words longer than the text");
	free(word);
}

/* Reference parse_u64: digits in base 10 or 16 ("0x"), optional K/M/G. */
static int ref_parse(const char *s, size_t len, bool suffix, uint64_t *out)
{
	unsigned __int128 v = 0;
	unsigned base = 10, shift = 0;
	size_t i = 0;

	if (len == 0)
		return -1;
	if (suffix && len > 1 && strchr("kKmMgG", s[len - 1]) && s[len - 1]) {
		char c = s[len - 1] | 0x20;

		shift = c == 'k' ? 10 : c == 'm' ? 20 : 30;
		len--;
	}
	if (len > 2 && s[0] == '0' && (s[1] | 0x20) == 'x')
		base = 16, i = 2;
	if (i == len)
		return -1;
	for (; i < len; i++) {
		char c = s[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') :
			     (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (unsigned)((c | 0x20) - 'a' + 10) : 99;

		if (d >= base)
			return -1;
		v = v * base + d;
		if (v > UINT64_MAX)
			return -1;
	}
	v <<= shift;
	if (v > UINT64_MAX)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	uint8_t what = fuzz_u8(&in);
	size_t wordlen = fuzz_u8(&in), n;
	const uint8_t *b;
	char *text;

	if (what & 1) {
		round_trip(&in);
		return 0;
	}
	b = fuzz_bytes(&in, 4096, &n);
	text = malloc(n + 1);
	if (!text)
		abort();
	memcpy(text, b, n);
	text[n] = '\0';
	tokenize(text, wordlen);
	if (n <= 40) {
		char *exact = (char *)fuzz_dup(b, n);	/* not NUL-terminated */
		uint64_t got = 0x5a5a, want = 0xa5a5;
		bool suffix = what & 2;
		int rc = parse_u64(exact, n, suffix, &got), wrc = ref_parse(exact, n, suffix, &want);

		FUZZ_CHECK(rc == wrc && (rc != 0 || got == want), "parse_u64(\"%s\") = %d/%llu, "
			   "reference %d/%llu", text, rc, (unsigned long long)got, wrc,
			   (unsigned long long)want);
		free(exact);
	}
	free(text);
	return 0;
}
