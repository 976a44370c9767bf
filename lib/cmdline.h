/* Shell-like tokenizer for GRUB-style command lines and module strings.
 *
 * GRUB 2 rebuilds a command line from its parsed argv (grub_create_loader_
 * cmdline in grub-core/lib/cmdline.c): an argument holding a space is wrapped
 * in double quotes and every '\\', '\'' and '"' is preceded by a backslash.
 * So `module /g.elf cmdline="a b"` reaches us as `/g.elf "cmdline=a b"`.
 * This tokenizer undoes that and also accepts hand-written variants:
 *   - words are separated by blanks (space, tab, newline);
 *   - double quotes may start or end anywhere inside a word; inside them a
 *     backslash escapes the next character;
 *   - single quotes group literally (no escapes), as in a POSIX shell;
 *   - outside quotes a backslash also escapes the next character (GRUB
 *     escapes quotes and backslashes even in unquoted words).
 */
#ifndef VIREO_LIB_CMDLINE_H
#define VIREO_LIB_CMDLINE_H

#include "lib/libc.h"

#define CMDLINE_EQUOTE   (-1)	/* unterminated quote */
#define CMDLINE_ETOOLONG (-2)	/* word does not fit in the caller's buffer */

/* Extract the next word at *cursor into word[wordlen] (NUL-terminated,
 * quotes and escapes removed) and advance *cursor past it.
 * Returns 1 for a word, 0 at the end of the string, or a negative
 * CMDLINE_E* code; on error *cursor is left unchanged. */
int cmdline_next(const char **cursor, char *word, size_t wordlen);

/* Split "key=value" in place at the first '='. Returns true and sets *key
 * and *val when the word has an '='; otherwise returns false, *key = word
 * and *val = NULL. */
bool cmdline_split_kv(char *word, char **key, char **val);

/* A short English description of a CMDLINE_E* code. */
const char *cmdline_strerror(int rc);

#endif
