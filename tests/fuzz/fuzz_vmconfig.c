/* The VM config parser (GRUB module strings) and the hypervisor options.
 * Checks, on arbitrary text and an exact-size error buffer: a result is 0
 * or -1 (hvopts: 0, 1 or -1); an error message is set, NUL-terminated
 * within the buffer and one line; an accepted VM has a valid name, mem a
 * multiple of 4 KiB in 2M-3G, 1-8 CPUs, a known type, terminated strings
 * and, for a raw image, load below mem and entry below 0xA0000; options
 * always hold in-range values. And a VM description generated here from
 * random values, written as GRUB would pass it, parses back to the same
 * values.
 * FUZZ-DEPS: core/vmconfig.c lib/cmdline.c lib/parse.c */
#include "tests/fuzz/fuzz.h"
#include "core/vmconfig.h"

static struct mod_spec spec;

static void check_err(const char *err, size_t errlen, bool failed)
{
	if (errlen == 0)
		return;
	FUZZ_CHECK(memchr(err, 0, errlen) != NULL, "err not terminated");
	FUZZ_CHECK(!failed || errlen == 1 || err[0] != '\0', "failed without a message");
	FUZZ_CHECK(!strchr(err, '\n') && !strchr(err, '\r'), "err not one line: %s", err);
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, 0, size) != NULL;
}

static void check_spec(const struct mod_spec *m)
{
	const struct vm_config *vm = &m->vm;

	FUZZ_CHECK(terminated(vm->name, sizeof(vm->name)) && terminated(vm->cmdline, sizeof(vm->cmdline)) &&
		   terminated(vm->path, sizeof(vm->path)) && terminated(m->for_vm, sizeof(m->for_vm)) &&
		   terminated(m->string, sizeof(m->string)) && terminated(m->path, sizeof(m->path)),
		   "unterminated string");
	if (m->kind == MOD_EXTRA) {
		FUZZ_CHECK(vm->type == VM_IMAGE_MODULE && vm_name_valid(m->for_vm), "extra module");
		return;
	}
	FUZZ_CHECK(m->kind == MOD_VM && vm->type != VM_IMAGE_MODULE, "kind");
	FUZZ_CHECK(vm->type <= VM_IMAGE_LINUX, "type %d", vm->type);
	FUZZ_CHECK(vm_name_valid(vm->name), "name '%s'", vm->name);
	FUZZ_CHECK(vm->mem >= VM_MEM_MIN && vm->mem <= VM_MEM_MAX && !(vm->mem & 0xfff),
		   "mem %#llx", (unsigned long long)vm->mem);
	FUZZ_CHECK(vm->cpus >= 1 && vm->cpus <= VM_CPUS_MAX, "cpus %u", vm->cpus);
	if (vm->type == VM_IMAGE_RAW)
		FUZZ_CHECK(vm->load < vm->mem && vm->entry < 0xA0000, "raw load/entry");
	else
		FUZZ_CHECK(vm->load == 0 && vm->entry == 0, "load/entry outside raw");
}

static void parse_text(const char *text, size_t errlen)
{
	char *err = malloc(errlen ? errlen : 1);
	struct hv_options o;
	int rc;

	if (!err)
		abort();
	memset(err, 0, errlen);
	rc = modspec_parse(text, &spec, errlen ? err : NULL, errlen);
	FUZZ_CHECK(rc == 0 || rc == -1, "modspec rc %d", rc);
	check_err(err, errlen, rc < 0);
	if (rc == 0)
		check_spec(&spec);
	memset(err, 0, errlen);
	rc = hvopts_parse(text, &o, errlen ? err : NULL, errlen);
	FUZZ_CHECK(rc >= -1 && rc <= 1, "hvopts rc %d", rc);
	check_err(err, errlen, rc != 0);
	FUZZ_CHECK(o.loglevel >= 0 && o.loglevel <= 7 && o.quantum_ms >= 1 &&
		   o.quantum_ms <= 1000, "options out of range");
	free(err);
}

