/* UNIT-DEPS: core/vmconfig.c lib/cmdline.c lib/parse.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "core/vmconfig.h"

static struct mod_spec m;
static char err[160];

static int parse(const char *s)
{
	err[0] = '\0';
	return modspec_parse(s, &m, err, sizeof(err));
}

static void expect_err(const char *s, const char *msg)
{
	assert_int_equal(parse(s), -1);
	assert_string_equal(err, msg);
}

static void test_vm_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse("/boot/web-1.elf"), 0);
	assert_int_equal(m.kind, MOD_VM);
	assert_string_equal(m.vm.name, "web-1");
	assert_string_equal(m.path, "/boot/web-1.elf");
	assert_string_equal(m.vm.path, "/boot/web-1.elf");
	assert_int_equal(m.vm.type, VM_IMAGE_MULTIBOOT);
	assert_int_equal(m.vm.mem, 32ull << 20);
	assert_int_equal(m.vm.cpus, 1);
	assert_string_equal(m.vm.cmdline, "");
	assert_int_equal(m.vm.load, 0);
	/* Characters not allowed in names become '_'. */
	assert_int_equal(parse("/x/my guest+1.bin"), -1);	/* two words */
	assert_int_equal(parse("\"/x/my guest+1.bin\""), 0);
	assert_string_equal(m.vm.name, "my_guest_1");
}

static void test_vm_full(void **state)
{
	(void)state;
	assert_int_equal(parse("/boot/g.elf name=web mem=64M cpus=2 "
			       "cmdline=\"console=ttyS0 quiet\""), 0);
	assert_string_equal(m.vm.name, "web");
	assert_int_equal(m.vm.mem, 64ull << 20);
	assert_int_equal(m.vm.cpus, 2);
	assert_string_equal(m.vm.cmdline, "console=ttyS0 quiet");
	/* GRUB's re-quoted form of the same thing, no path. */
	assert_int_equal(parse("name=web \"cmdline=console=ttyS0 quiet\" "
			       "mem=0x4000000 type=multiboot"), 0);
	assert_string_equal(m.vm.cmdline, "console=ttyS0 quiet");
	assert_int_equal(m.vm.mem, 64ull << 20);
	assert_string_equal(m.path, "");
	assert_int_equal(parse("name=a mem=2M cpus=8"), 0);
	assert_int_equal(parse("name=a mem=3G"), 0);
	assert_int_equal(m.vm.mem, 3ull << 30);
}

static void test_raw(void **state)
{
	(void)state;
	assert_int_equal(parse("/boot/boot.bin type=raw mem=4M"), 0);
	assert_int_equal(m.vm.type, VM_IMAGE_RAW);
	assert_int_equal(m.vm.load, 0x7c00);
	assert_int_equal(m.vm.entry, 0x7c00);
	assert_string_equal(m.vm.name, "boot");
	assert_int_equal(parse("name=r type=raw load=0x1000 entry=0x1100"), 0);
	assert_int_equal(m.vm.load, 0x1000);
	assert_int_equal(m.vm.entry, 0x1100);
	assert_int_equal(parse("load=0x8000 type=raw name=r"), 0);
	assert_int_equal(m.vm.entry, 0x8000);
	expect_err("name=r type=raw entry=0xA0000",
		   "module 'r': entry=0xa0000 is not below 0xA0000 (raw "
		   "images start in real mode)");
	expect_err("name=r type=raw mem=2M load=0x200000 entry=0x7c00",
		   "module 'r': load=0x200000 is beyond mem=0x200000");
}

static void test_module(void **state)
{
	(void)state;
	assert_int_equal(parse("/boot/initrd.img type=module vm=web"), 0);
	assert_int_equal(m.kind, MOD_EXTRA);
	assert_string_equal(m.for_vm, "web");
	assert_string_equal(m.string, "/boot/initrd.img");
	assert_string_equal(m.vm.name, "initrd");
	assert_int_equal(parse("/boot/initrd.img type=module vm=web "
			       "\"cmdline=initrd root=x\""), 0);
	assert_string_equal(m.string, "initrd root=x");
	assert_string_equal(m.path, "/boot/initrd.img");
	expect_err("/boot/initrd.img type=module",
		   "module 'initrd': type=module needs vm=NAME (the VM "
		   "receiving it)");
	expect_err("/boot/i.img mem=4M type=module vm=web",
		   "module 'i': key 'mem' does not apply to type=module");
	expect_err("/boot/i.img type=module vm=web cpus=2",
		   "module 'i': key 'cpus' does not apply to type=module");
	expect_err("/boot/i.img type=module vm=w!b",
		   "module 'i': bad vm 'w!b' (1-31 chars of A-Z a-z 0-9 _ -)");
}

