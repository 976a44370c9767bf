/* Shell-like tokenizer for GRUB-style command lines; see lib/cmdline.h. */
#include "lib/cmdline.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int cmdline_next(const char **cursor, char *word, size_t wordlen)
{
	const char *p = *cursor;
	size_t n = 0;
	char quote = 0;		/* 0, '"' or '\'' */

	if (!p || wordlen == 0)
		return CMDLINE_ETOOLONG;
	while (is_blank(*p))
		p++;
	if (*p == '\0') {
		*cursor = p;
		word[0] = '\0';
		return 0;
	}
	for (; *p; p++) {
		char c = *p;

		if (!quote && is_blank(c))
			break;
		if (quote == '\'' && c == '\'') {
			quote = 0;
			continue;
		}
		if (quote != '\'') {
			if (c == '"') {
				quote = quote ? 0 : '"';
				continue;
			}
			if (!quote && c == '\'') {
				quote = '\'';
				continue;
			}
			/* A trailing lone backslash stays literal. */
			if (c == '\\' && p[1] != '\0')
				c = *++p;
		}
		if (n + 1 >= wordlen)
			return CMDLINE_ETOOLONG;
		word[n++] = c;
	}
	if (quote)
		return CMDLINE_EQUOTE;
	word[n] = '\0';
	*cursor = p;
	return 1;
}

bool cmdline_split_kv(char *word, char **key, char **val)
{
	char *eq = strchr(word, '=');

	*key = word;
	if (!eq) {
		*val = NULL;
		return false;
	}
	*eq = '\0';
	*val = eq + 1;
	return true;
}

const char *cmdline_strerror(int rc)
{
	switch (rc) {
	case CMDLINE_EQUOTE: return "unterminated quote";
	case CMDLINE_ETOOLONG: return "word too long";
	default: return "bad command line";
	}
}
