#!/usr/bin/env bash
# Smoke test of the benchmark harness (tools/bench.sh): a reduced run (two
# exit ops plus the baseline; three interrupt rows: one on the software APIC
# path, the per-interrupt timer row and the untimed idle row; one workload at
# 1/100 size) into a scratch directory, then checks that the outputs are
# there and well formed. It asserts no timings: only the shape of the table,
# JSON, CSV and charts. Needs the kernel and bench guests built (make all).
# About 30 s.
# Prints "PASS name" / "FAIL name" per check and "bench: N passed, N failed".
set -u
cd "$(dirname -- "${BASH_SOURCE[0]}")/../.." || exit 1
BUILD=${BUILD:-build}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/vireo-bench-test.XXXXXX")
trap 'rm -rf -- "$OUT"' EXIT
pass=0 failed=0

check() { # name command...
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "PASS $name"; pass=$((pass + 1))
	else
		echo "FAIL $name"; failed=$((failed + 1))
	fi
}

BENCH_OUT=$OUT BENCH_OPS="cpuid vmcall self_ipi_soft timer_periodic idle_tick" BENCH_WORKS=syscall \
	BENCH_QUICK=1 BENCH_ITERS=200 BENCH_IDLE_TICKS=10 BENCH_NO_BUILD=1 BENCH_TIMEOUT=50 \
	timeout -s INT 110 tools/bench.sh >"$OUT/stdout" 2>&1
rc=$?
check "harness exits 0" test "$rc" = 0
[ "$rc" = 0 ] || tail -n 20 "$OUT/stdout" | sed 's/^/  | /'

num='[0-9]+(\.[0-9]+)?'
check "table: exit rows" grep -Eq "^cpuid +.* $num +$num +$num +$num +1\.000 +CPUID +[0-9]+ +$num +$num +[0-9]+$" "$OUT/stdout"
check "table: vmcall row" grep -Eq "^vmcall +.* $num +$num +$num +$num +1\.000 +VMCALL +[0-9]+ +$num +$num +[0-9]+$" "$OUT/stdout"
# interrupt rows: the shape only (reason and handler are "-" when an op causes no exit)
tail="$num +[A-Za-z-][A-Za-z /-]* +([0-9]+|-) +($num|-) +($num|-) +[0-9]+"
check "table: self_ipi_soft row" grep -Eq "^self_ipi_soft +.* $num +$num +$num +$num +$tail$" "$OUT/stdout"
check "table: timer_periodic row" grep -Eq "^timer_periodic +.* $num +$num +$num +$num +$tail$" "$OUT/stdout"
check "table: idle_tick row" grep -Eq "^idle_tick +.* - +- +- +- +$tail$" "$OUT/stdout"
check "table: workload row" grep -Eq "^syscall +[0-9]+ +[0-9]+ +$num +[0-9]+ +same " "$OUT/stdout"

json_ok() {
	if command -v jq >/dev/null; then
		jq -e '(.exits | length == 6) and (.workloads | length == 1)
			and (.exits[] | select(.op == "cpuid") | .status == "ok" and (.cost_per_iter | type) == "number"
			     and .exits_per_op == 1 and .main_exit_reason == "CPUID"
			     and .exits_baseline == "op=none boot" and (.host_ticks_per_op | type) == "number")
			and (.exits[] | select(.op == "self_ipi_soft") | .status == "ok" and .base_op == "self_ipi"
			     and .apic_path == "soft" and .exits_baseline == "iters=1 boot"
			     and (.cost_per_iter | type) == "number" and (.exits_per_op | type) == "number"
			     and (.host_ticks_per_op | type) == "number" and (.exits_per_op_by_reason | type) == "object")
			and (.exits[] | select(.op == "timer_periodic") | .status == "ok"
			     and (.cost_per_iter | type) == "number" and (.exits_per_op | type) == "number")
			and (.exits[] | select(.op == "idle_tick") | .status == "ok" and .cost_per_iter == null
			     and (.exits_per_op | type) == "number" and (.host_ticks_per_op | type) == "number")
			and (.workloads[0] | .status == "ok" and (.ratio | type) == "number" and .check_match)
			and has("git_revision") and (.bochs_cpu_model | type) == "string"' "$OUT/results.json"
	else
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["exits"]) == 6' "$OUT/results.json"
	fi
}
check "results.json well formed" json_ok

csv_ok() {
	awk -F, 'NR == 1 { cols = NF; if ($1 != "kind") exit 1; next }
		NF != cols { exit 1 } { rows++ } END { exit rows != 7 }' "$OUT/results.csv"
}
check "results.csv well formed" csv_ok

svg_ok() { grep -q '<svg' "$1" && grep -q '</svg>' "$1"; }
if command -v gnuplot >/dev/null; then
	check "exit-costs.svg" svg_ok "$OUT/exit-costs.svg"
	check "workloads.svg" svg_ok "$OUT/workloads.svg"
else
	echo "skip charts (no gnuplot)"
fi

echo "bench: $pass passed, $failed failed"
[ "$failed" = 0 ]
