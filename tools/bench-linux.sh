#!/usr/bin/env bash
# Linux boot benchmark (`make bench-linux`): boots the default Linux guest
# (build/linux/bzImage and a bench copy of build/linux/initramfs.cpio.gz, see
# tools/linux-guest.sh) under Bochs, natively and under Vireo, one boot after
# the other, and compares instruction counts. The boots ($BENCH_LINUX_RUNS):
#   native         GRUB `linux`/`initrd` from an ISO (tools/mkiso.sh --root),
#                  no hypervisor; Bochs from tools/bochsrc.sh (./vireo
#                  boot-iso) with the guest's memory (256 MiB) as `megs`;
#                  command line console=ttyS0
#   vireo          ./vireo run --kernel bzImage --initrd ... -m 256M --stats,
#                  command line console=ttyS0
#   native_tsc     native + tsc_early_khz=50000: Bochs' CPUID says the TSC
#                  runs at 3.5 GHz, but it counts one tick per instruction,
#                  50,000,000 a second of emulated time (cpu ips=); Vireo
#                  tells its guests that rate
#   native_115200, vireo_115200   console=ttyS0,115200: Bochs' UART models
#                  the line rate, so natively each console character at
#                  Linux' default 9600 baud holds the kernel ~1 ms of emulated
#                  time (~52,000 instructions); Vireo's UART has no line rate
#   native_quiet, vireo_quiet     + quiet (native also tsc_early_khz=50000):
#                  hardly any console output
# All use the same Bochs CPU model; Vireo's Bochs has 128 MiB more (its own).
#
# Units: under Bochs with `clock: sync=none` (tools/bochsrc.sh) the TSC
# advances by one per executed instruction, so every figure here is an
# exact instruction count ("ticks"), repeatable run to run. Wall time is
# shown for information only.
#
# Method (docs/bench-linux.md has the details):
#   * The default initramfs is left alone. The bench copy is its archive,
#     uncompressed, with a second cpio archive appended (the kernel unpacks
#     concatenated archives in order; later entries replace earlier ones):
#       /bin/vbmark  a tiny static program: writes "vireo-bench: LABEL tsc=N"
#                    to /dev/kmsg (so printk timestamps it), N = RDTSC read
#                    just before the write;
#       /init        the default /init, generated from it, with
#                    `/bin/vbmark devtmpfs` after /dev is mounted and the line
#                    that starts the interactive shell replaced by
#                    `/bin/vbmark prompt`; then it prints the kernel lines the
#                    figures come from (dmesg, for quiet boots), waits 3 s for
#                    the UART and its `poweroff -f` ends the run.
#   * printk timestamps are local_clock(): until sched_clock is marked stable
#     (a late initcall, "sched_clock: Marking stable (...)->(raw, offset)")
#     they follow the jiffies/clocksource time; from then on they are the
#     raw TSC clock plus that offset. The raw clock counts nanoseconds from
#     the kernel's TSC clock start (tsc_early_init, early in setup_arch) at
#     the kernel's tsc_khz ("tsc: Detected X MHz TSC/processor", "Refined
#     TSC clocksource calibration: Y MHz"). So the prompt marker's RDTSC,
#     minus (its timestamp - offset) x rate, is the guest TSC at clock start;
#     the window ends are read from the markers' RDTSC values ("Run /init"
#     from the devtmpfs marker and the timestamp difference, a short step).
#   * Windows: clock start -> "Run /init as init process"; -> prompt marker.
#     The guest TSC at clock start is shown too ("before clock start"):
#     natively it counts from Bochs power-on (BIOS, GRUB loading the files
#     from the CD, the decompressor, early setup); under Vireo from VM
#     creation (Vireo starts the guest TSC at 0): the decompressor and early
#     setup. That part is not comparable and is in no ratio.
#   * Check: the two markers' RDTSC difference must match their timestamp
#     difference converted to ticks.
#
# Output (in $BENCH_OUT, default build/bench-linux): tables and ASCII charts
# on stdout and in results.txt, results.json, logs/NAME.log (console of each
# boot, Vireo's --stats at the end), NAME.fig (its figures).
#
# Environment:
#   BUILD                 build directory (build)
#   BENCH_OUT             output directory ($BUILD/bench-linux)
#   BENCH_CPU_MODEL       Bochs CPU model (corei7_skylake_x, as ./vireo)
#   BENCH_TIMEOUT         seconds per boot (600)
#   BENCH_LINUX_MEM       guest memory in MiB (256)
#   BENCH_LINUX_APPEND    kernel command line (console=ttyS0)
#   BENCH_LINUX_RUNS      boots to do (all of the above); the report covers
#                         every boot with a log in $BENCH_OUT/logs, so
#                         BENCH_LINUX_RUNS= (empty) only reports
#   BENCH_NO_BUILD=1      skip `make kernel` and tools/linux-guest.sh
# Exit status: 0 if every boot asked for produced its figures, 1 otherwise,
# 2 on a usage or build error.
set -u
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2

