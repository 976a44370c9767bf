/* Parsers for GRUB module strings (one VM or one extra module each) and for
 * the hypervisor's own command line. Syntax: lib/cmdline.h; keys:
 * core/vmconfig.h. Every error names the module and the offending key. */
#include "core/vmconfig.h"
#include "lib/errmsg.h"
#include "lib/cmdline.h"

/* Room for "cmdline=" plus a maximal value plus slack, so an overlong value
 * is reported by its key rather than as an anonymous overlong word. */
/* One word holds a whole quoted cmdline=...: room for 4 KiB and its quoting. */
#define WORD_MAX (VM_CMDLINE_MAX + 512)

enum {
	SEEN_NAME = 1 << 0, SEEN_TYPE = 1 << 1, SEEN_MEM = 1 << 2,
	SEEN_CPUS = 1 << 3, SEEN_CMDLINE = 1 << 4, SEEN_VM = 1 << 5,
	SEEN_LOAD = 1 << 6, SEEN_ENTRY = 1 << 7, SEEN_STRICT_MMIO = 1 << 8,
	SEEN_ON_RESET = 1 << 9,
};

static const struct {
	const char *key;
	unsigned bit;
} mod_keys[] = {
	{ "name", SEEN_NAME }, { "type", SEEN_TYPE }, { "mem", SEEN_MEM },
	{ "cpus", SEEN_CPUS }, { "cmdline", SEEN_CMDLINE }, { "vm", SEEN_VM },
	{ "load", SEEN_LOAD }, { "entry", SEEN_ENTRY }, { "strict-mmio", SEEN_STRICT_MMIO },
	{ "on-reset", SEEN_ON_RESET },
};

/* Copy a NUL-terminated string into dst[size]; false if it does not fit. */
static bool copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		return false;
	memcpy(dst, src, n + 1);
	return true;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

int mod_range_overlap(const struct mod_range *r, int n, int i)
{
	for (int j = 0; j < n; j++) {
		if (j == i || r[j].start >= r[j].end || r[i].start >= r[i].end)
			continue;
		if (r[i].start < r[j].end && r[j].start < r[i].end)
			return j;
	}
	return -1;
}

bool vm_name_valid(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (i >= VM_NAME_MAX - 1 || !name_char(name[i]))
			return false;
	return i > 0;
}

/* Default VM name from GRUB's path word: "/boot/web-1.elf" -> "web-1".
 * The extension is dropped and characters not allowed in names become '_'. */
static void name_from_path(const char *path, char *name)
{
	const char *base = path, *p;
	size_t n = 0;

	for (p = path; *p; p++)
		if (*p == '/')
			base = p + 1;
	for (p = base; *p && *p != '.' && n < VM_NAME_MAX - 1; p++)
		name[n++] = name_char(*p) ? *p : '_';
	name[n] = '\0';
}

/* First pass: find what to call this module in error messages, which must
 * work even if the offending key precedes name=. */
static void find_label(const char *s, char *label)
{
	char word[WORD_MAX], *key, *val;
	bool first = true;

	copy_str(label, VM_NAME_MAX, "?");
	while (cmdline_next(&s, word, sizeof(word)) > 0) {
		if (!cmdline_split_kv(word, &key, &val)) {
			if (first && word[0])
				name_from_path(word, label);
		} else if (!strcmp(key, "name") && vm_name_valid(val)) {
			copy_str(label, VM_NAME_MAX, val);
			return;
		}
		first = false;
	}
	if (!label[0])
		copy_str(label, VM_NAME_MAX, "?");
}

static int parse_num(const char *label, const char *key, const char *val,
		     bool suffix, uint64_t *out, char *err, size_t errlen)
{
	if (parse_u64(val, strlen(val), suffix, out) < 0) {
		seterr(err, errlen, "module '%s': bad number '%s' for %s=%s",
		       label, val, key, suffix ? " (e.g. 64M, 0x4000000)" : "");
		return -1;
	}
	return 0;
}

static int set_type(struct mod_spec *m, const char *label, const char *val,
		    char *err, size_t errlen)
{
	if (!strcmp(val, "multiboot"))
		m->vm.type = VM_IMAGE_MULTIBOOT;
	else if (!strcmp(val, "raw"))
		m->vm.type = VM_IMAGE_RAW;
	else if (!strcmp(val, "module"))
		m->vm.type = VM_IMAGE_MODULE;
	else if (!strcmp(val, "linux"))
		m->vm.type = VM_IMAGE_LINUX;
	else {
		seterr(err, errlen, "module '%s': unknown type '%s' "
		       "(want multiboot, linux, raw or module)", label, val);
		return -1;
	}
	return 0;
}

