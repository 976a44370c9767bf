#!/usr/bin/env bash
# Vireo benchmarks (`make bench`): boots the bench guests of guests/bench/
# under Bochs, natively and as Vireo guests, and reports
#   1. exit round trips: per op, the mean ticks of a loop iteration with the
#      op, of the same loop without it (overhead), and their difference
#      (cost), plus the exits the op causes and the ticks Vireo's handlers
#      spend on it (from `./vireo run --stats`); interrupt round trips
#      (self-IPIs, LAPIC timer, IPI between two vCPUs, an idle vCPU's timer
#      tick) the same way, each under both APIC paths: the plain name on
#      Vireo's default path (APIC virtualization where the CPU has it), the
#      suffix _soft on its software path (--hv-append apicv=0);
#   2. workload ratios: guest-measured ticks under Vireo / natively.
# Ticks are TSC ticks; under Bochs with `clock: sync=none` (tools/bochsrc.sh)
# one tick is one executed instruction, hypervisor code included, so every
# figure is an exact, repeatable instruction count (not wall time).
#
# Output (in $BENCH_OUT, default build/bench): a table on stdout,
# results.json, results.csv, exit-costs.svg and workloads.svg (gnuplot,
# Debian package gnuplot-nox, installed here if missing), logs/*.log.
#
# Environment:
#   BUILD            build directory (build)
#   BENCH_OUT        output directory ($BUILD/bench)
#   BENCH_OPS        exit ops to run (default: all; the baseline `none` is
#                    always added); NAME_soft runs op NAME with apicv=0
#   BENCH_WORKS      workloads to run (sieve syscall paging exceptions)
#   BENCH_ITERS      loop iterations per exit measurement (2000)
#   BENCH_REPS       repetitions of each measurement (3)
#   BENCH_IDLE_TICKS timer ticks of the idle_tick runs (250, at 250 Hz)
#   BENCH_QUICK=1    workloads do 1/100 of their work (smoke test)
#   BENCH_CPU_MODEL  Bochs CPU model (corei7_skylake_x, as ./vireo)
#   BENCH_JOBS       Bochs instances at once (2; at most 2)
#   BENCH_TIMEOUT    seconds per boot (180)
#   BENCH_NO_BUILD=1 skip `make kernel bench-guests`
# Exit status: 0 if every run produced its figures, 1 otherwise, 2 on a
# usage or build error.
set -u
# ./vireo types its stdin into the VM when it is a terminal or a pipe;
# these runs type nothing.
exec </dev/null
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2

BUILD=${BUILD:-build}
OUT=${BENCH_OUT:-$BUILD/bench}
ITERS=${BENCH_ITERS:-2000}
REPS=${BENCH_REPS:-3}
IDLE_TICKS=${BENCH_IDLE_TICKS:-250}
QUICK=${BENCH_QUICK:-0}
CPU_MODEL=${BENCH_CPU_MODEL:-corei7_skylake_x}
JOBS=${BENCH_JOBS:-2}
TMO=${BENCH_TIMEOUT:-180}
VIREO=./vireo
GB=$BUILD/guests/bench
LOGS=$OUT/logs

# Ops measured against the op=none boot (the first rows, unchanged since the
# benchmark began) ...
CLASSIC_OPS="cpuid vmcall out_unclaimed out_uart_scr in_uart_lsr rdmsr_pat rdmsr_misc_enable
	wrmsr_mtrr_def_type x2apic_eoi xapic_tpr_read xapic_tpr_write"
# ... and against a reference boot of the same op with iters=1 (see run_exit_ref).
IRQ_OPS="self_ipi x2apic_self_ipi timer_irq timer_periodic ipi_roundtrip xapic_lvt_write idle_tick"
soft_of() { local o; for o in "$@"; do printf '%s %s_soft ' "$o" "$o"; done; }
# shellcheck disable=SC2086  # the lists are meant to split into words
ALL_OPS="$CLASSIC_OPS xapic_tpr_read_soft xapic_tpr_write_soft x2apic_eoi_soft $(soft_of $IRQ_OPS)"
ALL_WORKS="sieve syscall paging exceptions"
OPS="none $(echo "${BENCH_OPS:-$ALL_OPS}" | tr -s ' \t' '\n\n' | grep -v -e '^none$' -e '^$' | tr '\n' ' ')"
WORKS=${BENCH_WORKS:-$ALL_WORKS}

die() { echo "bench: $*" >&2; exit 2; }