BUILD=${BUILD:-build}
OUT=${BENCH_OUT:-$BUILD/bench-linux}
CPU_MODEL=${BENCH_CPU_MODEL:-corei7_skylake_x}
TMO=${BENCH_TIMEOUT:-600}
MEM=${BENCH_LINUX_MEM:-256}
APPEND=${BENCH_LINUX_APPEND:-console=ttyS0}
ALL_RUNS="native vireo native_tsc native_115200 vireo_115200 native_quiet vireo_quiet"
RUNS=${BENCH_LINUX_RUNS-$ALL_RUNS}
# Bochs' instructions per emulated second (tools/bochsrc.sh: cpu ips=), which
# under sync=none is the rate of its TSC in emulated time, in kHz.
BOCHS_KHZ=$(tools/bochsrc.sh | sed -n 's/.*ips=\([0-9]*\).*/\1/p' | awk '{ print $1 / 1000 }')
LINUX=$BUILD/linux
LOGS=$OUT/logs
VIREO=./vireo

die() { echo "bench-linux: $*" >&2; exit 2; }

[[ $TMO =~ ^[0-9]+$ ]] && ((TMO > 0)) || die "BENCH_TIMEOUT: bad seconds '$TMO'"
[[ $MEM =~ ^[0-9]+$ ]] && ((MEM >= 64)) || die "BENCH_LINUX_MEM: bad MiB '$MEM'"
for r in $RUNS; do case " $ALL_RUNS " in *" $r "*) ;; *) die "BENCH_LINUX_RUNS: unknown boot '$r'" ;; esac; done

# ---------------------------------------------------------------- build

build() {
	[ "${BENCH_NO_BUILD:-0}" = 1 ] && return 0
	${MAKE:-make} -s kernel || die "build failed"
	tools/linux-guest.sh "$LINUX" || die "tools/linux-guest.sh failed"
}

# The marker program, as C for gcc: no libc, two system calls and RDTSC.
vbmark_src() {
	cat <<'EOF'
/* vbmark LABEL: write "vireo-bench: LABEL tsc=N" to /dev/kmsg (printk
 * gives it a timestamp); N = RDTSC read just before the write. */
typedef unsigned long u64;
static long sys3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}
void vbmark_main(long *sp)
{
	const char *label = sp[0] > 1 ? (const char *)sp[2] : "mark", *p;
	char buf[128], num[24];
	unsigned lo, hi;
	int n = 0, k = 0;
	long fd = sys3(2 /* open */, (long)"/dev/kmsg", 1 /* O_WRONLY */, 0);
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	u64 t = ((u64)hi << 32) | lo;
	for (p = "vireo-bench: "; *p; p++) buf[n++] = *p;
	for (p = label; *p && n < 80; p++) buf[n++] = *p;
	for (p = " tsc="; *p; p++) buf[n++] = *p;
	do { num[k++] = (char)('0' + t % 10); t /= 10; } while (t);
	while (k) buf[n++] = num[--k];
	buf[n++] = '\n';
	sys3(1 /* write */, fd < 0 ? 2 : fd, (long)buf, n);
	sys3(60 /* exit */, 0, 0, 0);
	for (;;)
		;
}
__asm__(".globl _start\n_start:\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall vbmark_main\n");
EOF
}

