#!/usr/bin/env bash
# Linux integration test: boots the default Linux guest (tools/linux-guest.sh:
# Debian's cloud kernel and the busybox initramfs) under Vireo with two
# vCPUs, beside a small multiboot VM (guests/demo/hello.vm), drives its
# shell through ./vireo's stdin as a user would type, and checks what the
# commands print and how the VMs end:
#   uname -a                  the kernel booted is the one we built
#   cat /proc/interrupts x 2  local timer (LOC) and ttyS0 counts rise
#   nproc                     both vCPUs online
#   date                      the RTC gave the host's date
#   cat /part2                the initrd is two gzip parts: the guest got both
#   poweroff                  ACPI S5: the run exits 0, "powered off"
# The commands are typed at once: COM1 flow control (RTS) holds them until
# the kernel's serial driver is open, and the tty queues them for the shell.
# Ends with "linux: N passed, N failed"; the log is build/linux-test.log.
set -uo pipefail
exec </dev/null
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 2
BUILD=${BUILD:-build}
LOG=$BUILD/linux-test.log
pass=0 fail=0

ok() { echo "  ok    $1"; pass=$((pass + 1)); }
bad() { echo "  FAIL  $1"; fail=$((fail + 1)); }
check() { # description condition...
	local d=$1
	shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}