[[ $ITERS =~ ^[0-9]+$ ]] && ((ITERS > 0)) || die "BENCH_ITERS: bad count '$ITERS'"
[[ $REPS =~ ^[0-9]+$ ]] && ((REPS > 0)) || die "BENCH_REPS: bad count '$REPS'"
[[ $IDLE_TICKS =~ ^[0-9]+$ ]] && ((IDLE_TICKS >= 2)) || die "BENCH_IDLE_TICKS: bad count '$IDLE_TICKS'"
[[ $JOBS =~ ^[12]$ ]] || die "BENCH_JOBS: 1 or 2 (two cores: no more Bochs instances than that)"
in_list() { # word list...
	local w=$1 x
	shift
	for x in "$@"; do [ "$x" != "$w" ] || return 0; done
	return 1
}
# shellcheck disable=SC2086  # the lists are meant to split into words
for o in $OPS; do in_list "$o" none $ALL_OPS || die "unknown op '$o' ($(echo $ALL_OPS))"; done
# shellcheck disable=SC2086
for w in $WORKS; do in_list "$w" $ALL_WORKS || die "unknown workload '$w' ($ALL_WORKS)"; done

# What an op name means to the guest and to ./vireo run.
base_op() { echo "${1%_soft}"; }
is_soft() { [ "${1%_soft}" != "$1" ]; }
# measured against a reference boot (iters=1) rather than the op=none boot
# shellcheck disable=SC2086
uses_ref() { [ "$1" != none ] && ! in_list "$1" $CLASSIC_OPS; }
# idle_tick times nothing in the guest: its figures all come from --stats
is_timed() { [ "$(base_op "$1")" != idle_tick ]; }
op_iters() { if [ "$(base_op "$1")" = idle_tick ]; then echo "$IDLE_TICKS"; else echo "$ITERS"; fi; }
op_args() { # op: the ./vireo run options besides the kernel and --stats
	printf -- '--cpu-model %s --timeout %s' "$CPU_MODEL" "$TMO"
	[ "$(base_op "$1")" != ipi_roundtrip ] || printf -- ' --smp 2'
	! is_soft "$1" || printf -- ' --hv-append apicv=0'
}

describe_op() {
	# NAME_soft: the same op; the name says which path
	case $(base_op "$1") in
	none) echo "empty op (baseline)" ;;
	cpuid) echo "CPUID leaf 0" ;;
	vmcall) echo "VMCALL RAX=0 (VERSION, null hypercall)" ;;
	out_unclaimed) echo "OUT to unclaimed port 0x2F0" ;;
	out_uart_scr) echo "OUT to UART scratch 0x3FF" ;;
	in_uart_lsr) echo "IN from UART LSR 0x3FD" ;;
	rdmsr_pat) echo "RDMSR IA32_PAT 0x277" ;;
	rdmsr_misc_enable) echo "RDMSR IA32_MISC_ENABLE 0x1A0" ;;
	wrmsr_mtrr_def_type) echo "WRMSR MTRR_DEF_TYPE 0x2FF (same value)" ;;
	x2apic_eoi) echo "WRMSR x2APIC EOI 0x80B" ;;
	xapic_tpr_read) echo "xAPIC TPR read (MMIO 0xFEE00080)" ;;
	xapic_tpr_write) echo "xAPIC TPR write (MMIO 0xFEE00080)" ;;
	self_ipi) echo "xAPIC self-IPI (ICR) + handler, EOI" ;;
	x2apic_self_ipi) echo "x2APIC SELF IPI 0x83F + handler, EOI" ;;
	timer_irq) echo "TSC deadline past + timer IRQ, EOI" ;;
	timer_periodic) echo "10 kHz LAPIC timer, per interrupt" ;;
	ipi_roundtrip) echo "IPI vCPU0->1 (hlt), IPI back, EOIs" ;;
	xapic_lvt_write) echo "xAPIC LVT error write (MMIO 0x370)" ;;
	idle_tick) echo "250 Hz timer tick, vCPU in sti;hlt" ;;
	esac
}

# ---------------------------------------------------------------- setup

# gnuplot draws the charts; like tools/deps.sh, install it when missing.
ensure_gnuplot() {
	command -v gnuplot >/dev/null && return 0
	echo "bench: gnuplot not found: installing gnuplot-nox"
	local sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null && sudo=sudo
	fi
	{ $sudo apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq gnuplot-nox; } >/dev/null 2>&1
	command -v gnuplot >/dev/null && return 0
	echo "bench: could not install gnuplot-nox (run: apt-get install gnuplot-nox);" \
		"the charts will be missing, the tables and JSON/CSV are written anyway" >&2
	return 1
}

