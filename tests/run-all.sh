#!/bin/sh
# `make test`: build everything with -Werror (gcc, and clang when present),
# run the host unit tests, the `vireo` command's own tests and the guest
# tests under Bochs; print every suite's result and one final line
# "N passed, N failed". Exits non-zero on any failure.
BUILD=${BUILD:-build}
# ./vireo types its stdin into the VM when it is a terminal or a pipe;
# these runs type nothing.
exec </dev/null
export BUILD
LOG=$BUILD/test-logs
mkdir -p "$LOG"
pass=0; fail=0
start=$(date +%s)

count() { # suite-log: adds the suite's "X: N passed, N failed" line
	line=$(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
	p=$(echo "$line" | sed -n 's/.* \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	if [ -z "$line" ]; then p=0; f=1; fi
	pass=$((pass + p)); fail=$((fail + f))
}

build_step() { # name command...
	name=$1; shift
	if "$@" >"$LOG/$name.log" 2>&1; then
		echo "PASS build: $name"; pass=$((pass + 1))
	else
		echo "FAIL build: $name (see $LOG/$name.log)"; tail -20 "$LOG/$name.log"
		fail=$((fail + 1))
	fi
}

build_step gcc make -j2 all
if command -v clang >/dev/null 2>&1; then
	build_step clang make -j2 kernel CC=clang BUILD="$BUILD/clang"
fi

for suite in tests/unit/run.sh tests/fuzz/run.sh tests/tools/run.sh tests/guest/run.sh tests/linux/run.sh tests/bench/run.sh; do
	[ -f "$suite" ] || continue
	name=$(basename "$(dirname "$suite")")
	echo "== $name tests"
	"$suite" 2>&1 | tee "$LOG/$name.log"
	count "$LOG/$name.log"
done

echo "make test took $(( $(date +%s) - start )) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