static void test_errors(void **state)
{
	(void)state;
	expect_err("/boot/foo.elf memory=64M",
		   "module 'foo': unknown key 'memory'");
	/* The label comes from name= even when the error precedes it. */
	expect_err("/boot/foo.elf memory=64M name=bar",
		   "module 'bar': unknown key 'memory'");
	expect_err("name=web vm=db", "module 'web': key 'vm' does not apply "
		   "to type=multiboot");
	expect_err("name=web load=0x1000", "module 'web': key 'load' does "
		   "not apply to type=multiboot");
	expect_err("name=web mem=64Q", "module 'web': bad number '64Q' for "
		   "mem= (e.g. 64M, 0x4000000)");
	expect_err("name=web mem=1M", "module 'web': mem=1M out of range "
		   "(2M-3G)");
	expect_err("name=web mem=4G", "module 'web': mem=4G out of range "
		   "(2M-3G)");
	expect_err("name=web mem=2097153", "module 'web': mem=2097153 is not "
		   "a multiple of 4K");
	expect_err("name=web cpus=0", "module 'web': cpus=0 out of range "
		   "(1-8)");
	expect_err("name=web cpus=9", "module 'web': cpus=9 out of range "
		   "(1-8)");
	expect_err("name=web cpus=two", "module 'web': bad number 'two' for "
		   "cpus=");
	expect_err("name=web type=elf", "module 'web': unknown type 'elf' "
		   "(want multiboot, linux, raw or module)");
	expect_err("name=web mem=4M mem=8M", "module 'web': key 'mem' given "
		   "twice");
	expect_err("/boot/a.elf quiet", "module 'a': 'quiet' is not "
		   "key=value");
	expect_err("name=web cmdline=\"oops", "module 'web': unterminated "
		   "quote");
	expect_err("name=", "module '?': bad name '' (1-31 chars of A-Z a-z "
		   "0-9 _ -)");
	expect_err("name=abcdefghijabcdefghijabcdefghij12",
		   "module '?': bad name 'abcdefghijabcdefghijabcdefghij12' "
		   "(1-31 chars of A-Z a-z 0-9 _ -)");
	expect_err("mem=4M", "module '?': no name= and no path to take a "
		   "name from");
	expect_err("", "module '?': no name= and no path to take a name from");
}

static void test_strict_mmio(void **state)
{
	(void)state;
	assert_int_equal(parse("/k.elf name=a"), 0);
	assert_false(m.vm.strict_mmio);
	assert_int_equal(parse("/k.elf name=a strict-mmio=1"), 0);
	assert_true(m.vm.strict_mmio);
	assert_int_equal(parse("/k.elf name=a type=raw strict-mmio=0"), 0);
	assert_false(m.vm.strict_mmio);
	expect_err("name=a strict-mmio=on", "module 'a': strict-mmio=on: want 0 or 1");
	expect_err("/m type=module vm=a strict-mmio=1",
		   "module 'm': key 'strict-mmio' does not apply to type=module");
	assert_int_equal(parse("/k.elf name=a on-reset=stop"), 0);
	assert_true(m.vm.reset_stops);
	assert_int_equal(parse("/k.elf name=a on-reset=restart"), 0);
	assert_false(m.vm.reset_stops);
	expect_err("name=a on-reset=reboot", "module 'a': on-reset=reboot: want restart or stop");
}

static void test_long_values(void **state)
{
	static char s[VM_CMDLINE_MAX + 64];

	(void)state;
	/* 4 KiB command lines (the 451-character string of a real guest
	 * was refused when the limit was 255). */
	strcpy(s, "name=a cmdline=");
	memset(s + strlen(s), 'x', VM_CMDLINE_MAX - 1);
	s[15 + VM_CMDLINE_MAX - 1] = '\0';
	assert_int_equal(parse(s), 0);
	assert_int_equal(strlen(m.vm.cmdline), 4096);
	strcat(s, "y");
	expect_err(s, "module 'a': cmdline is 4097 characters, max 4096");
	s[0] = '/';
	memset(s + 1, 'p', 130);
	s[131] = '\0';
	assert_int_equal(parse(s), -1);
	assert_non_null(strstr(err, "path is longer than 127"));
}