# $OUT/initramfs-bench.cpio: the default initramfs, uncompressed, + an archive
# with /bin/vbmark and the bench /init (see the header).
SHELL_LINE='setsid cttyhack sh -l'
make_bench_initrd() {
	local w=$OUT/initrd-work
	rm -rf "$w"
	mkdir -p "$w/src" "$w/root/bin"
	vbmark_src >"$w/vbmark.c"
	${CC:-gcc} -Os -static -nostdlib -fno-stack-protector -fno-pic -no-pie \
		-o "$w/root/bin/vbmark" "$w/vbmark.c" || die "cannot build vbmark"
	(cd "$w/src" && gzip -dc "$ROOT/$LINUX/initramfs.cpio.gz" | cpio -i --quiet init) ||
		die "cannot read /init from $LINUX/initramfs.cpio.gz"
	[ "$(grep -c -x "$SHELL_LINE" "$w/src/init")" = 1 ] ||
		die "the default /init has no single line '$SHELL_LINE' (tools/linux-guest.sh changed?)"
	grep -q -x 'poweroff -f' "$w/src/init" || die "the default /init does not end with 'poweroff -f'"
	grep -q -x 'mount -t devtmpfs devtmpfs /dev' "$w/src/init" ||
		die "the default /init does not mount devtmpfs on /dev (needed for /dev/kmsg)"
	# The first marker follows the devtmpfs mount (/dev/kmsg exists from then on).
	awk -v sl="$SHELL_LINE" '
		$0 == sl { print "/bin/vbmark prompt   # vireo-bench: instead of: " sl
			# after the measurement: the lines the figures come from, for a
			# console that did not show them (quiet)
			print "dmesg | grep -E \"Run /init|vireo-bench|tsc: Detected|Refined TSC|sched_clock: \" | sed \"s/^/dmesg: /\""
			# let the UART send it (at 9600 baud, ~1 ms a character) before the power goes
			print "sleep 3"
			next }
		{ print }
		$0 == "mount -t devtmpfs devtmpfs /dev" { print "/bin/vbmark devtmpfs" }' "$w/src/init" >"$w/root/init"
	chmod 755 "$w/root/init" "$w/root/bin/vbmark"
	# Uncompressed, so that both kernels get the same bytes: GRUB's module2
	# (Vireo) gunzips a .gz module itself (sized by the gzip trailer of the
	# LAST member: a multi-member file comes out truncated), while its
	# `initrd` (native) passes the file on as it is.
	gzip -dc "$LINUX/initramfs.cpio.gz" >"$OUT/initramfs-bench.cpio" || die "cannot unpack the initramfs"
	(cd "$w/root" && printf '%s\n' init bin/vbmark | cpio -o -H newc -R 0:0 --quiet) \
		>>"$OUT/initramfs-bench.cpio" || die "cannot append the bench archive"
	cp "$w/root/init" "$OUT/init.bench"
	rm -rf "$w"
}

# $OUT/NAME.iso: GRUB boots the kernel directly (linux + initrd).
make_native_iso() { # name cmdline
	local t=$OUT/iso-root
	rm -rf "$t"
	mkdir -p "$t/boot/grub"
	cp "$LINUX/bzImage" "$t/boot/bzImage"
	cp "$OUT/initramfs-bench.cpio" "$t/boot/initrd.cpio"
	cat >"$t/boot/grub/grub.cfg" <<EOF
set timeout=0
set default=0
# GRUB's own messages stay on the VGA console: COM1 carries only the kernel's.
terminal_input console
terminal_output console
menuentry "native linux" {
	linux /boot/bzImage $2
	initrd /boot/initrd.cpio
	boot
}
EOF
	tools/mkiso.sh -o "$OUT/$1.iso" --root "$t" >/dev/null || die "cannot build the native ISO"
	rm -rf "$t"
}

# ---------------------------------------------------------------- runs

# timed LOG CMD...
. "$ROOT/tools/bench-timed.sh"

