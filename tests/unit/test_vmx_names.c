/* UNIT-DEPS: arch/x86/vmx/vmx_names.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/libc.h"
#include "arch/x86/vmx/vmx_names.h"
#include "arch/x86/vmx/vmcs_fields.h"

static void test_exit_reason_spot(void **state)
{
	(void)state;
	assert_string_equal(vmx_exit_reason_name(EXIT_REASON_CPUID), "CPUID");
	assert_string_equal(vmx_exit_reason_name(48), "EPT violation");
	assert_string_equal(vmx_exit_reason_name(49), "EPT misconfiguration");
	assert_string_equal(vmx_exit_reason_name(0), "exception or NMI");
	assert_string_equal(vmx_exit_reason_name(30), "I/O instruction");
	assert_string_equal(vmx_exit_reason_name(33), "VM-entry failure due to invalid guest state");
	assert_string_equal(vmx_exit_reason_name(52), "VMX-preemption timer expired");
	assert_string_equal(vmx_exit_reason_name(69), "LOADIWKEY");
	assert_string_equal(vmx_exit_reason_name(70), "unknown");
	assert_string_equal(vmx_exit_reason_name(0xffffffffu), "unknown");
}

static void test_exit_reason_all(void **state)
{
	(void)state;
	for (uint32_t r = 0; r <= 69; r++) {
		const char *n = vmx_exit_reason_name(r);

		assert_non_null(n);
		assert_string_not_equal(n, "unknown");
		if (r == 35 || r == 38 || r == 42)
			assert_string_equal(n, "reserved");
		else
			assert_string_not_equal(n, "reserved");
	}
}

static void test_insn_errors(void **state)
{
	(void)state;
	assert_string_equal(vmx_insn_error_name(7), "VM entry with invalid control field(s)");
	assert_string_equal(vmx_insn_error_name(8), "VM entry with invalid host-state field(s)");
	assert_string_equal(vmx_insn_error_name(12),
			    "VMREAD/VMWRITE from/to unsupported VMCS component");
	assert_string_equal(vmx_insn_error_name(28), "invalid operand to INVEPT/INVVPID");
	assert_string_equal(vmx_insn_error_name(0), "unknown");
	assert_string_equal(vmx_insn_error_name(14), "unknown");
	assert_string_equal(vmx_insn_error_name(29), "unknown");
	for (uint32_t e = 1; e <= 28; e++)
		if (e != 14 && e != 21 && e != 27)
			assert_string_not_equal(vmx_insn_error_name(e), "unknown");
}

static void test_ept_violation(void **state)
{
	char buf[160];
	int n;

	(void)state;
	n = vmx_describe_ept_violation(EPT_VIOL_WRITE | EPT_VIOL_READABLE | EPT_VIOL_EXECUTABLE |
				       EPT_VIOL_GLA_VALID | EPT_VIOL_GLA_TRANSLATED,
				       buf, sizeof(buf));
	assert_string_equal(buf, "write, page readable|not writable|executable, "
				 "linear address valid (access to translated address)");
	assert_int_equal(n, (int)strlen(buf));
	vmx_describe_ept_violation(EPT_VIOL_READ | EPT_VIOL_FETCH, buf, sizeof(buf));
	assert_string_equal(buf, "read|fetch, page not readable|not writable|not executable, "
				 "no linear address");
	vmx_describe_ept_violation(EPT_VIOL_READ | EPT_VIOL_GLA_VALID | EPT_VIOL_NMI_UNBLOCKING,
				   buf, sizeof(buf));
	assert_string_equal(buf, "read, page not readable|not writable|not executable, "
				 "linear address valid (access to paging-structure entry), "
				 "NMI unblocking due to IRET");
}

static void test_truncation(void **state)
{
	char buf[8];
	int n;

	(void)state;
	memset(buf, 'x', sizeof(buf));
	n = vmx_describe_ept_violation(EPT_VIOL_WRITE, buf, sizeof(buf));
	assert_string_equal(buf, "write, ");
	assert_true(n > 7);
	assert_int_equal(vmx_describe_io_qual(0, NULL, 0) > 0, 1);
	assert_int_equal(vmx_describe_io_qual(0, NULL, 4), -1);
}

static void test_io_qual(void **state)
{
	char buf[80];

	(void)state;
	vmx_describe_io_qual((0x3f8ull << 16) | EXIT_QUAL_IO_STRING | EXIT_QUAL_IO_REP, buf,
			     sizeof(buf));
	assert_string_equal(buf, "OUT port 0x3f8 size 1 string rep");
	vmx_describe_io_qual((0xcfcull << 16) | EXIT_QUAL_IO_IN | 3, buf, sizeof(buf));
	assert_string_equal(buf, "IN port 0xcfc size 4");
	vmx_describe_io_qual((0x80ull << 16) | EXIT_QUAL_IO_IMMEDIATE | 1, buf, sizeof(buf));
	assert_string_equal(buf, "OUT port 0x80 size 2 imm");
	assert_int_equal(EXIT_QUAL_IO_PORT((0x1f0ull << 16) | 8), 0x1f0);
	assert_int_equal(EXIT_QUAL_IO_BYTES(3), 4);
}

static void test_cr_qual(void **state)
{
	char buf[80];

	(void)state;
	vmx_describe_cr_qual(3 | (0 << 4) | (0 << 8), buf, sizeof(buf));
	assert_string_equal(buf, "mov to cr3 from rax");
	vmx_describe_cr_qual(8 | (1 << 4) | (3 << 8), buf, sizeof(buf));
	assert_string_equal(buf, "mov from cr8 to rbx");
	vmx_describe_cr_qual(0 | (0 << 4) | (15 << 8), buf, sizeof(buf));
	assert_string_equal(buf, "mov to cr0 from r15");
	vmx_describe_cr_qual(2 << 4, buf, sizeof(buf));
	assert_string_equal(buf, "clts");
	vmx_describe_cr_qual((3 << 4) | EXIT_QUAL_CR_LMSW_MEMORY | (0x1ull << 16), buf,
			     sizeof(buf));
	assert_string_equal(buf, "lmsw 0x1 from memory");
}

static void test_intr_info(void **state)
{
	char buf[96];

	(void)state;
	vmx_describe_intr_info(INTR_INFO_VALID | (INTR_TYPE_HW_EXCEPTION << 8) |
			       INTR_INFO_DELIVER_ERROR_CODE | 14, buf, sizeof(buf));
	assert_string_equal(buf, "hardware exception 14 (#PF), error code");
	vmx_describe_intr_info(INTR_INFO_VALID | (INTR_TYPE_EXT_INTR << 8) | 0x20, buf,
			       sizeof(buf));
	assert_string_equal(buf, "external interrupt 32");
	vmx_describe_intr_info(INTR_INFO_VALID | (INTR_TYPE_NMI << 8) | 2, buf, sizeof(buf));
	assert_string_equal(buf, "NMI 2");
	vmx_describe_intr_info(INTR_INFO_VALID | (INTR_TYPE_SW_EXCEPTION << 8) | 3, buf,
			       sizeof(buf));
	assert_string_equal(buf, "software exception 3 (#BP)");
	vmx_describe_intr_info(14, buf, sizeof(buf));
	assert_string_equal(buf, "not valid");
	assert_int_equal(INTR_INFO_TYPE(0x80000b0eu), INTR_TYPE_HW_EXCEPTION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_reason_spot),
		cmocka_unit_test(test_exit_reason_all),
		cmocka_unit_test(test_insn_errors),
		cmocka_unit_test(test_ept_violation),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_io_qual),
		cmocka_unit_test(test_cr_qual),
		cmocka_unit_test(test_intr_info),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
