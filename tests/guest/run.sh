#!/usr/bin/env bash
# Guest-test harness: boots the test guests (build/guests/) under Vireo with
# `./vireo run ...` and checks each scenario's exit status, required lines
# (Perl regexes, matched anywhere in a line of stdout+stderr) and forbidden
# lines. Logs: build/guest-tests/NAME.log.
#
#   tests/guest/run.sh [-l] [NAME...]     (-l lists the scenarios)
# Environment: BUILD (build), VIREO (./vireo), GUEST_TEST_JOBS (2 in
# parallel), GUEST_TEST_TIMEOUT (seconds per scenario given to --timeout, 180).
# Prints "PASS name" / "FAIL name (reason)" (+ log tail) per scenario and
# "guest: N passed, N failed" at the end; exits 1 if any failed.
set -u
BUILD=${BUILD:-build}
VIREO=${VIREO:-./vireo}
JOBS=${GUEST_TEST_JOBS:-2}
TMO=${GUEST_TEST_TIMEOUT:-180}
G=$BUILD/guests
OUT=$BUILD/guest-tests

SCENARIOS="realmode cpuid hypercall hypercall64 portio portio64 msr msr64 exceptions exceptions64
	lapic mbinfo fpu pattern overrun triple garbage smp2 smp4 smp2x2apic"

# Lines no scenario may print: a failed check or a failed RESULT.
FORBID_DEFAULT=('^(\[[^]]*\] )?FAIL ' 'RESULT: FAIL')

# vm_file FILE key=value...  writes a VM description file
vm_file() {
	local f=$1
	shift
	printf '%s\n' "$@" >"$f"
}