boot_native() { # name cmdline
	make_native_iso "$1" "$2"
	echo "bench-linux: $1 boot (Bochs, GRUB linux/initrd, megs=$MEM, '$2', up to $TMO s) ..."
	timed "$LOGS/$1.log" "$VIREO" boot-iso "$OUT/$1.iso" -m "$MEM" \
		--cpu-model "$CPU_MODEL" --timeout "$TMO"
	rm -f "$OUT/$1.iso"
}

run_native() { boot_native native "$APPEND"; }

# The same, with the kernel told the TSC rate Bochs really runs it at.
run_native_tsc() { boot_native native_tsc "$APPEND tsc_early_khz=$BOCHS_KHZ"; }

boot_vireo() { # name cmdline
	echo "bench-linux: $1 boot (-m ${MEM}M --stats, '$2', up to $TMO s) ..."
	timed "$LOGS/$1.log" "$VIREO" run --kernel "$LINUX/bzImage" \
		--initrd "$OUT/initramfs-bench.cpio" --append "$2" -m "${MEM}M" \
		--stats --cpu-model "$CPU_MODEL" --timeout "$TMO"
}

run_vireo() { boot_vireo vireo "$APPEND"; }

# 'quiet': the kernel prints (almost) nothing on the console, which shows
# what the console output costs on each side.
run_native_quiet() { boot_native native_quiet "$APPEND tsc_early_khz=$BOCHS_KHZ quiet"; }
run_vireo_quiet() { boot_vireo vireo_quiet "$APPEND quiet"; }

# console=ttyS0,115200 on both sides: Linux' default of 9600 baud makes
# Bochs' UART (which models the line rate) hold each character ~1 ms of
# emulated time, ~52,000 instructions, natively; Vireo's own UART has no line
# rate (Vireo passes the bytes on to Bochs' COM1 at its own speed).
run_native_115200() { boot_native native_115200 "${APPEND/console=ttyS0/console=ttyS0,115200}"; }
run_vireo_115200() { boot_vireo vireo_115200 "${APPEND/console=ttyS0/console=ttyS0,115200}"; }

# ---------------------------------------------------------------- parsing