build() {
	[ "${BENCH_NO_BUILD:-0}" = 1 ] && return 0
	${MAKE:-make} -s kernel bench-guests || die "build failed"
}

# ---------------------------------------------------------------- runs
# Each run writes logs/NAME.log (console + stats) and logs/NAME.time (wall
# seconds). At most $JOBS run at once.

# timed LOG CMD...
. "$ROOT/tools/bench-timed.sh"

# Two boots per op: the cost is measured without --stats (whose timing
# adds two RDTSC to every exit), the attribution to exit reasons with it.
# shellcheck disable=SC2046  # op_args is meant to split into words
run_exit() { # op
	timed "$LOGS/cost-$1.log" "$VIREO" run --kernel "$GB/exits.elf" \
		--append "op=$(base_op "$1") iters=$(op_iters "$1") reps=$REPS" $(op_args "$1")
}

# shellcheck disable=SC2046
run_exit_stats() { # op
	timed "$LOGS/exit-$1.log" "$VIREO" run --kernel "$GB/exits.elf" \
		--append "op=$(base_op "$1") iters=$(op_iters "$1") reps=$REPS" --stats $(op_args "$1")
}

# A third boot for the interrupt rows: the same op, set-up and all, with
# iters=1. Both its exits and its op count are subtracted from the --stats
# boot's, so that set-up exits (enabling the APIC, arming timers, starting
# vCPU 1) cancel exactly instead of being spread over the ops.
# shellcheck disable=SC2046
run_exit_ref() { # op
	timed "$LOGS/ref-$1.log" "$VIREO" run --kernel "$GB/exits.elf" \
		--append "op=$(base_op "$1") iters=1 reps=$REPS" --stats $(op_args "$1")
}

run_vireo() { # workload
	timed "$LOGS/vireo-$1.log" "$VIREO" run --kernel "$GB/work.elf" \
		--append "work=$1 quick=$QUICK" -m 128M --stats --cpu-model "$CPU_MODEL" --timeout "$TMO"
}

# The same kernel booted by GRUB directly: no hypervisor.
run_native() { # workload
	local iso=$OUT/native-$1.iso
	if ! tools/mkiso.sh -o "$iso" --native "$GB/work.elf" "work=$1" "quick=$QUICK" \
		>"$LOGS/native-$1.log" 2>&1; then
		echo "rc=mkiso" >>"$LOGS/native-$1.log"
		return
	fi
	timed "$LOGS/native-$1.log" "$VIREO" boot-iso "$iso" -m 256 \
		--cpu-model "$CPU_MODEL" --timeout "$TMO"
	rm -f "$iso"
}

# Start a run in the background once fewer than $JOBS are running.
spawn() {
	while (($(jobs -rp | wc -l) >= JOBS)); do wait -n; done
	"$@" &
}

run_all() {
	local o w
	echo "bench: $(echo "$OPS" | wc -w) exit runs (2-3 boots each), $(echo "$WORKS" | wc -w) workloads x 2 boots," \
		"$JOBS at a time (logs: $LOGS)"
	# The long Vireo workload boots first, so the short ones fill the gaps.
	for w in $WORKS; do spawn run_vireo "$w"; done
	for w in $WORKS; do spawn run_native "$w"; done
	for o in $OPS; do
		! is_timed "$o" || spawn run_exit "$o"
		spawn run_exit_stats "$o"
		! uses_ref "$o" || spawn run_exit_ref "$o"
	done
	wait
}

# ---------------------------------------------------------------- parsing

# "REASON<TAB>COUNT<TAB>TICKS<TAB>VMREAD<TAB>VMWRITE" per line of a log's
# --stats block; a line reads
#   "  REASON   COUNT exits   TICKS ticks   N/exit  VMREAD R VMWRITE W /exit".
stats_of() {
	sed 's/\r$//' "$1" | awk '
		/^ +[A-Za-z].* +[0-9]+ exits +[0-9]+ ticks +[0-9]+\/exit/ {
			line = $0; sub(/^ +/, "", line)
			match(line, / +[0-9]+ exits +[0-9]+ ticks/)
			reason = substr(line, 1, RSTART - 1)
			split(substr(line, RSTART), f, / +/)
			r = w = ""
			if (match(line, /VMREAD [0-9.]+/)) r = substr(line, RSTART + 7, RLENGTH - 7)
			if (match(line, /VMWRITE [0-9.]+/)) w = substr(line, RSTART + 8, RLENGTH - 8)
			printf "%s\t%s\t%s\t%s\t%s\n", reason, f[2], f[4], r, w
		}'
}