/* A GRUB-quoted argument (see lib/cmdline.h) appended to out. */
static void put_arg(char *out, const char *key, const char *val)
{
	char *p = out + strlen(out);
	bool q = false;

	for (const char *c = val; *c; c++)
		q = q || *c == ' ' || *c == '\t';
	if (*out)
		*p++ = ' ';
	if (q)
		*p++ = '"';
	p += sprintf(p, "%s=", key);
	for (const char *c = val; *c; c++) {
		if (*c == '\\' || *c == '\'' || *c == '"')
			*p++ = '\\';
		*p++ = *c;
	}
	if (q)
		*p++ = '"';
	*p = '\0';
}

static void round_trip(struct fuzz_in *in)
{
	static const char nch[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
	static const char *const types[] = { "multiboot", "raw", "linux" };
	static char line[2 * VM_CMDLINE_MAX + 512];
	char name[VM_NAME_MAX], cmd[300], memstr[40], err[200];
	unsigned nlen = 1 + fuzz_range(in, VM_NAME_MAX - 1), clen = fuzz_range(in, sizeof(cmd));
	unsigned type = fuzz_range(in, 3), cpus = 1 + fuzz_range(in, VM_CPUS_MAX);
	uint64_t mem = VM_MEM_MIN + (uint64_t)fuzz_range(in, (VM_MEM_MAX - VM_MEM_MIN) / 4096 + 1) * 4096;
	uint64_t load = fuzz_range(in, 0xA0000);
	unsigned i;

	for (i = 0; i < nlen; i++)
		name[i] = nch[fuzz_u8(in) % (sizeof(nch) - 1)];
	name[i] = '\0';
	for (i = 0; i < clen; i++)
		cmd[i] = (char)(fuzz_u8(in) % 95 + 32);	/* printable ASCII */
	cmd[i] = '\0';
	switch (fuzz_u8(in) % 3) {	/* the same size written three ways */
	case 0: sprintf(memstr, "%llu", (unsigned long long)mem); break;
	case 1: sprintf(memstr, "0x%llx", (unsigned long long)mem); break;
	default: sprintf(memstr, (mem & 0xfffff) ? "%lluK" : "%lluM",
			 (unsigned long long)((mem & 0xfffff) ? mem >> 10 : mem >> 20)); break;
	}
	strcpy(line, "/boot/guest.elf");
	put_arg(line, "name", name);
	put_arg(line, "type", types[type]);
	put_arg(line, "mem", memstr);
	put_arg(line, "cpus", (char[4]){ (char)('0' + cpus), 0 });
	put_arg(line, "cmdline", cmd);
	if (type == 1) {
		char l[24];

		sprintf(l, "%#llx", (unsigned long long)load);
		put_arg(line, "load", load ? l : "0");
	}
	int rc = modspec_parse(line, &spec, err, sizeof(err));
	const struct vm_config *vm = &spec.vm;

	if (type == 1 && load >= mem) {
		FUZZ_CHECK(rc == -1, "load beyond mem accepted");
		return;
	}
	FUZZ_CHECK(rc == 0, "'%s' refused: %s", line, err);
	FUZZ_CHECK(spec.kind == MOD_VM && strcmp(vm->name, name) == 0 &&
		   strcmp(vm->cmdline, cmd) == 0 && vm->mem == mem && vm->cpus == cpus &&
		   strcmp(vm->path, "/boot/guest.elf") == 0 &&
		   (type != 1 || (vm->load == load && vm->entry == load)),
		   "'%s' parsed to name '%s' mem %#llx cpus %u cmdline '%s'", line, vm->name,
		   (unsigned long long)vm->mem, vm->cpus, vm->cmdline);
	FUZZ_CHECK(vm->type == (type == 0 ? VM_IMAGE_MULTIBOOT : type == 1 ? VM_IMAGE_RAW :
				VM_IMAGE_LINUX), "type");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	uint8_t what = fuzz_u8(&in);
	size_t n, errlen = fuzz_u8(&in);
	const uint8_t *b;
	char *text;

	if (what == 'R') {
		round_trip(&in);
		return 0;
	}
	b = fuzz_bytes(&in, 3 * VM_CMDLINE_MAX, &n);
	text = malloc(n + 1);
	if (!text)
		abort();
	memcpy(text, b, n);
	text[n] = '\0';
	parse_text(text, errlen);
	free(text);
	return 0;
}
