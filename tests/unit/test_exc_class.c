/* UNIT-DEPS: arch/x86/vmx/exc_class.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "arch/x86/vmx/exc_class.h"

/* SDM Vol. 3A Table 6-5, row by row. */
static void test_combine(void **state)
{
	static const uint8_t contributory[] = { 0, 10, 11, 12, 13 };
	static const uint8_t benign[] = { 1, 2, 3, 4, 5, 6, 7, 9, 16, 17, 18, 19 };

	(void)state;
	for (unsigned i = 0; i < sizeof(contributory); i++) {
		for (unsigned j = 0; j < sizeof(contributory); j++)
			assert_int_equal(x86_exc_combine(contributory[i], contributory[j]),
					 EXC_DOUBLE_FAULT);
		assert_int_equal(x86_exc_combine(contributory[i], X86_TRAP_PF), EXC_SERIAL);
		assert_int_equal(x86_exc_combine(X86_TRAP_PF, contributory[i]), EXC_DOUBLE_FAULT);
	}
	assert_int_equal(x86_exc_combine(X86_TRAP_PF, X86_TRAP_PF), EXC_DOUBLE_FAULT);
	for (unsigned i = 0; i < sizeof(benign); i++) {
		assert_int_equal(x86_exc_combine(benign[i], X86_TRAP_GP), EXC_SERIAL);
		assert_int_equal(x86_exc_combine(benign[i], X86_TRAP_PF), EXC_SERIAL);
		assert_int_equal(x86_exc_combine(X86_TRAP_GP, benign[i]), EXC_SERIAL);
		assert_int_equal(x86_exc_combine(X86_TRAP_PF, benign[i]), EXC_SERIAL);
		assert_int_equal(x86_exc_combine(X86_TRAP_DF, benign[i]), EXC_TRIPLE_FAULT);
	}
	assert_int_equal(x86_exc_combine(X86_TRAP_DF, X86_TRAP_GP), EXC_TRIPLE_FAULT);
	assert_int_equal(x86_exc_combine(X86_TRAP_DF, X86_TRAP_PF), EXC_TRIPLE_FAULT);
}

static void test_classes(void **state)
{
	(void)state;
	assert_true(x86_exc_has_error_code(X86_TRAP_DF));
	assert_true(x86_exc_has_error_code(X86_TRAP_GP));
	assert_true(x86_exc_has_error_code(X86_TRAP_PF));
	assert_true(x86_exc_has_error_code(X86_TRAP_AC));
	assert_false(x86_exc_has_error_code(X86_TRAP_UD));
	assert_false(x86_exc_has_error_code(X86_TRAP_DE));
	assert_false(x86_exc_has_error_code(X86_TRAP_BP));
	assert_true(x86_exc_is_fault(X86_TRAP_GP));
	assert_true(x86_exc_is_fault(X86_TRAP_PF));
	assert_true(x86_exc_is_fault(X86_TRAP_UD));
	assert_true(x86_exc_is_fault(X86_TRAP_DE));
	assert_false(x86_exc_is_fault(X86_TRAP_BP));     /* trap */
	assert_false(x86_exc_is_fault(X86_TRAP_OF));     /* trap */
	assert_false(x86_exc_is_fault(X86_TRAP_DF));     /* abort */
	assert_false(x86_exc_is_fault(X86_TRAP_MC));     /* abort */
	assert_false(x86_exc_is_fault(X86_TRAP_DB));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_combine),
		cmocka_unit_test(test_classes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