# The APIC path Vireo took in a boot, from its start-up line.
apic_path_of() { # log
	sed 's/\r$//' "$1" 2>/dev/null | awk '
		/vmx: local APIC: APIC virtualization/ { print "apicv"; exit }
		/vmx: local APIC: software emulation/ { print "soft"; exit }'
}

# One '|'-separated line per op (not tabs: `read` would merge empty fields):
# op status iters reps total overhead cost spread loops exits_per_op reason handler_per_exit
#    vmread_per_exit vmwrite_per_exit host_per_op apic_path reasons
# status: ok, skipped:WHY or failed:WHY; reasons: "NAME=PER_OP;..." (nonzero only);
# host_per_op: the ticks of all Vireo's handlers per op; total..spread are
# empty for an op the guest does not time (idle_tick).
#
# Exits per op = (exits of the --stats boot - exits of the baseline boot) / ops,
# where the baseline is the op=none boot for the classic ops (ops = the op's
# executions) and the op's own iters=1 boot for the others (ops = the
# difference of the two boots' op counts).
parse_exit() { # op
	local op=$1 bop log=$LOGS/exit-$1.log cost=$LOGS/cost-$1.log base ref=0 path
	bop=$(base_op "$op")
	if uses_ref "$op"; then
		base=$LOGS/ref-$op.log ref=1
	else
		base=$LOGS/exit-none.log
	fi
	[ -f "$log" ] || { printf '%s|failed:no-log\n' "$op"; return; }
	if is_timed "$op" && [ ! -f "$cost" ]; then printf '%s|failed:no-log\n' "$op"; return; fi
	if [ $ref = 1 ] && [ ! -f "$base" ]; then printf '%s|failed:no-ref-log\n' "$op"; return; fi
	local skipped err
	skipped=$(grep -a -o "BENCH exitop op=$bop skipped=[^ ]*" "$log" | sed 's/.*skipped=//' | tr -d '\r' | head -n 1)
	if [ -n "$skipped" ]; then printf '%s|skipped:%s\n' "$op" "$skipped"; return; fi
	err=$(cat "$log" "$base" "$([ -f "$cost" ] && echo "$cost" || echo /dev/null)" 2>/dev/null |
		grep -a -o "BENCH exitop op=$bop error=[^ ]*" | sed 's/.*error=//' | tr -d '\r' | head -n 1)
	if [ -n "$err" ]; then printf '%s|failed:%s\n' "$op" "$err"; return; fi
	# a boot cut short (timeout, crash) has no summary line
	if ! grep -a -q "BENCH exitop op=$bop " "$log"; then printf '%s|failed:no-figures\n' "$op"; return; fi
	if [ $ref = 1 ] && ! grep -a -q "BENCH exitop op=$bop " "$base"; then
		printf '%s|failed:no-ref-figures\n' "$op"
		return
	fi
	path=$(apic_path_of "$log")
	if is_soft "$op" && [ "$path" != soft ]; then printf '%s|failed:apicv-not-off\n' "$op"; return; fi
	{
		stats_of "$log" | sed 's/^/op\t/'
		[ -f "$base" ] && stats_of "$base" | sed 's/^/base\t/'
		sed 's/\r$//' "$log" | grep -a -o 'BENCH exitop .*' | sed 's/^/opx\t/'
		[ $ref = 1 ] && sed 's/\r$//' "$base" | grep -a -o 'BENCH exitop .*' | sed 's/^/basex\t/'
		[ -f "$cost" ] && sed 's/\r$//' "$cost" | grep -a -o 'BENCH exit.*' | sed 's/^/bench\t/'
	} | awk -F'\t' -v op="$op" -v ref=$ref -v path="$path" \
		-v have_base="$([ -f "$base" ] && [ "$op" != none ] && echo 1)" '
		function val(s, k,   m) { return match(s, " " k "=[^ ]*") ? substr(s, RSTART + length(k) + 2, RLENGTH - length(k) - 2) : "" }
		$1 == "op"   { cnt[$2] = $3; tk[$2] = $4; rd[$2] = $5; wr[$2] = $6 }
		$1 == "base" { bcnt[$2] = $3; btk[$2] = $4 }
		$1 == "opx"   && val($2, "loops") != "" { xloops = val($2, "loops"); xiters = val($2, "iters"); xreps = val($2, "reps"); timed = val($2, "timed") }
		$1 == "basex" && val($2, "loops") != "" { bloops = val($2, "loops") }
		$1 == "bench" && $2 ~ /^BENCH exitop / { iters = val($2, "iters"); reps = val($2, "reps"); loops = val($2, "loops") }
		$1 == "bench" && $2 ~ /^BENCH exit / {
			w = val($2, "with"); wo = val($2, "without")
			# per interrupt (timer_periodic: n= interrupts in the rep), else per iteration
			per = val($2, "n") != "" ? val($2, "n") : iters
			if (per <= 0) { bad = 1; next }
			n++; st += w / per; so += wo / per
			d = (w - wo) / per
			if (n == 1 || d < dmin) dmin = d
			if (n == 1 || d > dmax) dmax = d
		}
		END {
			untimed = timed == "0"
			if (untimed) { iters = xiters; reps = xreps }
			if (!iters || bad || (!untimed && n != reps)) { printf "%s|failed:no-figures\n", op; exit }
			if (ref) loops = xloops - bloops
			if (loops <= 0) { printf "%s|failed:no-ops-counted\n", op; exit }
			# exits this op caused: this run minus the baseline run, per op executed
			best = ""; sum = 0; list = ""
			for (r in cnt) {
				diff = cnt[r] - (have_base ? bcnt[r] : 0)
				if (op == "none" || diff <= 0) continue
				per = diff / loops; sum += per
				if (per < 0.0005) continue # setup exits, done once per run
				list = list (list == "" ? "" : ";") r "=" sprintf("%.3f", per)
				if (best == "" || diff > bestd) { best = r; bestd = diff }
			}
			if (op == "none") sum = 0
			# Vireo handler ticks per op: the reasons listed above, those the
			# op itself added exits to (not the others: the closing console
			# hypercall, say, costs more or less with the length of the text)
			host = 0
			for (r in cnt) {
				diff = cnt[r] - (have_base ? bcnt[r] : 0)
				if (diff > 0 && diff / loops >= 0.0005) host += tk[r] - btk[r]
			}
			hpo = (have_base || op == "none") ? sprintf("%.0f", op == "none" ? 0 : host / loops) : ""
			# the ops own exits only: the baseline run has some of that reason too
			hpe = best == "" ? "" : sprintf("%.0f", (tk[best] - btk[best]) / bestd)
			eps = (have_base || op == "none") ? sprintf("%.3f", sum) : ""
			if (untimed) tot = ovh = cost = spr = ""
			else {
				tot = sprintf("%.2f", st / n); ovh = sprintf("%.2f", so / n)
				cost = sprintf("%.2f", st / n - so / n); spr = sprintf("%.2f", dmax - dmin)
			}
			printf "%s|ok|%d|%d|%s|%s|%s|%s|%d|%s|%s|%s|%s|%s|%s|%s|%s\n",
				op, iters, reps, tot, ovh, cost, spr, loops, eps, best, hpe,
				best == "" ? "" : rd[best], best == "" ? "" : wr[best], hpo, path, list
		}'
}