/* Every limit a module string can break, at and past its edge (issue 9:
 * 0 bytes, 2^40, counts that wrap a 32-bit unsigned). */
static void test_limits(void **state)
{
	(void)state;
	expect_err("name=z mem=0", "module 'z': mem=0 out of range (2M-3G)");
	expect_err("name=z mem=0M", "module 'z': mem=0M out of range (2M-3G)");
	expect_err("name=z mem=1099511627776", "module 'z': mem=1099511627776 out of range (2M-3G)");
	expect_err("name=z mem=1048576G", "module 'z': mem=1048576G out of range (2M-3G)");
	expect_err("name=z mem=3221229568", "module 'z': mem=3221229568 out of range (2M-3G)");
	assert_int_equal(parse("name=z mem=3221225472"), 0);
	assert_int_equal(m.vm.mem, 3221225472ULL);
	assert_int_equal(parse("name=z mem=2097152"), 0);
	expect_err("name=z mem=2093056", "module 'z': mem=2093056 out of range (2M-3G)");
	/* 2^64 + 2M wraps to 2M if the parser does not catch the overflow. */
	expect_err("name=z mem=18446744073711648768",
		   "module 'z': bad number '18446744073711648768' for mem= (e.g. 64M, 0x4000000)");
	expect_err("name=z mem=17179869184G",
		   "module 'z': bad number '17179869184G' for mem= (e.g. 64M, 0x4000000)");
	/* 2^32 + 1 would be 1 vCPU in an unsigned. */
	expect_err("name=z cpus=4294967297", "module 'z': cpus=4294967297 out of range (1-8)");
	expect_err("name=z cpus=18446744073709551617",
		   "module 'z': bad number '18446744073709551617' for cpus=");
	assert_int_equal(parse("name=z cpus=8"), 0);
	assert_int_equal(m.vm.cpus, 8);
}

static void test_mod_range_overlap(void **state)
{
	struct mod_range r[] = {
		{ 0x1000, 0x2000 }, { 0x2000, 0x3000 }, { 0x2fff, 0x4000 },
		{ 0x5000, 0x5000 }, { 0x4800, 0x6000 }, { 0x7000, 0x9000 }, { 0x7000, 0x9000 },
	};

	(void)state;
	assert_int_equal(mod_range_overlap(r, 7, 0), -1);	/* touching is not sharing */
	assert_int_equal(mod_range_overlap(r, 7, 1), 2);	/* one byte, 0x2fff */
	assert_int_equal(mod_range_overlap(r, 7, 2), 1);
	assert_int_equal(mod_range_overlap(r, 7, 3), -1);	/* empty, inside module 4 */
	assert_int_equal(mod_range_overlap(r, 7, 4), -1);
	assert_int_equal(mod_range_overlap(r, 7, 5), 6);	/* the same bytes twice */
	assert_int_equal(mod_range_overlap(r, 7, 6), 5);
	assert_int_equal(mod_range_overlap(r, 1, 0), -1);
}