static int set_mem(struct mod_spec *m, const char *label, const char *val,
		   char *err, size_t errlen)
{
	uint64_t v;

	if (parse_num(label, "mem", val, true, &v, err, errlen) < 0)
		return -1;
	if (v < VM_MEM_MIN || v > VM_MEM_MAX) {
		seterr(err, errlen, "module '%s': mem=%s out of range (2M-3G)",
		       label, val);
		return -1;
	}
	/* EPT maps guest RAM in 4 KiB pages at least. */
	if (v & (KiB(4) - 1)) {
		seterr(err, errlen, "module '%s': mem=%s is not a multiple "
		       "of 4K", label, val);
		return -1;
	}
	m->vm.mem = v;
	return 0;
}

static int set_name(char *dst, const char *label, const char *key,
		    const char *val, char *err, size_t errlen)
{
	if (!vm_name_valid(val)) {
		seterr(err, errlen, "module '%s': bad %s '%s' (1-31 chars "
		       "of A-Z a-z 0-9 _ -)", label, key, val);
		return -1;
	}
	copy_str(dst, VM_NAME_MAX, val);
	return 0;
}

static int apply_key(struct mod_spec *m, const char *label, const char *key,
		     const char *val, char *err, size_t errlen)
{
	uint64_t v;

	if (!strcmp(key, "name"))
		return set_name(m->vm.name, label, "name", val, err, errlen);
	if (!strcmp(key, "vm"))
		return set_name(m->for_vm, label, "vm", val, err, errlen);
	if (!strcmp(key, "type"))
		return set_type(m, label, val, err, errlen);
	if (!strcmp(key, "mem"))
		return set_mem(m, label, val, err, errlen);
	if (!strcmp(key, "cmdline")) {
		if (!copy_str(m->vm.cmdline, VM_CMDLINE_MAX, val)) {
			seterr(err, errlen, "module '%s': cmdline is %u "
			       "characters, max %d", label, (unsigned)strlen(val),
			       VM_CMDLINE_MAX - 1);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "cpus")) {
		if (parse_num(label, key, val, false, &v, err, errlen) < 0)
			return -1;
		if (v < 1 || v > VM_CPUS_MAX) {
			seterr(err, errlen, "module '%s': cpus=%s out of range "
			       "(1-%d)", label, val, VM_CPUS_MAX);
			return -1;
		}
		m->vm.cpus = (unsigned)v;
		return 0;
	}
	if (!strcmp(key, "load"))
		return parse_num(label, key, val, false, &m->vm.load, err, errlen);
	if (!strcmp(key, "strict-mmio")) {
		if (strcmp(val, "0") && strcmp(val, "1")) {
			seterr(err, errlen, "module '%s': strict-mmio=%s: want 0 or 1", label, val);
			return -1;
		}
		m->vm.strict_mmio = val[0] == '1';
		return 0;
	}
	if (!strcmp(key, "on-reset")) {
		if (strcmp(val, "restart") && strcmp(val, "stop")) {
			seterr(err, errlen, "module '%s': on-reset=%s: want restart or stop", label,
			       val);
			return -1;
		}
		m->vm.reset_stops = !strcmp(val, "stop");
		return 0;
	}
	/* apply_key is only called for keys in mod_keys[]: this is entry=. */
	return parse_num(label, key, val, false, &m->vm.entry, err, errlen);
}

/* Keys each type accepts; checked once the whole string is read, because
 * type= may come after the keys it governs. */
static int check_keys(const struct mod_spec *m, const char *label,
		      unsigned seen, char *err, size_t errlen)
{
	unsigned allowed;
	const char *tname;
	size_t i;

	switch (m->vm.type) {
	case VM_IMAGE_MODULE:
		allowed = SEEN_NAME | SEEN_TYPE | SEEN_CMDLINE | SEEN_VM;
		tname = "module";
		break;
	case VM_IMAGE_RAW:
		allowed = ~(unsigned)SEEN_VM;
		tname = "raw";
		break;
	default:
		allowed = ~(unsigned)(SEEN_VM | SEEN_LOAD | SEEN_ENTRY);
		tname = m->vm.type == VM_IMAGE_LINUX ? "linux" : "multiboot";
		break;
	}
	for (i = 0; i < ARRAY_SIZE(mod_keys); i++) {
		if ((seen & mod_keys[i].bit) && !(allowed & mod_keys[i].bit)) {
			seterr(err, errlen, "module '%s': key '%s' does not "
			       "apply to type=%s", label, mod_keys[i].key, tname);
			return -1;
		}
	}
	if (m->vm.type == VM_IMAGE_MODULE && !(seen & SEEN_VM)) {
		seterr(err, errlen, "module '%s': type=module needs vm=NAME "
		       "(the VM receiving it)", label);
		return -1;
	}
	return 0;
}