# Each sc_NAME sets ARGS (arguments after `vireo run`), RC (accepted exit
# statuses), REQUIRE and FORBID (regex arrays). $D is a scratch directory.
sc_realmode() {
	vm_file "$D/realmode.vm" name=realmode "kernel=$G/realmode.bin" type=raw load=0x7c00 memory=16M cpus=1
	ARGS=(--vm "$D/realmode.vm")
	RC="1"
	REQUIRE=('real mode' 'protected mode' 'long mode' 'RESULT: PASS')
}
single() { # single NAME [extra args]: a one-VM multiboot scenario ending by debug-exit 0
	local n=$1
	shift
	ARGS=(--kernel "$G/$n.elf" -m 32M --name "$n" "$@")
	RC="1"
	REQUIRE=('RESULT: PASS')
}
sc_cpuid() {
	single cpuid
	REQUIRE+=('ok hypervisor-bit' 'ok signature' 'ok max-hv-leaf' 'ok hv-version' 'ok vmx-hidden' 'ok apic-id-vcpu0')
}
sc_hypercall() {
	single "${1:-hypercall}"
	RC="0"
	REQUIRE+=('^(\[[^]]*\] )?hello via hypercall$' '^(\[[^]]*\] )?crosspage via hypercall$'
		'ok hc-version' 'ok hc-console-empty' 'ok hc-unknown' 'ok hc-vcpu-id' 'exiting via hypercall EXIT\(0\)')
	FORBID+=('^(\[[^]]*\] )?skip ')
}
sc_hypercall64() { sc_hypercall hypercall64; }
sc_portio() {
	single "${1:-portio}"
	REQUIRE+=('e9 rep outsb ok' 'crosspage outsb ok' 'outsb DF=1 ok' 'ok e9-read' 'ok rep-insb-crosspage'
		'ok rep-insd-unclaimed' 'ok insb-df1')
}
sc_portio64() { sc_portio portio64; }
sc_msr() {
	single "${1:-msr}"
	REQUIRE+=('ok unknown-msr-read-gp ' 'ok unknown-msr-write-gp ' 'ok apic-base-value' 'ok pat-readback'
		'ok tsc-msr-monotonic')
}
sc_msr64() { sc_msr msr64; }
sc_exceptions() {
	single "${1:-exceptions}"
	REQUIRE+=('ok de-resumed' 'ok ud-resumed' 'ok bp-resumed' 'ok gp-error-selector' 'ok pf-read-cr2' 'ok pf-write-error')
}
sc_exceptions64() { sc_exceptions exceptions64; }
sc_lapic() {
	single lapic
	REQUIRE+=('ok xapic-icr-delivery-idle' 'ok x2apic-enable' 'ok x2apic-ldr-derived' 'ok x2apic-eoi-read-gp')
}
sc_mbinfo() {
	printf 'VIREO-MODULE-ONE\n' >"$D/mod1.txt"
	printf 'vireo module two, a little longer\n' >"$D/mod2.txt"
	single mbinfo --append "alpha=1 beta=two" --module "$D/mod1.txt" --module "$D/mod2.txt"
	REQUIRE+=('ok cmdline$' 'ok mods-count' 'ok module0-contents' 'ok module1-contents' 'ok loader-name'
		'ok mem-lower' 'ok mem-upper-matches-fwcfg-ram' 'ok mmap-available-ends-at-mem-upper' 'ok mmap-hole-not-available')
}
sc_fpu() {
	vm_file "$D/fpu-a.vm" name=fpu-a "kernel=$G/fpu.elf" memory=32M cpus=1 cmdline=seed=1
	vm_file "$D/fpu-b.vm" name=fpu-b "kernel=$G/fpu.elf" memory=32M cpus=1 cmdline=seed=2
	ARGS=(--vm "$D/fpu-a.vm" --vm "$D/fpu-b.vm")
	RC="0"
	REQUIRE=('^\[fpu-a\] fpu state intact after 5000 exits' '^\[fpu-b\] fpu state intact after 5000 exits'
		'^\[fpu-a\] RESULT: PASS' '^\[fpu-b\] RESULT: PASS')
}
sc_pattern() {
	vm_file "$D/pat-a.vm" name=pat-a "kernel=$G/pattern.elf" memory=32M cpus=1 cmdline=pattern=0x5A
	vm_file "$D/pat-b.vm" name=pat-b "kernel=$G/pattern.elf" memory=32M cpus=1 cmdline=pattern=0xA5
	ARGS=(--vm "$D/pat-a.vm" --vm "$D/pat-b.vm")
	RC="0"
	REQUIRE=('^\[pat-a\] pattern 0x5A intact' '^\[pat-b\] pattern 0xA5 intact'
		'^\[pat-a\] RESULT: PASS' '^\[pat-b\] RESULT: PASS')
}
sibling() { # the well-behaved VM that runs beside a crashing one
	vm_file "$D/sibling.vm" name=sibling "kernel=$G/pattern.elf" memory=32M cpus=1 cmdline=pattern=0x3C
}
sc_overrun() {
	vm_file "$D/overrun.vm" name=overrun "kernel=$G/overrun.elf" memory=32M cpus=1
	sibling
	ARGS=(--vm "$D/overrun.vm" --vm "$D/sibling.vm")
	RC="126"
	REQUIRE=('^\[overrun\] touching memory above RAM' 'above guest RAM|EPT violation'
		'^\[sibling\] pattern 0x3C intact' '^\[sibling\] RESULT: PASS')
	FORBID+=('still alive')
}
sc_triple() {
	vm_file "$D/triple.vm" name=triple "kernel=$G/triple.elf" memory=32M cpus=1
	sibling
	ARGS=(--vm "$D/triple.vm" --vm "$D/sibling.vm")
	RC="126"
	REQUIRE=('^\[triple\] going to triple fault' '^(?!.*going to triple fault).*triple fault'
		'^\[sibling\] pattern 0x3C intact' '^\[sibling\] RESULT: PASS')
	FORBID+=('still alive')
}
sc_garbage() {
	head -c 4096 /dev/urandom >"$D/garbage.bin"
	vm_file "$D/garbage.vm" name=garbage "kernel=$D/garbage.bin" memory=32M cpus=1
	sibling
	ARGS=(--vm "$D/garbage.vm" --vm "$D/sibling.vm")
	RC="0 126"
	# the sibling's lines may or may not carry a prefix once the garbage VM is refused
	REQUIRE=('refused|not a multiboot kernel' '^(\[sibling\] )?pattern 0x3C intact' '^(\[sibling\] )?RESULT: PASS')
}