static void test_hvopts(void **state)
{
	struct hv_options o;

	(void)state;
	assert_int_equal(hvopts_parse("", &o, err, sizeof(err)), 0);
	assert_int_equal(o.loglevel, 6);
	assert_false(o.stats);
	assert_int_equal(o.quantum_ms, 10);
	assert_true(o.apicv);
	assert_int_equal(hvopts_parse(NULL, &o, err, sizeof(err)), 0);
	assert_int_equal(hvopts_parse("/k apicv=0", &o, err, sizeof(err)), 0);
	assert_false(o.apicv);
	assert_int_equal(hvopts_parse("/k apicv=1", &o, err, sizeof(err)), 0);
	assert_true(o.apicv);
	assert_int_equal(hvopts_parse("apicv=on", &o, err, sizeof(err)), -1);
	assert_string_equal(err, "apicv=on: want 0 or 1");
	assert_int_equal(hvopts_parse("/boot/vireo.elf loglevel=debug stats=1 "
				      "quantum_ms=5", &o, err, sizeof(err)), 0);
	assert_int_equal(o.loglevel, 7);
	assert_true(o.stats);
	assert_int_equal(o.quantum_ms, 5);
	assert_int_equal(hvopts_parse("loglevel=3", &o, err, sizeof(err)), 0);
	assert_int_equal(o.loglevel, 3);
	assert_int_equal(hvopts_parse("loglevel=warn", &o, err, sizeof(err)), 0);
	assert_int_equal(o.loglevel, 4);
	assert_int_equal(hvopts_parse("loglevel=error", &o, err, sizeof(err)), 0);
	assert_int_equal(o.loglevel, 3);
	/* Unknown keys: warning, parsing goes on. */
	assert_int_equal(hvopts_parse("/k foo=1 quiet stats=1", &o, err,
				      sizeof(err)), 1);
	assert_string_equal(err, "unknown option 'foo' ignored");
	assert_true(o.stats);
	assert_int_equal(hvopts_parse("/k stats=1 quiet", &o, err,
				      sizeof(err)), 1);
	assert_string_equal(err, "unknown option 'quiet' ignored");
	/* Bad values: hard errors, defaults kept for the rest. */
	assert_int_equal(hvopts_parse("loglevel=8", &o, err, sizeof(err)), -1);
	assert_string_equal(err, "loglevel=8: want error, warn, info, debug "
			    "or 0-7");
	assert_int_equal(o.loglevel, 6);
	assert_int_equal(hvopts_parse("quantum_ms=0", &o, err, sizeof(err)), -1);
	assert_string_equal(err, "quantum_ms=0: want 1-1000");
	assert_int_equal(hvopts_parse("quantum_ms=1001", &o, err, sizeof(err)), -1);
	assert_int_equal(hvopts_parse("quantum_ms=1000", &o, err, sizeof(err)), 0);
	assert_int_equal(o.quantum_ms, 1000);
	assert_int_equal(hvopts_parse("stats=yes", &o, err, sizeof(err)), -1);
	assert_string_equal(err, "stats=yes: want 0 or 1");
	assert_int_equal(hvopts_parse("loglevel=\"info", &o, err, sizeof(err)), -1);
	assert_string_equal(err, "hypervisor command line: unterminated quote");
	/* The testing hook that makes one host allocation fail. */
	assert_int_equal(hvopts_parse("/k", &o, err, sizeof(err)), 0);
	assert_int_equal(o.kalloc_fail, 0);
	assert_int_equal(hvopts_parse("/k kalloc_fail=37", &o, err, sizeof(err)), 0);
	assert_int_equal(o.kalloc_fail, 37);
	assert_int_equal(hvopts_parse("/k kalloc_fail=4294967295", &o, err, sizeof(err)), 0);
	assert_int_equal(o.kalloc_fail, 4294967295u);
	assert_int_equal(hvopts_parse("/k kalloc_fail=0", &o, err, sizeof(err)), -1);
	assert_string_equal(err, "kalloc_fail=0: want 1-4294967295");
	assert_int_equal(hvopts_parse("/k kalloc_fail=4294967296", &o, err, sizeof(err)), -1);
	assert_string_equal(err, "kalloc_fail=4294967296: want 1-4294967295");
	assert_int_equal(hvopts_parse("/k kalloc_fail=x", &o, err, sizeof(err)), -1);
}

/* A quoted word may hold a newline or an escape sequence; the error that
 * quotes it is still one line (found by tests/fuzz/fuzz_vmconfig.c). */
static void test_err_one_line(void **state)
{
	struct hv_options o;

	(void)state;
	expect_err("/g.elf \"a\nb=1\"", "module 'g': unknown key 'a?b'");
	expect_err("/g.elf name=\"x\ry\"",
		   "module 'g': bad name 'x?y' (1-31 chars of A-Z a-z 0-9 _ -)");
	assert_int_equal(hvopts_parse("/k \"q\x1b[2J=1\"", &o, err, sizeof(err)), 1);
	assert_string_equal(err, "unknown option 'q?[2J' ignored");
	assert_int_equal(hvopts_parse("/k stats=\"\t\"", &o, err, sizeof(err)), -1);
	assert_string_equal(err, "stats=?: want 0 or 1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vm_defaults),
		cmocka_unit_test(test_vm_full),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_mod_range_overlap),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_module),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_strict_mmio),
		cmocka_unit_test(test_long_values),
		cmocka_unit_test(test_hvopts),
		cmocka_unit_test(test_err_one_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