/* Defaults and cross-key checks once every key is known. */
static int finish(struct mod_spec *m, const char *label, unsigned seen,
		  char *err, size_t errlen)
{
	struct vm_config *vm = &m->vm;

	if (check_keys(m, label, seen, err, errlen) < 0)
		return -1;
	if (!vm->name[0]) {
		name_from_path(vm->path, vm->name);
		/* An extra module needs no name: it is found by vm=. */
		if (!vm->name[0] && vm->type != VM_IMAGE_MODULE) {
			seterr(err, errlen, "module '%s': no name= and no "
			       "path to take a name from", label);
			return -1;
		}
	}
	if (vm->type == VM_IMAGE_MODULE) {
		m->kind = MOD_EXTRA;
		/* Without cmdline=, the guest sees the path as GRUB would
		 * have passed it. */
		if (seen & SEEN_CMDLINE)
			copy_str(m->string, VM_CMDLINE_MAX, vm->cmdline);
		else
			copy_str(m->string, VM_CMDLINE_MAX,
				 vm->path[0] ? vm->path : vm->name);
		vm->cmdline[0] = '\0';
		return 0;
	}
	m->kind = MOD_VM;
	if (!(seen & SEEN_MEM))
		vm->mem = VM_MEM_DEFAULT;
	if (!(seen & SEEN_CPUS))
		vm->cpus = 1;
	if (vm->type != VM_IMAGE_RAW)
		return 0;
	if (!(seen & SEEN_LOAD))
		vm->load = VM_RAW_LOAD_DEFAULT;
	if (!(seen & SEEN_ENTRY))
		vm->entry = vm->load;
	/* Real mode reaches CS:IP = (entry >> 4):(entry & 0xF), and the code
	 * must be in low RAM, below the 0xA0000 legacy hole. */
	if (vm->entry >= 0xA0000) {
		seterr(err, errlen, "module '%s': entry=0x%llx is not below "
		       "0xA0000 (raw images start in real mode)", label,
		       (unsigned long long)vm->entry);
		return -1;
	}
	if (vm->load >= vm->mem) {
		seterr(err, errlen, "module '%s': load=0x%llx is beyond "
		       "mem=0x%llx", label, (unsigned long long)vm->load,
		       (unsigned long long)vm->mem);
		return -1;
	}
	return 0;
}

static int lookup_key(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mod_keys); i++)
		if (!strcmp(key, mod_keys[i].key))
			return (int)i;
	return -1;
}

/* Error messages quote the offending word, which can hold any byte a
 * quoted argument can (a newline, an escape sequence): those show as '?',
 * so that the message stays the one line its callers print. */
static int one_line(int rc, char *err, size_t errlen)
{
	size_t i;

	if (rc != 0 && err)
		for (i = 0; i < errlen && err[i]; i++)
			if ((unsigned char)err[i] < 0x20 || err[i] == 0x7f)
				err[i] = '?';
	return rc;
}

static int modspec_parse_words(const char *s, struct mod_spec *out, char *err,
			       size_t errlen)
{
	char label[VM_NAME_MAX], word[WORD_MAX], *key, *val;
	const char *cur = s ? s : "";
	unsigned seen = 0;
	bool first = true;
	int rc, k;

	memset(out, 0, sizeof(*out));
	find_label(cur, label);
	while ((rc = cmdline_next(&cur, word, sizeof(word))) > 0) {
		if (!cmdline_split_kv(word, &key, &val)) {
			if (!first) {
				seterr(err, errlen, "module '%s': '%s' is not "
				       "key=value", label, word);
				return -1;
			}
			if (!copy_str(out->path, VM_PATH_MAX, word)) {
				seterr(err, errlen, "module '%s': path is "
				       "longer than %d characters", label,
				       VM_PATH_MAX - 1);
				return -1;
			}
			first = false;
			continue;
		}
		first = false;
		k = lookup_key(key);
		if (k < 0) {
			seterr(err, errlen, "module '%s': unknown key '%s'",
			       label, key);
			return -1;
		}
		if (seen & mod_keys[k].bit) {
			seterr(err, errlen, "module '%s': key '%s' given twice",
			       label, key);
			return -1;
		}
		seen |= mod_keys[k].bit;
		if (apply_key(out, label, key, val, err, errlen) < 0)
			return -1;
	}
	if (rc < 0) {
		seterr(err, errlen, "module '%s': %s", label,
		       rc == CMDLINE_ETOOLONG ? "word too long" :
		       cmdline_strerror(rc));
		return -1;
	}
	copy_str(out->vm.path, VM_PATH_MAX, out->path);
	return finish(out, label, seen, err, errlen);
}

