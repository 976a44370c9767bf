# Shared by tools/fuzz.sh (`make fuzz`) and tests/fuzz/run.sh (the smoke
# suite of `make test`): which targets exist, how one is built, where its
# scratch corpus lives. Sourced, not run.
#
# A target is tests/fuzz/fuzz_NAME.c defining LLVMFuzzerTestOneInput, with a
# line "FUZZ-DEPS: a.c b.c" naming the pure sources it links (as UNIT-DEPS
# in tests/unit); its seed corpus is tests/fuzz/corpus/NAME/. Built for the
# host from the hypervisor's own sources, like the unit tests.
BUILD=${BUILD:-build}
FUZZ_CC=${FUZZ_CC:-clang}
FUZZ_OUT=$BUILD/fuzz
FUZZ_CFLAGS="-g -O1 -std=c11 -Wall -Wextra -Werror -DVIREO_HOST -I. -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"

# The target names (NAME of tests/fuzz/fuzz_NAME.c): those of FUZZ_TARGETS
# (spaces or commas, with or without the fuzz_ prefix) or all of them.
fuzz_targets() {
	if [ -n "${FUZZ_TARGETS:-}" ]; then
		for t in $(echo "$FUZZ_TARGETS" | tr ',' ' '); do
			echo "${t#fuzz_}"
		done
		return
	fi
	for f in tests/fuzz/fuzz_*.c; do
		[ -f "$f" ] || continue
		n=$(basename "$f" .c)
		echo "${n#fuzz_}"
	done
}

fuzz_deps() { # NAME: the sources named on the target's FUZZ-DEPS line
	sed -n 's/.*FUZZ-DEPS:\(.*\)$/\1/p' "tests/fuzz/fuzz_$1.c" | sed 's/\*\///'
}

# True when build/fuzz/NAME is newer than every file its last build read
# (the compiler's own dependency list, so headers count too).
fuzz_up_to_date() {
	bin=$FUZZ_OUT/$1
	[ -x "$bin" ] && [ -f "$bin.d" ] || return 1
	for f in "tests/fuzz/fuzz_$1.c" $(fuzz_deps "$1") \
		$(sed -e 's/^[^:]*://' -e 's/\\$//' "$bin.d"); do
		[ -e "$f" ] || return 1
		[ "$f" -nt "$bin" ] && return 1
	done
	return 0
}

# Builds build/fuzz/NAME (when stale); the log is build/fuzz/NAME.build.log.
fuzz_build() {
	name=$1
	src=tests/fuzz/fuzz_$name.c
	mkdir -p "$FUZZ_OUT"
	if [ ! -f "$src" ]; then
		echo "no such fuzz target: $src" >"$FUZZ_OUT/$name.build.log"
		return 1
	fi
	fuzz_up_to_date "$name" && return 0
	rm -f "$FUZZ_OUT/$name.d"
	# built under a temporary name and renamed: a run of the old binary
	# (another suite at the same time) is not disturbed
	# shellcheck disable=SC2046 # the deps are a word list
	if ! $FUZZ_CC $FUZZ_CFLAGS "$src" $(fuzz_deps "$name") -o "$FUZZ_OUT/$name.$$" \
		>"$FUZZ_OUT/$name.build.log" 2>&1; then
		rm -f "$FUZZ_OUT/$name.$$"
		return 1
	fi
	mv -f "$FUZZ_OUT/$name.$$" "$FUZZ_OUT/$name"
	# every source and header it read, one rule per source
	# shellcheck disable=SC2046
	$FUZZ_CC -MM -DVIREO_HOST -I. "$src" $(fuzz_deps "$name") >"$FUZZ_OUT/$name.d" 2>/dev/null ||
		rm -f "$FUZZ_OUT/$name.d"
}

# A fresh copy of the seed corpus in build/fuzz/work/NAME.PID (libFuzzer
# adds the inputs it finds to its corpus directory: the tree's copy stays
# as committed; the PID keeps two runs at once apart). Prints the
# directory; the caller removes it.
fuzz_scratch() {
	dir=$FUZZ_OUT/work/$1.$$
	rm -rf "$dir"
	mkdir -p "$dir"
	if [ -d "tests/fuzz/corpus/$1" ]; then
		cp -R "tests/fuzz/corpus/$1/." "$dir/"
	fi
	echo "$dir"
}

# The executions libFuzzer reported in LOG (run with -print_final_stats=1).
fuzz_execs() {
	n=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$1" | tail -1)
	echo "${n:-0}"
}