finish() {
	echo "linux: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

if ! tools/linux-guest.sh "$BUILD/linux" >"$BUILD/linux-guest.log" 2>&1; then
	bad "default Linux guest built (tools/linux-guest.sh: $(tail -n 1 "$BUILD/linux-guest.log"))"
	finish
fi
ok "default Linux guest built ($(head -n 1 "$BUILD/linux/VERSION"))"

# The initrd: the default one with a second gzip part appended (the
# kernel accepts concatenated archives; the bytes must arrive unchanged).
bad=$(mktemp -d)
script=$bad/typed
trap 'rm -rf "$bad"' EXIT
mkdir "$bad/part2"
echo "second part of the initrd" >"$bad/part2/part2"
(cd "$bad/part2" && echo part2 | cpio -o -H newc --quiet) | gzip >"$bad/part2.gz"
cat "$BUILD/linux/initramfs.cpio.gz" "$bad/part2.gz" >"$bad/initrd.gz"
# Two reads of /proc/interrupts a second apart, then the rest.
printf '%s\n' 'uname -a' 'cat /proc/interrupts' 'sleep 1' 'cat /proc/interrupts' \
	'nproc' 'date +%Y-%m-%d' 'cat /part2' 'poweroff' >"$script"
start=$(date +%s)
./vireo run --kernel "$BUILD/linux/bzImage" --initrd "$bad/initrd.gz" \
	--append console=ttyS0 -m 256M --smp 2 --name linux --vm guests/demo/hello.vm \
	--timeout 900 --stats <"$script" >"$LOG" 2>&1
rc=$?
echo "  (boot, commands and poweroff took $(( $(date +%s) - start )) s wall; log $LOG)"
all=$(tr -d '\r' <"$LOG")
# Two VMs: each line of a VM's console carries its name.
out=$(sed -n 's/^\[linux\] //p' <<<"$all")

check "exit status 0 (got $rc)" [ "$rc" = 0 ]
check "Linux ended by ACPI S5 (powered off)" grep -q 'VM linux stopped: powered off (ACPI S5)' <<<"$all"
check "the multiboot VM beside it ran to its end" grep -q '^\[hello\] goodbye' <<<"$all"
check "summary: 2 VMs ran, 0 refused" grep -q 'summary: 2 VMs ran, 0 refused' <<<"$all"
check "reached the shell prompt" grep -q '^vireo-linux# ' <<<"$out"
version=$(sed -n 's/^linux-image-\(.*\)$/\1/p' "$BUILD/linux/VERSION")
check "uname -a names the kernel built ($version)" \
	grep -q "^Linux .* $version .* x86_64" <<<"$out"

# /proc/interrupts rows: "LOC:  n0  n1  Local timer interrupts", and
# " 4:  n0  n1  IO-APIC  4-edge  ttyS0". Sum the CPU columns of each read.
sums() { # pattern: the sum of the row's counts, one line per read
	grep -E "$1" <<<"$out" | awk '{ s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }'
}
mapfile -t loc < <(sums '^ *LOC:')
mapfile -t com < <(sums 'IO-APIC .*ttyS0$')
rises() { [ "$#" = 2 ] && [ "$1" -gt 0 ] && [ "$2" -gt "$1" ]; }
check "local timer interrupts rise between two reads (${loc[*]:-none})" rises "${loc[@]}"
check "ttyS0 interrupts counted via the I/O APIC (${com[*]:-none})" \
	bash -c "grep -qE 'IO-APIC +4-edge +ttyS0' <<<\"\$1\"" _ "$out"
check "ttyS0 interrupts rise between two reads (${com[*]:-none})" rises "${com[@]}"
nproc=$(grep -A1 -E '^vireo-linux# nproc$' <<<"$out" | tail -n 1)
check "nproc says 2: both vCPUs online (${nproc:-none})" [ "$nproc" = 2 ]
# The RTC is read from the host's clock: the guest's date is today's
# (or yesterday's/tomorrow's across midnight or time zones).
dates="$(date -u +%Y-%m-%d) $(date -u -d yesterday +%Y-%m-%d) $(date -u -d tomorrow +%Y-%m-%d)"
guest_date=$(grep -oE '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' <<<"$out" | tail -n 1)
check "date is the host's (${guest_date:-none})" bash -c '[ -n "$1" ] && [[ " $2 " == *" $1 "* ]]' _ "$guest_date" "$dates"
check "both gzip parts of the initrd arrived" grep -qx 'second part of the initrd' <<<"$out"
check "no kernel warning or oops" bash -c '! grep -qE "WARNING: CPU|BUG:|Oops|Call Trace" <<<"$1"' _ "$out"
check "console input reached the Linux VM (focus moves when hello ends)" \
	grep -q 'console input goes to VM linux' <<<"$all"

# Malformed Linux images, in one boot: each is refused with its reason and
# the healthy multiboot VM beside them runs to its end.
head -c 4096 /dev/zero >"$bad/old.bz"        # protocol 2.04, 0xAA55, HdrS
printf '\x55\xaa' | dd of="$bad/old.bz" bs=1 seek=510 conv=notrunc status=none
printf 'HdrS\x04\x02' | dd of="$bad/old.bz" bs=1 seek=514 conv=notrunc status=none
head -c 3000 "$BUILD/linux/bzImage" >"$bad/trunc.bz"
head -c $((16 << 20)) /dev/zero >"$bad/big.initrd"
./vireo run --kernel "$bad/old.bz" --type linux --name old \
	--kernel "$bad/trunc.bz" --type linux --name trunc \
	--kernel "$BUILD/linux/bzImage" --name small -m 64M \
	--kernel "$BUILD/linux/bzImage" --name bigrd -m 80M --initrd "$bad/big.initrd" \
	--vm guests/demo/hello.vm --timeout 300 >"$BUILD/linux-bad.log" 2>&1
rc=$?
bad_out=$(tr -d '\r' <"$BUILD/linux-bad.log")
refused() { # name pattern
	grep -qE "vireo: VM '[^']*$1[^']*' refused: $2" <<<"$bad_out"
}
check "old protocol refused: 2.04 is older than 2.06" refused old 'Linux boot protocol 2\.04 is older than 2\.06'
check "truncated image refused" refused trunc 'bzImage truncated'
check "kernel without room to decompress refused (-m 64M)" refused small 'kernel needs 0x[0-9a-f]+ bytes of guest RAM \(init_size\)'
check "initrd that does not fit refused (16 MiB in -m 80M)" refused bigrd 'initrd of 16 MiB does not fit'
check "the healthy VM beside them ran to its end" grep -q '^\[hello\] goodbye' <<<"$bad_out"
check "summary: 1 VM ran, 4 refused; result 126 (got $rc)" \
	bash -c 'grep -q "summary: 1 VM ran, 4 refused" <<<"$1" && [ "$2" = 126 ]' _ "$bad_out" "$rc"
finish