# parse_log LOG: "key value" lines from a boot's console log.
#   mhz        the TSC rate sched_clock uses: "tsc: Detected X MHz TSC"
#              (else "... MHz processor"); mhz_ref: "Refined TSC clocksource
#              calibration: Y MHz" if it came, ts_ref its timestamp
#   stable_ts, gtod_ns, raw_ns, off_ns: "sched_clock: Marking stable
#              (tick_gtod, gtod_offset)->(tick_raw, sched_clock_offset)"
#   init_ts    "Run /init as init process"
#   dev_ts dev_tsc, prompt_ts prompt_tsc: the vbmark markers
#   icount     Bochs' instruction count when it stopped (native: power-off)
parse_log() {
	tr -d '\r' <"$1" | awk '
		function ts_of(s) { # the last "[ sec.usec]" before the match
			if (match(s, /\[ *[0-9]+\.[0-9]+\][^[]*$/)) {
				s = substr(s, RSTART + 1); sub(/\].*/, "", s); gsub(/ /, "", s); return s
			}
			return ""
		}
		/tsc: Detected [0-9.]+ MHz TSC/ { m = $0; sub(/.*Detected /, "", m); sub(/ .*/, "", m); tsc_mhz = m }
		/tsc: Detected [0-9.]+ MHz processor/ { m = $0; sub(/.*Detected /, "", m); sub(/ .*/, "", m); cpu_mhz = m }
		/Refined TSC clocksource calibration: [0-9.]+ MHz/ {
			m = $0; sub(/.*calibration: /, "", m); sub(/ .*/, "", m); print "mhz_ref", m
			p = $0; sub(/ *tsc: Refined.*/, "", p); print "ts_ref", ts_of(p)
		}
		/sched_clock: Marking stable \(/ {
			m = $0; sub(/.*Marking stable \(/, "", m); sub(/\)->\(/, " ", m); gsub(/[(), ]+/, " ", m); split(m, f, " ")
			print "gtod_ns", f[1]; print "gtod_off_ns", f[2]; print "raw_ns", f[3]; print "off_ns", f[4]
			p = $0; sub(/ *sched_clock: Marking.*/, "", p); print "stable_ts", ts_of(p)
		}
		/Run \/init as init process/ && !seen_init { seen_init = 1; p = $0; sub(/ *Run \/init.*/, "", p); print "init_ts", ts_of(p) }
		/vireo-bench: [a-z]+ tsc=[0-9]+/ {
			p = $0; sub(/ *vireo-bench: [a-z]+ tsc=[0-9]+.*/, "", p)
			m = $0; sub(/.*vireo-bench: /, "", m); split(m, f, /[ =]+/)
			t = ts_of(p); if (t == "") t = "none"
			print f[1] "_ts", t; print f[1] "_tsc", f[3]
		}
		/^  \([0-9]+\)\.\[[0-9]+\]/ { m = $0; sub(/^[^[]*\[/, "", m); sub(/\].*/, "", m); icount = m }
		END {
			if (tsc_mhz != "") print "mhz", tsc_mhz; else if (cpu_mhz != "") print "mhz", cpu_mhz
			if (icount != "") print "icount", icount
		}'
}

# "REASON<TAB>COUNT<TAB>TICKS" per line of the first --stats block (the VM's).
stats_of() {
	tr -d '\r' <"$1" | awk '
		/^ +[^ ].*: [0-9]+ exits$/ { blocks++; next }
		blocks == 1 && /^ +[A-Za-z].* +[0-9]+ exits +[0-9]+ ticks +[0-9]+\/exit/ {
			line = $0; sub(/^ +/, "", line)
			match(line, / +[0-9]+ exits +[0-9]+ ticks/)
			reason = substr(line, 1, RSTART - 1)
			split(substr(line, RSTART), f, / +/)
			printf "%s\t%s\t%s\n", reason, f[2], f[4]
		}'
}

# compute LOG: the figures of one boot as "key value" lines (see the header):
#   clock_tsc  guest TSC when the kernel clock started (= instructions from
#              power-on natively, from VM creation under Vireo)
#   to_init    clock start -> "Run /init"
#   to_prompt  clock start -> prompt marker
#   check_rdtsc, check_ts: the markers' RDTSC delta and their timestamp delta
#              in ticks (they must agree)
compute() {
	parse_log "$1" | awk '
		{ v[$1] = $2 }
		END {
			bad = ""
			if (v["mhz"] == "") bad = bad " tsc-rate"
			if (v["off_ns"] == "") bad = bad " sched_clock-stable-line"
			if (v["init_ts"] == "") bad = bad " Run-/init"
			if (v["prompt_tsc"] == "" || v["prompt_ts"] == "none") bad = bad " prompt-marker"
			if (v["devtmpfs_tsc"] == "" || v["devtmpfs_ts"] == "none") bad = bad " devtmpfs-marker"
			if (bad != "") { print "missing" bad; exit }
			if (v["stable_ts"] + 0 > v["init_ts"] + 0) { print "missing sched_clock-stable-before-Run-/init"; exit }
			det = v["mhz"] * 1e6; ref = (v["mhz_ref"] != "") ? v["mhz_ref"] * 1e6 : det
			off = v["off_ns"] / 1e9
			# raw sched_clock seconds (TSC since clock start / rate) of a
			# timestamp taken after sched_clock became stable
			# ticks since clock start at raw r: det rate up to the refinement, ref after
			rref = (v["mhz_ref"] != "" && v["ts_ref"] + 0 >= v["stable_ts"] + 0) ? v["ts_ref"] - off : -1
			if (v["mhz_ref"] != "" && rref < 0) print "note refined-before-stable: ref rate used throughout"
			printf "mhz %s\n", v["mhz"]; if (v["mhz_ref"] != "") printf "mhz_ref %s\n", v["mhz_ref"]
			r_prompt = v["prompt_ts"] - off
			tp = ticks(r_prompt, det, ref, rref)
			clock_tsc = v["prompt_tsc"] - tp
			# "Run /init" from the devtmpfs marker: a short step back in time
			ti = (v["devtmpfs_tsc"] - clock_tsc) - (v["devtmpfs_ts"] - v["init_ts"]) * ref
			printf "clock_tsc %.0f\nto_init %.0f\nto_prompt %.0f\n", clock_tsc, ti, v["prompt_tsc"] - clock_tsc
			printf "check_rdtsc %.0f\ncheck_ts %.0f\n", v["prompt_tsc"] - v["devtmpfs_tsc"], (v["prompt_ts"] - v["devtmpfs_ts"]) * ref
			if (v["icount"] != "") printf "icount %s\n", v["icount"]
		}
		function ticks(r, det, ref, rref) {
			if (rref < 0) return (v["mhz_ref"] != "") ? r * ref : r * det
			if (r <= rref) return r * det
			return rref * det + (r - rref) * ref
		}'
}

# ---------------------------------------------------------------- report

# get FILE KEY: a value of compute's output
get() { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }
commas() { # integer with thousands separators ("-" if empty)
	[ -n "$1" ] || { echo -; return; }
	echo "$1" | awk '{ s = sprintf("%.0f", $1); neg = s ~ /^-/; sub(/^-/, "", s)
		o = ""; while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
		print (neg ? "-" : "") s o }'
}
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b / a }' || echo -; }

bar() { # value max width
	awk -v v="$1" -v m="$2" -v w="$3" 'BEGIN { n = (m > 0) ? int(v / m * w + 0.5) : 0
		s = ""; for (i = 0; i < w; i++) s = s (i < n ? "#" : " "); printf "|%s|", s }'
}