# "TICKS<TAB>CHECK" of a workload log, empty if it has none.
work_figures() {
	[ -f "$1" ] || return 0
	sed 's/\r$//' "$1" | grep -a -o "BENCH name=$2 ticks=[0-9]* check=[0-9]*" | tail -n 1 |
		sed 's/.*ticks=\([0-9]*\) check=\([0-9]*\)/\1\t\2/'
}

total_exits() { # log: the VM's exit count from --stats
	[ -f "$1" ] && sed 's/\r$//' "$1" | awk '/^ +vm0: [0-9]+ exits$/ { print $2 }' | tail -n 1
}

wall() { [ -f "$1" ] && cat "$1"; }

# One '|'-separated line per workload:
# name status native_ticks vireo_ticks ratio check_match vireo_exits native_wall vireo_wall
parse_work() { # workload
	local w=$1 n v nt nc vt vc status=ok ratio="" match=""
	n=$(work_figures "$LOGS/native-$w.log" "$w")
	v=$(work_figures "$LOGS/vireo-$w.log" "$w")
	nt=${n%%$'\t'*} nc=${n#*$'\t'} vt=${v%%$'\t'*} vc=${v#*$'\t'}
	if [ -z "$n" ]; then status=failed:native; fi
	if [ -z "$v" ]; then status=failed:vireo; fi
	if [ -z "$n" ] && [ -z "$v" ]; then status=failed:both; fi
	if [ -n "$n" ] && [ -n "$v" ]; then
		ratio=$(awk -v a="$vt" -v b="$nt" 'BEGIN { printf "%.6f", a / b }')
		if [ "$nc" = "$vc" ]; then match=true; else match=false; status=failed:check-differs; fi
	fi
	printf '%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$w" "$status" "${n:+$nt}" "${v:+$vt}" "$ratio" \
		"$match" "$(total_exits "$LOGS/vireo-$w.log")" "$(wall "$LOGS/native-$w.time")" \
		"$(wall "$LOGS/vireo-$w.time")"
}

# ---------------------------------------------------------------- output

# The APIC path of the rows without _soft (the op=none boot's).
default_path() {
	local p
	p=$(apic_path_of "$LOGS/exit-none.log")
	echo "${p:-unknown}"
}

print_tables() {
	echo
	echo "Exit round trips, Bochs $CPU_MODEL: ticks (= instructions) per loop iteration,"
	echo "mean of $REPS x $ITERS iterations; cost = with op - overhead loop; spread = max-min cost over reps;"
	echo "exits/op and reason from --stats (minus the op=none run); handler = ticks/exit Vireo accounts to it;"
	echo "vmrd/vmwr = VMREAD/VMWRITE per exit of that reason (slow on hardware whatever they cost here);"
	echo "host/op = ticks of all Vireo's handlers per op (--stats: the handler only, not exit/entry or injection)."
	echo "Rows from self_ipi on, and every _soft row: exits and host ticks minus a boot of the same op with"
	echo "iters=1, not the op=none boot; NAME_soft = op NAME on Vireo's software APIC path (apicv=0), NAME"
	echo "on its default path ($(default_path)); interrupt ops time the whole round trip, handler included;"
	echo "timer_periodic is per interrupt (overhead = the same work, timer stopped); idle_tick times nothing."
	printf '%-20s %-38s %9s %9s %9s %7s %8s  %-16s %8s %5s %5s %8s\n' op what total overhead cost spread exits/op reason handler vmrd vmwr host/op
	local op st it rp tot ovh cost spr loops eps reason hpe vmr vmw hpo path list
	while IFS='|' read -r op st it rp tot ovh cost spr loops eps reason hpe vmr vmw hpo path list; do
		if [ "$st" != ok ]; then
			printf '%-20s %-38s %s\n' "$op" "$(describe_op "$op")" "${st^^}"
			continue
		fi
		# the table's column is 16 wide; JSON and CSV keep Vireo's names
		case $reason in
		"VMX-preemption timer expired") reason="preemption timer" ;;
		"control-register access") reason="CR access" ;;
		*) reason=${reason:0:16} ;;
		esac
		printf '%-20s %-38s %9s %9s %9s %7s %8s  %-16s %8s %5s %5s %8s\n' "$op" "$(describe_op "$op")" \
			"${tot:--}" "${ovh:--}" "${cost:--}" "${spr:--}" "${eps:--}" "${reason:--}" "${hpe:--}" \
			"${vmr:--}" "${vmw:--}" "${hpo:--}"
	done <"$OUT/exits.tsv"
	echo
	echo "Workloads: ticks measured by the guest around its workload (quick=$QUICK);"
	echo "ratio = Vireo / native; exits = all VM exits of the Vireo boot; wall = seconds of Bochs (not a figure)"
	printf '%-12s %14s %14s %10s %8s %7s %12s\n' workload native vireo ratio exits check "wall n/v"
	local w nt vt ratio match ex nw vw
	while IFS='|' read -r w st nt vt ratio match ex nw vw; do
		printf '%-12s %14s %14s %10s %8s %7s %12s' "$w" "${nt:--}" "${vt:--}" "${ratio:--}" \
			"${ex:--}" "$([ "$match" = true ] && echo same || echo "${match:--}")" "${nw:--}/${vw:--}"
		[ "$st" = ok ] && echo || echo "  ${st^^}"
	done <"$OUT/works.tsv"
}

