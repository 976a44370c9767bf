# Sourced by tools/bench.sh and tools/bench-linux.sh.
# timed LOG CMD...: run CMD with stdout and stderr in LOG, append "rc=N" to
# LOG, and write the wall seconds (for information, never a figure) to
# LOG's name with .time for .log.
timed() {
	local log=$1 t0 t1
	shift
	t0=$(date +%s.%N)
	"$@" >"$log" 2>&1
	echo "rc=$?" >>"$log"
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }' >"${log%.log}.time"
}