sc_smp() { # sc_smp NCPUS [--append ...]: INIT/SIPI start of the APs (guests/tests/smp.c)
	local n=$1 i
	shift
	single smp --smp "$n" "$@"
	REQUIRE+=("smp: $n cpus up" 'ok ap-count' 'ok ipi-to-missing-apic-id-ignored' 'ok sipi-to-running-ap-ignored')
	for ((i = 1; i < n; i++)); do REQUIRE+=("ok ap $i started \\(apic id $i\\)"); done
	FORBID+=('^(\[[^]]*\] )?skip ')
}
sc_smp2() { sc_smp 2; }
sc_smp4() { sc_smp 4; }
sc_smp2x2apic() {
	sc_smp 2 --append x2apic=1
	REQUIRE+=('smp test \(on Vireo, x2APIC\)' 'ok bsp-x2apic-enabled')
}

# run_one NAME: runs a scenario, writes $OUT/NAME.result (one line)
run_one() {
	local name=$1 log=$OUT/$1.log res=$OUT/$1.result
	D=$OUT/$name.d
	rm -rf "$D"
	mkdir -p "$D"
	ARGS=() RC="" REQUIRE=() FORBID=("${FORBID_DEFAULT[@]}")
	"sc_$name"
	{
		printf '$ %s run --timeout %s' "$VIREO" "$TMO"
		printf ' %q' "${ARGS[@]}"
		printf '\n'
	} >"$log"
	local t0=$SECONDS
	timeout -k 10 $((TMO + 60)) "$VIREO" run --timeout "$TMO" "${ARGS[@]}" </dev/null >>"$log" 2>&1
	local rc=$?
	local why=() r ok=0
	printf '$ exit status %s after %ss\n' "$rc" $((SECONDS - t0)) >>"$log"
	for r in $RC; do [ "$rc" = "$r" ] && ok=1; done
	[ $ok = 1 ] || why+=("exit status $rc, expected ${RC// / or }")
	for r in "${REQUIRE[@]}"; do
		grep -v '^\$ ' "$log" | grep -qP -- "$r" || why+=("missing /$r/")
	done
	for r in "${FORBID[@]}"; do
		grep -v '^\$ ' "$log" | grep -qP -- "$r" && why+=("forbidden /$r/: $(grep -v '^\$ ' "$log" | grep -P -m1 -- "$r")")
	done
	if [ ${#why[@]} -eq 0 ]; then
		echo "PASS $name" >"$res"
	else
		local IFS=';'
		echo "FAIL $name (${why[*]})" >"$res"
	fi
}

if [ "${1:-}" = "-l" ]; then
	echo $SCENARIOS
	exit 0
fi
LIST=${*:-$SCENARIOS}
for n in $LIST; do
	if ! declare -F "sc_$n" >/dev/null; then
		echo "guest: unknown scenario '$n' (have: $(echo $SCENARIOS))" >&2
		exit 2
	fi
done
if [ ! -x "$VIREO" ]; then
	echo "guest: $VIREO not found or not executable"
	echo "guest: 0 passed, $(echo $LIST | wc -w) failed"
	exit 1
fi
missing=$(for f in realmode.bin cpuid.elf fpu.elf pattern.elf; do [ -f "$G/$f" ] || echo "$G/$f"; done)
if [ -n "$missing" ]; then
	echo "guest: guests not built (run make guests): $missing"
	exit 1
fi
mkdir -p "$OUT"

# run up to $JOBS scenarios at once
running=0
for n in $LIST; do
	rm -f "$OUT/$n.result"
	if [ "$running" -ge "$JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_one "$n" &
	running=$((running + 1))
done
wait

pass=0
fail=0
for n in $LIST; do
	if [ -f "$OUT/$n.result" ]; then
		line=$(cat "$OUT/$n.result")
	else
		line="FAIL $n (harness error: no result)"
	fi
	echo "$line"
	case $line in
	PASS*) pass=$((pass + 1)) ;;
	*)
		fail=$((fail + 1))
		echo "--- last lines of $OUT/$n.log:"
		tail -n 25 "$OUT/$n.log" 2>/dev/null | sed 's/^/    /'
		;;
	esac
done
echo "guest: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
