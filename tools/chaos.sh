#!/usr/bin/env bash
# Long chaos runs (issue 9): for each seed, the chaos guest (guests/tests/
# chaos*.c) beside a sibling VM that fills and verifies all its RAM round
# after round, until the chaos guest has caused about EXITS exits. Seeds
# alternate the guest's modes: odd seeds chaos.elf (32-bit with its 16-bit
# segment), even seeds chaos64.elf; every third seed gives the chaos VM two
# vCPUs (IPI/INIT/SIPI/NMI storms at the parked AP), every fourth runs with
# Vireo's software APIC (apicv=0).
#
#   tools/chaos.sh [SEEDS [EXITS]]            (make chaos SEEDS="1 2" EXITS=1000000)
# SEEDS default "1 2 3", EXITS 100000. CHAOS_ARGS adds words to the chaos
# guest's command line (e.g. "skip=wrmsr"; see guests/tests/chaos.c).
# Per seed it prints the exits Vireo counted for the chaos VM (--stats),
# how that VM ended, the sibling's result and the host faults seen (Vireo
# PANIC lines, host exceptions, failed VM entries); the last line is
# "chaos: N passed, N failed". Logs: build/chaos/seed-N.log.
set -u
exec </dev/null
BUILD=${BUILD:-build}
VIREO=${VIREO:-./vireo}
G=$BUILD/guests
OUT=$BUILD/chaos
SEEDS=${1:-${SEEDS:-1 2 3}}
EXITS=${2:-${EXITS:-100000}}
EXTRA=${CHAOS_ARGS:-}

for f in chaos.elf chaos64.elf pattern.elf; do
	if [ ! -f "$G/$f" ]; then
		echo "chaos: $G/$f missing (run make guests)"
		echo "chaos: 0 passed, $(echo $SEEDS | wc -w) failed"
		exit 1
	fi
done
mkdir -p "$OUT"

# Under Bochs an exit costs some thousands of instructions: allow 4 ms of
# wall time per exit, plus the boot, and never less than 5 minutes.
timeout=$((EXITS / 250 + 120))
[ "$timeout" -lt 300 ] && timeout=300
# The guest's own count of the exits it causes runs ahead of Vireo's (it
# counts some that a fault cut short): 1.6-1.7 times over seeds 1 and 2.
guest_exits=$((EXITS * 17 / 10))
# The sibling keeps running for about as long: a round (28 MiB written and
# read back, 1000 exits) takes a few seconds.
rounds=$((EXITS / 20000 + 3))

pass=0
fail=0
for seed in $SEEDS; do
	elf=chaos.elf
	[ $((seed % 2)) = 0 ] && elf=chaos64.elf
	cpus=1
	[ $((seed % 3)) = 0 ] && cpus=2
	hv=()
	[ $((seed % 4)) = 0 ] && hv=(--hv-append apicv=0)
	log=$OUT/seed-$seed.log
	d=$(mktemp -d)
	printf '%s\n' name=chaos "kernel=$G/$elf" memory=32M "cpus=$cpus" \
		"cmdline=cpus=$cpus seed=$seed exits=$guest_exits ops=4000000000 $EXTRA" >"$d/chaos.vm"
	printf '%s\n' name=sibling "kernel=$G/pattern.elf" memory=32M cpus=1 \
		"cmdline=pattern=0x3C whole=1 rounds=$rounds" >"$d/sibling.vm"
	t0=$SECONDS
	"$VIREO" run --vm "$d/chaos.vm" --vm "$d/sibling.vm" --stats --timeout "$timeout" "${hv[@]}" >"$log" 2>&1
	rc=$?
	rm -rf "$d"
	secs=$((SECONDS - t0))
	# the summary line: "vireo:   chaos   <end>   status N   <exits> exits  <reason>"
	sum=$(grep -a -m1 '^vireo:   chaos ' "$log")
	exits=$(sed -n 's/.* \([0-9][0-9]*\) exits .*/\1/p' <<<"$sum")
	reason=$(sed -n 's/.* [0-9][0-9]* exits  //p' <<<"$sum")
	sib=$(grep -a -m1 -o '^\[sibling\] pattern 0x3C intact' "$log" >/dev/null && echo "pattern 0x3C intact ($rounds rounds)" ||
		{ grep -a -m1 '^\[sibling\] FAIL' "$log" || echo "no result"; })
	faults=$(grep -a -c -E 'PANIC|host exception|VM entry failed' "$log")
	echo "seed $seed: $elf, $cpus vCPU(s)${hv:+, apicv=0}: ${exits:-?} exits survived in ${secs}s;" \
		"chaos VM ended: ${reason:-not at all (exit status $rc)}; sibling: $sib; host faults: $faults"
	if [ -n "$reason" ] && [ "$faults" = 0 ] && [[ $sib == pattern* ]] && [ "$rc" != 124 ] && [ "$rc" != 125 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		grep -a -E 'PANIC|host exception|VM entry failed|^\[chaos\] chaos:   op|FAIL' "$log" | tail -n 20 | sed 's/^/    /'
	fi
done
echo "chaos: $pass passed, $fail failed"
[ "$fail" = 0 ]