json_str() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }
json_num() { if [ -n "$1" ]; then printf '%s' "$1"; else printf 'null'; fi; }

write_json() {
	local rev bochs_ver first=1
	rev=$(git rev-parse --short HEAD 2>/dev/null || true)
	bochs_ver=$(dpkg-query -W -f='${Version}' bochs 2>/dev/null || true)
	{
		echo "{"
		echo "  \"schema\": 1,"
		echo "  \"git_revision\": $([ -n "$rev" ] && json_str "$rev" || echo null),"
		echo "  \"date\": $(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)"),"
		echo "  \"bochs_cpu_model\": $(json_str "$CPU_MODEL"),"
		echo "  \"bochs_version\": $([ -n "$bochs_ver" ] && json_str "$bochs_ver" || echo null),"
		echo "  \"unit\": \"TSC ticks; under Bochs clock sync=none one tick = one executed instruction\","
		echo "  \"exit_iterations\": $ITERS,"
		echo "  \"exit_reps\": $REPS,"
		echo "  \"idle_ticks\": $IDLE_TICKS,"
		echo "  \"quick\": $([ "$QUICK" = 1 ] && echo true || echo false),"
		echo "  \"exits\": ["
		local op st it rp tot ovh cost spr loops eps reason hpe vmr vmw hpo path list
		while IFS='|' read -r op st it rp tot ovh cost spr loops eps reason hpe vmr vmw hpo path list; do
			[ $first = 1 ] || echo ","
			first=0
			printf '    {"op": %s, "base_op": %s, "what": %s, "status": %s' "$(json_str "$op")" \
				"$(json_str "$(base_op "$op")")" "$(json_str "$(describe_op "$op")")" "$(json_str "$st")"
			if [ "$st" = ok ]; then
				printf ', "apic_path": %s, "exits_baseline": %s' \
					"$([ -n "$path" ] && json_str "$path" || echo null)" \
					"$(json_str "$(uses_ref "$op" && echo "iters=1 boot" || echo "op=none boot")")"
				printf ', "iterations": %s, "reps": %s, "total_per_iter": %s, "overhead_per_iter": %s' \
					"$it" "$rp" "$(json_num "$tot")" "$(json_num "$ovh")"
				printf ', "cost_per_iter": %s, "spread": %s, "ops_executed": %s, "exits_per_op": %s' \
					"$(json_num "$cost")" "$(json_num "$spr")" "$loops" "$(json_num "$eps")"
				printf ', "host_ticks_per_op": %s' "$(json_num "$hpo")"
				printf ', "main_exit_reason": %s, "handler_ticks_per_exit": %s, "vmread_per_exit": %s, "vmwrite_per_exit": %s, "exits_per_op_by_reason": {' \
					"$([ -n "$reason" ] && json_str "$reason" || echo null)" "$(json_num "$hpe")" \
					"$(json_num "$vmr")" "$(json_num "$vmw")"
				local item sep=""
				IFS=';' read -r -a items <<<"$list"
				for item in ${items[@]+"${items[@]}"}; do
					printf '%s%s: %s' "$sep" "$(json_str "${item%=*}")" "${item##*=}"
					sep=", "
				done
				printf '}'
			fi
			printf '}'
		done <"$OUT/exits.tsv"
		echo
		echo "  ],"
		echo "  \"workloads\": ["
		first=1
		local w nt vt ratio match ex nw vw
		while IFS='|' read -r w st nt vt ratio match ex nw vw; do
			[ $first = 1 ] || echo ","
			first=0
			printf '    {"name": %s, "status": %s, "native_ticks": %s, "vireo_ticks": %s, "ratio": %s' \
				"$(json_str "$w")" "$(json_str "$st")" "$(json_num "$nt")" "$(json_num "$vt")" \
				"$(json_num "$ratio")"
			printf ', "check_match": %s, "vireo_exits": %s, "native_wall_s": %s, "vireo_wall_s": %s}' \
				"${match:-null}" "$(json_num "$ex")" "$(json_num "$nw")" "$(json_num "$vw")"
		done <"$OUT/works.tsv"
		echo
		echo "  ]"
		echo "}"
	} >"$OUT/results.json"
}

