#!/bin/sh
# `make fuzz`: build every libFuzzer target (tests/fuzz/fuzz_*.c, see
# tests/fuzz/lib.sh) and run each for FUZZ_SECONDS (default 60) from a
# scratch copy of its seed corpus. Prints "NAME: N execs, N crashes" per
# target and a total line; crash inputs are kept in build/fuzz/crashes/NAME/
# (reproduce one with `build/fuzz/NAME FILE`). Exits non-zero on any crash.
#
# libFuzzer stops at its first crash; the run then resumes from the corpus
# it has grown, for the time left, so one target can report several
# crashes. FUZZ_MAX_CRASHES (default 5) bounds that per target: an input
# that crashes at once would otherwise restart it for the whole minute.
#
# Environment: FUZZ_SECONDS, FUZZ_TARGETS ("emulate pagewalk", commas
# work too), FUZZ_MAX_CRASHES, FUZZ_CC (clang), FUZZ_ARGS (extra libFuzzer
# options, e.g. -jobs or -max_len=65536), BUILD (build).
cd "$(dirname "$0")/.." || exit 1
. tests/fuzz/lib.sh
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_MAX_CRASHES=${FUZZ_MAX_CRASHES:-5}

total_execs=0; total_crashes=0; broken=0
for name in $(fuzz_targets); do
	if ! fuzz_build "$name"; then
		echo "$name: does not build (see $FUZZ_OUT/$name.build.log)"
		head -20 "$FUZZ_OUT/$name.build.log"
		broken=$((broken + 1)); continue
	fi
	corpus=$(fuzz_scratch "$name")
	crashdir=$FUZZ_OUT/crashes/$name
	rm -rf "$crashdir"; mkdir -p "$crashdir"
	log=$FUZZ_OUT/$name.fuzz.log
	: >"$log"
	execs=0; crashes=0
	start=$(date +%s)
	while :; do
		left=$((FUZZ_SECONDS - ($(date +%s) - start)))
		[ "$left" -ge 1 ] || break
		# shellcheck disable=SC2086 # FUZZ_ARGS is a word list
		"$FUZZ_OUT/$name" -max_total_time="$left" -print_final_stats=1 \
			-timeout=10 -artifact_prefix="$crashdir/" $FUZZ_ARGS \
			"$corpus" >"$log.run" 2>&1
		rc=$?
		cat "$log.run" >>"$log"
		execs=$((execs + $(fuzz_execs "$log.run")))
		[ "$rc" -eq 0 ] && break
		crashes=$((crashes + 1))
		# the reason: a failed check, UBSan's line or the sanitizer's summary
		{ grep -m1 -E 'FUZZ-CHECK|runtime error:' "$log.run" ||
		  grep -m1 -E '^SUMMARY: ' "$log.run" ||
		  grep -m1 -E 'ERROR: ' "$log.run"; } | sed -e "s|$PWD/||g" -e "s/^/  $name: /"
		[ "$crashes" -ge "$FUZZ_MAX_CRASHES" ] && break
	done
	rm -f "$log.run"
	rm -rf "$corpus"
	echo "$name: $execs execs, $crashes crashes"
	total_execs=$((total_execs + execs)); total_crashes=$((total_crashes + crashes))
done
more=""
[ "$broken" -eq 0 ] || more=", $broken targets did not build"
echo "total: $total_execs execs, $total_crashes crashes$more"
[ "$total_crashes" -eq 0 ] && [ "$broken" -eq 0 ]