# label of a boot: what it changes from the requested command line
boot_desc() {
	case $1 in
	native) echo "GRUB, '$APPEND'" ;;
	native_tsc) echo "GRUB, + tsc_early_khz=$BOCHS_KHZ" ;;
	native_115200) echo "GRUB, console=ttyS0,115200" ;;
	native_quiet) echo "GRUB, + tsc_early_khz=$BOCHS_KHZ quiet" ;;
	vireo) echo "Vireo, '$APPEND'" ;;
	vireo_115200) echo "Vireo, console=ttyS0,115200" ;;
	vireo_quiet) echo "Vireo, + quiet" ;;
	esac
}
# pairs compared: label|native boot|Vireo boot
PAIRS="as requested (console=ttyS0)|native|vireo
same TSC rate (native tsc_early_khz)|native_tsc|vireo
console at 115200 baud on both|native_115200|vireo_115200
quiet (native tsc_early_khz + quiet)|native_quiet|vireo_quiet"

pct() { [ -n "$2" ] && [ "$2" != 0 ] && awk -v h="$1" -v x="$2" 'BEGIN { printf "%.1f", 100 * h / x }' || echo -; }

exit_table() { # vireo-boot
	local k=$1 tsv=$OUT/$1.exits win ex h a b r
	win=$(get "$OUT/$k.fig" to_prompt)
	read -r ex h < <(awk -F'\t' '{ e += $2; h += $3 } END { printf "%d %d\n", e, h }' "$tsv")
	echo "Exits of boot '$k' ($(boot_desc "$k")), by reason (--stats: the whole VM run,"
	echo "decompressor to power-off); % = handler ticks / the boot's clock start -> prompt window:"
	printf '  %-30s %9s %14s %10s %6s\n' reason exits "handler ticks" ticks/exit "%"
	while IFS=$'\t' read -r r a b; do
		printf '  %-30s %9s %14s %10s %6s\n' "$r" "$(commas "$a")" "$(commas "$b")" "$(commas $((b / a)))" "$(pct "$b" "$win")"
	done <"$tsv"
	printf '  %-30s %9s %14s %10s %6s\n' total "$(commas "$ex")" "$(commas "$h")" \
		"$( ((ex > 0)) && commas $((h / ex)) || echo -)" "$(pct "$h" "$win")"
	local max w=40
	max=$(awk -F'\t' 'NR == 1 { print $3 }' "$tsv")
	echo "  handler ticks, top 5 (full bar = $(commas "$max")):"
	head -n 5 "$tsv" | while IFS=$'\t' read -r r a b; do
		printf '    %-30s %s %s\n' "$r" "$(bar "$b" "$max" $w)" "$(commas "$b")"
	done
	echo
}