write_csv() {
	{
		# new columns go at the end, so that older readers keep their positions
		echo "kind,name,status,iterations,reps,total_per_iter,overhead_per_iter,cost_per_iter,spread,exits_per_op,main_exit_reason,handler_ticks_per_exit,vmread_per_exit,vmwrite_per_exit,native_ticks,vireo_ticks,ratio,check_match,vireo_exits,host_ticks_per_op,apic_path"
		local op st it rp tot ovh cost spr loops eps reason hpe vmr vmw hpo path list
		while IFS='|' read -r op st it rp tot ovh cost spr loops eps reason hpe vmr vmw hpo path list; do
			echo "exit,$op,$st,${it:-},${rp:-},${tot:-},${ovh:-},${cost:-},${spr:-},${eps:-},${reason:-},${hpe:-},${vmr:-},${vmw:-},,,,,,${hpo:-},${path:-}"
		done <"$OUT/exits.tsv"
		local w nt vt ratio match ex nw vw
		while IFS='|' read -r w st nt vt ratio match ex nw vw; do
			echo "workload,$w,$st,,,,,,,,,,,,$nt,$vt,$ratio,$match,$ex,,"
		done <"$OUT/works.tsv"
	} >"$OUT/results.csv"
}

# Bar charts: exit cost per op (the overhead loop already subtracted) and
# the workload ratios against the native 1.0 line.
draw_charts() {
	# labels: one line per word ("\n" in a quoted string is a line break to
	# gnuplot), which keeps them apart without rotated text
	awk -F'|' '$2 == "ok" && $1 != "none" && $7 != "" { l = $1; gsub(/_/, "\\n", l); printf "\"%s\" %s\n", l, $7 }' \
		"$OUT/exits.tsv" >"$OUT/exit-costs.dat"
	awk -F'|' '$2 == "ok" { printf "\"%s\" %s\n", $1, $5 }' "$OUT/works.tsv" >"$OUT/workloads.dat"
	local rev
	rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
	local common="set terminal svg size 1000,560 dynamic font 'sans,11' background rgb 'white'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.8
set grid ytics
set key off
set xtics noenhanced
set bmargin 6
set yrange [0:*]
set offsets 0.3, 0.3, graph 0.12, 0"
	if [ -s "$OUT/exit-costs.dat" ]; then
		# about 55 px a bar, never narrower than the other chart
		local width
		width=$(awk 'END { w = NR * 55 + 200; print w < 1000 ? 1000 : w }' "$OUT/exit-costs.dat")
		gnuplot <<EOF || echo "bench: gnuplot failed on exit-costs.svg" >&2
$common
set terminal svg size $width,560 dynamic font 'sans,11' background rgb 'white'
set output '$OUT/exit-costs.svg'
set title "Vireo exit round trips (Bochs $CPU_MODEL, rev $rev)" noenhanced
set ylabel 'ticks (= instructions) per op'
plot '$OUT/exit-costs.dat' using 2:xtic(1) linecolor rgb '#3b7dd8', \
     '' using 0:2:(sprintf('%.0f', \$2)) with labels offset 0,0.7 notitle
EOF
	fi
	if [ -s "$OUT/workloads.dat" ]; then
		gnuplot <<EOF || echo "bench: gnuplot failed on workloads.svg" >&2
$common
set output '$OUT/workloads.svg'
set title "Workloads under Vireo / native (Bochs $CPU_MODEL, rev $rev)" noenhanced
set ylabel 'instructions under Vireo / native'
set arrow from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 linecolor rgb '#888888'
plot '$OUT/workloads.dat' using 2:xtic(1) linecolor rgb '#d8793b', \
     '' using 0:2:(sprintf('%.4f', \$2)) with labels offset 0,0.7 notitle
EOF
	fi
}

