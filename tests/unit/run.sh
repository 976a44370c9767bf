#!/bin/sh
# Build and run every host unit test tests/unit/test_*.c with cmocka.
# A test names the pure sources it links with on a line "UNIT-DEPS: a.c b.c".
# Prints one line per test program and "unit: N passed, N failed" at the end.
BUILD=${BUILD:-build}
HOSTCC=${HOSTCC:-gcc}
OUT=$BUILD/unit
mkdir -p "$OUT"
CFLAGS="-std=c11 -Wall -Wextra -Werror -g -O1 -DVIREO_HOST -I. -fsanitize=address,undefined -fno-sanitize-recover=undefined"
pass=0; fail=0
for t in tests/unit/test_*.c; do
	name=$(basename "$t" .c)
	deps=$(sed -n 's/.*UNIT-DEPS:\(.*\)$/\1/p' "$t" | sed 's/\*\///')
	if ! $HOSTCC $CFLAGS "$t" $deps -lcmocka -o "$OUT/$name" 2>"$OUT/$name.build.log"; then
		echo "FAIL $name (does not build, see $OUT/$name.build.log)"
		cat "$OUT/$name.build.log" | head -20
		fail=$((fail + 1)); continue
	fi
	CMOCKA_MESSAGE_OUTPUT=stdout "$OUT/$name" >"$OUT/$name.log" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$OUT/$name.log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$OUT/$name.log" | tail -1)
	p=${p:-0}; f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	pass=$((pass + p)); fail=$((fail + f))
	if [ "$f" -eq 0 ]; then
		echo "PASS $name ($p cases)"
	else
		echo "FAIL $name ($f of $((p + f)) cases failed)"
		grep -E '^\[  (FAILED|ERROR)|error|Failure' "$OUT/$name.log" | head -20
	fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