report() {
	local ok=1 k ver rev have=""
	ver=$(sed -n 2p "$LINUX/VERSION" 2>/dev/null)
	rev=$(cat "$OUT/rev" 2>/dev/null || echo unknown)
	for k in $ALL_RUNS; do
		[ -f "$LOGS/$k.log" ] || continue
		compute "$LOGS/$k.log" >"$OUT/$k.fig"
		if grep -q '^missing' "$OUT/$k.fig"; then
			in_runs "$k" && ok=0
			echo "bench-linux: $k boot: no figures: $(grep '^missing' "$OUT/$k.fig" | cut -d' ' -f2-) (see $LOGS/$k.log)" >&2
			continue
		fi
		have="$have $k"
		case $k in vireo*) stats_of "$LOGS/$k.log" | sort -t$'\t' -k3,3nr >"$OUT/$k.exits" ;; esac
	done
	for k in $RUNS; do [ -f "$LOGS/$k.log" ] || ok=0; done
	local f a b c x
	{
		echo "Linux boot benchmark: $ver, ${MEM} MiB, Bochs $CPU_MODEL, Vireo $rev"
		echo "Figures are instructions (= guest TSC ticks under Bochs clock sync=none), counted from the"
		echo "kernel's TSC clock start (tsc_early_init, early in setup_arch) to the kernel's"
		echo "'Run /init' line and to the prompt marker (where /init starts the shell);"
		echo "see docs/bench-linux.md for the method."
		echo
		printf '  %-14s %-38s %9s %14s %11s %14s %13s %7s %6s\n' boot "" "TSC MHz" "-> Run /init" \
			"-> prompt" "clock->prompt" "before clk(*)" exits "wall s"
		for k in $have; do
			f=$OUT/$k.fig
			a=$(get "$f" to_init) b=$(get "$f" to_prompt)
			x=-
			[ ! -f "$OUT/$k.exits" ] || x=$(commas "$(awk -F'\t' '{ e += $2 } END { print e + 0 }' "$OUT/$k.exits")")
			printf '  %-14s %-38s %9s %14s %11s %14s %13s %7s %6s\n' "$k" "$(boot_desc "$k")" \
				"$(x=$(get "$f" mhz_ref); echo "${x:-$(get "$f" mhz)}")" "$(commas "$a")" "$(commas $((b - a)))" "$(commas "$b")" \
				"$(commas "$(get "$f" clock_tsc)")" "$x" "$(cat "$LOGS/$k.time" 2>/dev/null)"
		done
		echo "  (TSC MHz: the kernel's rate, refined if it was; Run /init -> prompt marker in '-> prompt')"
		echo "  (*) guest TSC at the kernel's clock start: natively from Bochs power-on (BIOS, GRUB"
		echo "      reading bzImage and initrd from the CD, the decompressor, early setup); under Vireo"
		echo "      from VM creation, where its guest TSC starts at 0 (decompressor, early setup)."
		echo "      Not comparable between the two; in no ratio."
		echo
		echo "Vireo / native (instructions):"
		printf '  %-38s %-14s %-14s %12s %12s\n' pair native Vireo "-> Run /init" "-> prompt"
		while IFS='|' read -r c a b; do
			[ -f "$OUT/$a.fig" ] && [ -f "$OUT/$b.fig" ] || continue
			case " $have " in *" $a "*) ;; *) continue ;; esac
			case " $have " in *" $b "*) ;; *) continue ;; esac
			printf '  %-38s %-14s %-14s %12s %12s\n' "$c" "$a" "$b" \
				"$(ratio "$(get "$OUT/$a.fig" to_init)" "$(get "$OUT/$b.fig" to_init)")" \
				"$(ratio "$(get "$OUT/$a.fig" to_prompt)" "$(get "$OUT/$b.fig" to_prompt)")"
		done <<<"$PAIRS"
		echo "  target (issue): boot to prompt <= 1.10"
		echo
		local max=0 w=50
		for k in $have; do
			b=$(get "$OUT/$k.fig" to_prompt)
			((b > max)) && max=$b
		done
		echo "Clock start -> prompt marker (instructions; full bar = $(commas "$max")):"
		for k in $have; do
			b=$(get "$OUT/$k.fig" to_prompt)
			printf '  %-14s %s %s\n' "$k" "$(bar "$b" "$max" $w)" "$(commas "$b")"
		done
		echo
		echo "Check (conversion of timestamps to ticks): RDTSC delta between the two markers"
		echo "vs. their timestamp delta x the kernel's TSC rate:"
		for k in $have; do
			printf '  %-14s %12s vs %12s\n' "$k" "$(commas "$(get "$OUT/$k.fig" check_rdtsc)")" \
				"$(commas "$(get "$OUT/$k.fig" check_ts)")"
		done
		echo
		for k in $have; do
			[ -s "$OUT/$k.exits" ] && exit_table "$k"
		done
	} | tee "$OUT/results.txt"
	{
		echo "{"
		printf '  "kernel": "%s", "mem_mib": %s, "cmdline": "%s", "cpu_model": "%s", "rev": "%s",\n' \
			"$ver" "$MEM" "$APPEND" "$CPU_MODEL" "$rev"
		printf '  "boots": {'
		local sep=""
		for k in $have; do
			printf '%s\n    "%s": {"desc": "%s"' "$sep" "$k" "$(boot_desc "$k")"
			awk '$1 != "missing" && $1 != "note" { printf ", \"%s\": %s", $1, $2 }' "$OUT/$k.fig"
			if [ -s "$OUT/$k.exits" ]; then
				printf ', "exits": ['
				awk -F'\t' '{ printf "%s{\"reason\": \"%s\", \"exits\": %s, \"handler_ticks\": %s}", s, $1, $2, $3; s = ", " }' "$OUT/$k.exits"
				printf ']'
			fi
			printf '}'
			sep=","
		done
		printf '\n  },\n  "ratios": ['
		sep=""
		while IFS='|' read -r c a b; do
			case " $have " in *" $a "*) ;; *) continue ;; esac
			case " $have " in *" $b "*) ;; *) continue ;; esac
			printf '%s\n    {"pair": "%s", "native": "%s", "vireo": "%s", "to_init": %s, "to_prompt": %s}' "$sep" "$c" "$a" "$b" \
				"$(ratio "$(get "$OUT/$a.fig" to_init)" "$(get "$OUT/$b.fig" to_init)")" \
				"$(ratio "$(get "$OUT/$a.fig" to_prompt)" "$(get "$OUT/$b.fig" to_prompt)")"
			sep=","
		done <<<"$PAIRS"
		printf '\n  ]\n}\n'
	} >"$OUT/results.json"
	[ $ok = 1 ]
}
in_runs() { case " $RUNS " in *" $1 "*) return 0 ;; esac; return 1; }

main() {
	trap 'trap - INT TERM; kill $(jobs -p) 2>/dev/null; wait; exit 130' INT TERM
	build
	mkdir -p "$LOGS"
	# (BENCH_LINUX_RUNS= only reports on the logs there are)
	[ -z "$RUNS" ] || make_bench_initrd
	# what the boots ran: the tree (HEAD, dirty or not) and the Vireo image
	[ -z "$RUNS" ] || echo "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(
		git diff --quiet HEAD -- arch core devices loaders lib 2>/dev/null || echo +dirty), vireo.elf sha256 $(
		sha256sum "${VIREO_ELF:-$BUILD/vireo.elf}" 2>/dev/null | cut -c1-12)" >"$OUT/rev"
	local r
	# one boot after the other: each Bochs needs a core of its own
	for r in $RUNS; do "run_$r"; done
	echo
	report || { echo "bench-linux: some figures are missing (logs in $LOGS)" >&2; exit 1; }
	echo
	echo "bench-linux: results in $OUT/results.txt, $OUT/results.json (logs in $LOGS)"
}

main "$@"