/* ---- hypervisor command line ---- */

static int parse_loglevel(const char *val, int *out)
{
	static const struct { const char *name; int level; } names[] = {
		{ "error", 3 }, { "warn", 4 }, { "info", 6 }, { "debug", 7 },
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(val, names[i].name)) {
			*out = names[i].level;
			return 0;
		}
	}
	if (parse_u64(val, strlen(val), false, &v) < 0 || v > 7)
		return -1;
	*out = (int)v;
	return 0;
}

static int hvopt_apply(struct hv_options *o, const char *key, const char *val,
		       char *err, size_t errlen)
{
	uint64_t v;

	if (!strcmp(key, "loglevel")) {
		if (parse_loglevel(val, &o->loglevel) < 0) {
			seterr(err, errlen, "loglevel=%s: want error, warn, "
			       "info, debug or 0-7", val);
			return -1;
		}
	} else if (!strcmp(key, "stats")) {
		if (strcmp(val, "0") && strcmp(val, "1")) {
			seterr(err, errlen, "stats=%s: want 0 or 1", val);
			return -1;
		}
		o->stats = val[0] == '1';
	} else if (!strcmp(key, "quantum_ms")) {
		if (parse_u64(val, strlen(val), false, &v) < 0 ||
		    v < 1 || v > 1000) {
			seterr(err, errlen, "quantum_ms=%s: want 1-1000", val);
			return -1;
		}
		o->quantum_ms = (unsigned)v;
	} else if (!strcmp(key, "apicv")) {
		if (strcmp(val, "0") && strcmp(val, "1")) {
			seterr(err, errlen, "apicv=%s: want 0 or 1", val);
			return -1;
		}
		o->apicv = val[0] == '1';
	} else if (!strcmp(key, "kalloc_fail")) {
		if (parse_u64(val, strlen(val), false, &v) < 0 || v < 1 || v > UINT32_MAX) {
			seterr(err, errlen, "kalloc_fail=%s: want 1-4294967295", val);
			return -1;
		}
		o->kalloc_fail = (uint32_t)v;
	} else {
		return 1;
	}
	return 0;
}

int modspec_parse(const char *s, struct mod_spec *out, char *err, size_t errlen)
{
	return one_line(modspec_parse_words(s, out, err, errlen), err, errlen);
}

static int hvopts_parse_words(const char *s, struct hv_options *out, char *err,
			      size_t errlen)
{
	char word[WORD_MAX], *key, *val;
	const char *cur = s ? s : "";
	bool first = true;
	int rc, ret = 0;

	out->loglevel = HV_LOGLEVEL_DEFAULT;
	out->stats = false;
	out->quantum_ms = HV_QUANTUM_DEFAULT;
	out->apicv = true;
	out->kalloc_fail = 0;
	while ((rc = cmdline_next(&cur, word, sizeof(word))) > 0) {
		bool kv = cmdline_split_kv(word, &key, &val);

		/* GRUB's multiboot2 passes the kernel path as the first word. */
		if (!kv && first) {
			first = false;
			continue;
		}
		first = false;
		rc = kv ? hvopt_apply(out, key, val, err, errlen) : 1;
		if (rc < 0)
			return -1;
		if (rc > 0 && ret == 0) {
			seterr(err, errlen, "unknown option '%s' ignored", key);
			ret = 1;
		}
	}
	if (rc < 0) {
		seterr(err, errlen, "hypervisor command line: %s",
		       cmdline_strerror(rc));
		return -1;
	}
	return ret;
}

int hvopts_parse(const char *s, struct hv_options *out, char *err, size_t errlen)
{
	return one_line(hvopts_parse_words(s, out, err, errlen), err, errlen);
}
