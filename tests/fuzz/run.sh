#!/bin/sh
# The fuzz targets' smoke suite, run by `make test`: build every target in
# tests/fuzz/ (see lib.sh) and run each over its seed corpus and then
# FUZZ_RUNS (default 3000) mutated inputs with a fixed seed (FUZZ_SEED,
# default 1), so the suite is repeatable and takes a few seconds a target.
# A target passes when it builds, its corpus is not empty and libFuzzer ends
# without a crash, sanitizer report or failed FUZZ_CHECK. Prints
# "PASS/FAIL fuzz_NAME" lines and "fuzz: N passed, N failed". `make fuzz`
# (tools/fuzz.sh) is the long run.
cd "$(dirname "$0")/../.." || exit 1
. tests/fuzz/lib.sh
FUZZ_RUNS=${FUZZ_RUNS:-3000}
FUZZ_SEED=${FUZZ_SEED:-1}
pass=0; fail=0
if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
	echo "FAIL fuzz: $FUZZ_CC not found (tools/deps.sh installs clang)"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
# Build first, FUZZ_JOBS (default 2) at a time; the loop below reports
# a target that did not build.
fuzz_targets | xargs -P "${FUZZ_JOBS:-2}" -I{} sh -c '. tests/fuzz/lib.sh; fuzz_build {}' 2>/dev/null
for name in $(fuzz_targets); do
	if ! fuzz_build "$name"; then
		echo "FAIL fuzz_$name (does not build, see $FUZZ_OUT/$name.build.log)"
		head -20 "$FUZZ_OUT/$name.build.log"
		fail=$((fail + 1)); continue
	fi
	if [ -z "$(ls -A "tests/fuzz/corpus/$name" 2>/dev/null)" ]; then
		echo "FAIL fuzz_$name (no seed corpus in tests/fuzz/corpus/$name/)"
		fail=$((fail + 1)); continue
	fi
	corpus=$(fuzz_scratch "$name")
	log=$FUZZ_OUT/$name.smoke.log
	seeds=$(ls "tests/fuzz/corpus/$name" | wc -l)
	"$FUZZ_OUT/$name" -runs="$FUZZ_RUNS" -seed="$FUZZ_SEED" -max_total_time=30 \
		-timeout=10 -print_final_stats=1 -artifact_prefix="$FUZZ_OUT/smoke-$name-" \
		"$corpus" >"$log" 2>&1
	rc=$?
	execs=$(fuzz_execs "$log")
	rm -rf "$corpus"
	if [ "$rc" -eq 0 ]; then
		echo "PASS fuzz_$name ($seeds seeds, $execs execs)"
		pass=$((pass + 1))
	else
		echo "FAIL fuzz_$name (exit $rc, see $log)"
		grep -m3 -E 'ERROR: |runtime error:|FUZZ-CHECK|Test unit written' "$log"
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