# ---------------------------------------------------------------- main

main() {
	local have_gnuplot=1 o w rc=0
	# our runs only: each ./vireo stops its own Bochs on SIGINT/SIGTERM
	trap 'trap - INT TERM; kill $(jobs -p) 2>/dev/null; wait; exit 130' INT TERM
	ensure_gnuplot || have_gnuplot=0
	build
	[ -f "$GB/exits.elf" ] && [ -f "$GB/work.elf" ] || die "bench guests not built ($GB)"
	mkdir -p "$LOGS"
	rm -f "$LOGS"/*.log "$LOGS"/*.time "$OUT"/results.* "$OUT"/*.svg "$OUT"/*.dat "$OUT"/*.tsv
	run_all
	for o in $OPS; do parse_exit "$o"; done >"$OUT/exits.tsv"
	for w in $WORKS; do parse_work "$w"; done >"$OUT/works.tsv"
	print_tables
	write_json
	write_csv
	[ $have_gnuplot = 0 ] || draw_charts
	echo
	echo "bench: results in $OUT/results.json, $OUT/results.csv$([ $have_gnuplot = 1 ] &&
		echo ", $OUT/exit-costs.svg, $OUT/workloads.svg")"
	# Bochs is deterministic: repetitions that differ point at a disturbance
	# (a timer exit inside a timed loop, say) worth a look.
	local uneven
	uneven=$(awk -F'|' '$2 == "ok" && $8 + 0 != 0 { printf " %s", $1 }' "$OUT/exits.tsv")
	[ -z "$uneven" ] || echo "bench: warning: cost differs between repetitions for:$uneven"
	if awk -F'|' '$2 ~ /^failed/ { bad = 1 } END { exit !bad }' "$OUT/exits.tsv" "$OUT/works.tsv"; then
		echo "bench: some runs failed (see $LOGS)" >&2
		rc=1
	fi
	return $rc
}

main "$@"
