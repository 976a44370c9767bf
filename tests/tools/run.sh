#!/usr/bin/env bash
# Self-test of the host tools (./vireo, tools/mkiso.sh, tools/bochsrc.sh).
# Needs no hypervisor build: option checking and the generated grub.cfg and
# bochsrc are tested with --dry-run, and one real Bochs boot uses a tiny
# native multiboot kernel (hello.S) through `./vireo boot-iso`, the same
# console-streaming and exit-code path as `./vireo run`.
# Ends with "tools: N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
# ./vireo types its stdin into the VM when it is a terminal or a pipe;
# these runs type nothing.
exec </dev/null

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/tests/tools
VIREO=$ROOT/vireo
T=$(mktemp -d "${TMPDIR:-/tmp}/vireo-tools-test.XXXXXX")
trap 'rm -rf -- "$T"' EXIT

pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "  ok    $1"; }
bad() { fail=$((fail + 1)); echo "  FAIL  $1"; [ $# -lt 2 ] || printf '%s\n' "$2" | sed 's/^/        /'; }
skipped() { skip=$((skip + 1)); echo "  skip  $1"; }

# expect_rc RC DESC CMD...: run CMD (in $T), check its exit status; keep
# stdout/stderr in $T/out and $T/err for further checks.
expect_rc() {
	local want=$1 desc=$2 rc=0
	shift 2
	(cd "$T" && "$@") >"$T/out" 2>"$T/err" </dev/null || rc=$?
	if [ "$rc" = "$want" ]; then ok "$desc"; return 0; fi
	bad "$desc (exit $rc, want $want)" "$(head -c 600 "$T/err")"
	return 1
}

# A usage error: exit 2 and a one-line "vireo: ..." message on stderr.
expect_usage() {
	local desc=$1
	shift
	expect_rc 2 "$desc" "$@" || return 0
	if [ "$(wc -l <"$T/err")" != 1 ] || ! grep -q '^vireo: ' "$T/err"; then
		bad "$desc: message is not one 'vireo: ...' line" "$(cat "$T/err")"
	fi
}

# expect_grep DESC PATTERN FILE: FILE holds a line matching the fixed string.
expect_line() {
	if grep -qxF -- "$2" "$3"; then ok "$1"; else bad "$1" "missing line: $2"$'\n'"in:"$'\n'"$(cat "$3")"; fi
}

# ---------------------------------------------------------------- fixtures
cd "$T" || exit 1
printf 'not really a kernel\n' >k.elf
cp k.elf other.elf
printf 'module data\n' >data.bin
printf 'ramdisk\n' >initrd.img
cat >good.vm <<'EOF'
# a comment, then a blank line

name=alpha
kernel=k.elf
memory=64M
cpus=2
cmdline=  console=com1 msg="hi there" path=C:\dir $HOME 'q'
module=data.bin first module string
module=data.bin
initrd=initrd.img
EOF
printf 'kernel=other.elf\r\nmemory=200M\r\n' >beta.vm   # CRLF, name from file name
printf 'kernel=k.elf\nflavour=vanilla\n' >unknown-key.vm
printf 'kernel=k.elf\nmemory=lots\n' >bad-number.vm
printf 'kernel=k.elf\ncpus=0\n' >bad-cpus.vm
printf 'name=alpha\nkernel=other.elf\n' >dup.vm
printf 'memory=32M\n' >no-kernel.vm
printf 'kernel=missing.elf\n' >missing-kernel.vm
printf 'kernel=k.elf\njust a line\n' >no-equals.vm
cd "$ROOT" || exit 1

echo "tools: usage errors"
expect_usage "no arguments" "$VIREO"
expect_usage "unknown command" "$VIREO" frobnicate
expect_usage "unknown option" "$VIREO" run --kernel k.elf --frob
expect_usage "option without its argument" "$VIREO" run --kernel
expect_usage "no VM at all" "$VIREO" run --stats
expect_usage "missing kernel file" "$VIREO" run --kernel nothere.elf --dry-run
expect_usage "bad -m value (unit)" "$VIREO" run --kernel k.elf -m 12Q --dry-run
expect_usage "bad -m value (zero)" "$VIREO" run --kernel k.elf -m 0 --dry-run
expect_usage "bad -m value (not whole MiB)" "$VIREO" run --kernel k.elf -m 1536K --dry-run
expect_usage "bad -m value (too big)" "$VIREO" run --kernel k.elf -m 64G --dry-run
expect_usage "bad --smp" "$VIREO" run --kernel k.elf --smp 0 --dry-run
expect_usage "bad --type" "$VIREO" run --kernel k.elf --type elf --dry-run
expect_usage "raw without --load" "$VIREO" run --kernel k.elf --type raw --dry-run
expect_usage "--load on a multiboot kernel" "$VIREO" run --kernel k.elf --load 0x1000 --dry-run
expect_usage "bad --load" "$VIREO" run --kernel k.elf --type raw --load 12zz --dry-run
expect_usage "bad --name" "$VIREO" run --kernel k.elf --name 'a b' --dry-run
expect_usage "-m twice for one kernel" "$VIREO" run --kernel k.elf -m 8M -m 16M --dry-run
expect_usage "VM option without --kernel" "$VIREO" run --vm good.vm -m 64M --dry-run
expect_usage "missing module file" "$VIREO" run --kernel k.elf --module nope.bin --dry-run
expect_usage "bad --timeout" "$VIREO" run --kernel k.elf --timeout soon --dry-run
expect_usage "bad --emulator" "$VIREO" run --kernel k.elf --emulator vmware --dry-run
expect_usage "bad --loglevel" "$VIREO" run --kernel k.elf --loglevel loud --dry-run
expect_usage "missing --vm file" "$VIREO" run --vm nothere.vm --dry-run
expect_usage "unknown key in --vm file" "$VIREO" run --vm unknown-key.vm --dry-run
grep -q 'unknown-key.vm:2: unknown key' "$T/err" && ok "  ...names file and line" || bad "unknown key message" "$(cat "$T/err")"
expect_usage "bad number in --vm file" "$VIREO" run --vm bad-number.vm --dry-run
expect_usage "bad cpus in --vm file" "$VIREO" run --vm bad-cpus.vm --dry-run
expect_usage "line without = in --vm file" "$VIREO" run --vm no-equals.vm --dry-run
expect_usage "--vm file without kernel" "$VIREO" run --vm no-kernel.vm --dry-run
expect_usage "--vm file with a missing kernel" "$VIREO" run --vm missing-kernel.vm --dry-run
expect_usage "duplicate VM name (files)" "$VIREO" run --vm good.vm --vm dup.vm --dry-run
expect_usage "duplicate VM name (--name)" "$VIREO" run --kernel k.elf --name x --kernel other.elf --name x --dry-run
expect_usage "--emulator none without --iso" "$VIREO" run --kernel k.elf --emulator none
expect_usage "vireo.elf not built" env VIREO_ELF=/nonexistent/vireo.elf "$VIREO" run --kernel k.elf
grep -q 'build/vireo.elf not found — run make' "$T/err" && ok "  ...says to run make" || bad "vireo.elf message" "$(cat "$T/err")"
expect_usage "boot-iso without ISO" "$VIREO" boot-iso
expect_rc 0 "help" "$VIREO" help
grep -q '^  124 ' "$T/out" && grep -q '^  125 ' "$T/out" && grep -q '^  2 ' "$T/out" &&
	ok "  ...documents exit codes" || bad "help lacks exit codes"

echo "tools: generated grub.cfg and bochsrc (--dry-run)"
expect_rc 0 "dry run, two kernels and two VM files" "$VIREO" run --dry-run --loglevel debug --stats \
	--vm good.vm --vm beta.vm \
	--kernel k.elf -m 1G --smp 3 --append 'x "y z"' --module data.bin --name gamma \
	--kernel other.elf --type raw --load 31744
cat >"$T/want" <<'EOF'
# boot/grub/grub.cfg
# Generated by ./vireo run
set timeout=0
set default=0
# GRUB's own messages stay on the VGA console: COM1 carries only Vireo's output.
terminal_input console
terminal_output console
menuentry "Vireo" {
	multiboot2 /boot/vireo.elf loglevel=debug stats=1
	module2 --nounzip /guests/0-k.elf /guests/0-k.elf name=alpha type=multiboot mem=64M cpus=2 "cmdline=  console=com1 msg=\"hi there\" path=C:\\dir \$HOME 'q'"
	module2 --nounzip /guests/1-initrd.img type=module vm=alpha "cmdline=initrd.img"
	module2 --nounzip /guests/2-data.bin type=module vm=alpha "cmdline=first module string"
	module2 --nounzip /guests/3-data.bin type=module vm=alpha "cmdline=data.bin"
	module2 --nounzip /guests/4-other.elf /guests/4-other.elf name=beta type=multiboot mem=200M cpus=1 "cmdline="
	module2 --nounzip /guests/5-k.elf /guests/5-k.elf name=gamma type=multiboot mem=1024M cpus=3 "cmdline=x \"y z\""
	module2 --nounzip /guests/6-data.bin type=module vm=gamma "cmdline=data.bin"
	module2 --nounzip /guests/7-other.elf /guests/7-other.elf name=vm3 type=raw mem=32M cpus=1 load=0x7c00 "cmdline="
	boot
	halt
}
EOF
sed -n '1,/^}$/p' "$T/out" >"$T/got"
if diff -u "$T/want" "$T/got" >"$T/diff"; then ok "grub.cfg content"; else bad "grub.cfg content" "$(cat "$T/diff")"; fi
# 64 + 200 + 1024 + 32 + 128 = 1448 -> next multiple of 32
expect_line "bochsrc megs = guests + 128, rounded to 32" "megs: 1472" "$T/out"
expect_line "bochsrc cpu line" "cpu: model=corei7_skylake_x, count=1, ips=50000000, reset_on_triple_fault=0" "$T/out"
for l in "boot: cdrom" "display_library: term" "com1: enabled=1, mode=file, dev=serial.log" \
	"clock: sync=none, time0=local" "panic: action=fatal" "error: action=report" \
	"port_e9_hack: enabled=0" "mouse: enabled=0" "speaker: enabled=0" \
	"ata0-master: type=cdrom, path=vireo.iso, status=inserted"; do
	expect_line "bochsrc: $l" "$l" "$T/out"
done

expect_rc 0 "dry run, one kernel, defaults" "$VIREO" run --dry-run --kernel k.elf --cpu-model tigerlake
expect_line "default VM line" $'\tmodule2 --nounzip /guests/0-k.elf /guests/0-k.elf name=vm0 type=multiboot mem=32M cpus=1 "cmdline="' "$T/out"
expect_line "default loglevel and stats" $'\tmultiboot2 /boot/vireo.elf loglevel=info stats=0' "$T/out"
expect_line "bochsrc megs at least 256" "megs: 256" "$T/out"
expect_line "--cpu-model" "cpu: model=tigerlake, count=1, ips=50000000, reset_on_triple_fault=0" "$T/out"
expect_rc 0 "--strict-mmio" "$VIREO" run --dry-run --kernel k.elf --strict-mmio
expect_line "  ...strict-mmio=1 on the module line" $'\tmodule2 --nounzip /guests/0-k.elf /guests/0-k.elf name=vm0 type=multiboot mem=32M cpus=1 strict-mmio=1 "cmdline="' "$T/out"
printf 'kernel=k.elf\nstrict-mmio=1\n' >"$T/strict.vm"
expect_rc 0 "strict-mmio=1 in a VM file" "$VIREO" run --dry-run --vm "$T/strict.vm"
expect_line "  ...strict-mmio=1 on its module line" $'\tmodule2 --nounzip /guests/0-k.elf /guests/0-k.elf name=strict type=multiboot mem=32M cpus=1 strict-mmio=1 "cmdline="' "$T/out"
printf 'kernel=k.elf\nstrict-mmio=yes\n' >"$T/strict2.vm"
expect_rc 2 "strict-mmio=yes refused" "$VIREO" run --dry-run --vm "$T/strict2.vm"
expect_rc 0 "--on-reset stop" "$VIREO" run --dry-run --kernel k.elf --on-reset stop
expect_line "  ...on-reset=stop on the module line" $'\tmodule2 --nounzip /guests/0-k.elf /guests/0-k.elf name=vm0 type=multiboot mem=32M cpus=1 on-reset=stop "cmdline="' "$T/out"
expect_rc 2 "--on-reset reboot refused" "$VIREO" run --dry-run --kernel k.elf --on-reset reboot
expect_rc 2 "--console-input of a missing file" "$VIREO" run --dry-run --kernel k.elf --console-input "$T/no-such-input"
expect_line "  ...says which" "vireo: --console-input: '$T/no-such-input' not readable" "$T/err"
expect_rc 2 "VMs too large for Bochs (2048 MiB at most)" "$VIREO" run --dry-run --kernel k.elf -m 1984M
expect_line "  ...says so" "vireo: the VMs need 1984 MiB, their files 1 MiB and Vireo 128 MiB: more than the 2048 MiB Bochs emulates (use --emulator qemu-kvm for larger VMs)" "$T/err"
# k.elf is one page: 1 MiB of files, so 2048 - 128 - 1 is the most.
expect_rc 0 "the largest VM Bochs can hold" "$VIREO" run --dry-run --kernel k.elf -m 1919M
expect_line "  ...machine of 2048 MiB" "megs: 2048" "$T/out"
expect_usage "1 MiB more: refused" "$VIREO" run --dry-run --kernel k.elf -m 1920M

expect_rc 0 "dry run, cmdline quoting" "$VIREO" run --dry-run --kernel k.elf \
	--append 'a  b "c d" e\f $g'"'"'h'"'"' ${i}'
expect_line "  ...quotes \\ \" \$ and keeps spaces" \
	$'\tmodule2 --nounzip /guests/0-k.elf /guests/0-k.elf name=vm0 type=multiboot mem=32M cpus=1 "cmdline=a  b \\"c d\\" e\\\\f \\$g\'h\' \\${i}"' "$T/out"
expect_usage "newline in --append" "$VIREO" run --dry-run --kernel k.elf --append $'a\nb'

# --hv-append: words go onto Vireo's own multiboot2 line, after loglevel= and
# stats=, one GRUB word each; plain words bare, others quoted as for --append.
expect_rc 0 "dry run, --hv-append" "$VIREO" run --dry-run --kernel k.elf --hv-append 'apicv=0  quantum_ms=5' \
	--stats --hv-append 'msg="a$b" c\d'
expect_line "  ...appends words to the multiboot2 line" \
	$'\tmultiboot2 /boot/vireo.elf loglevel=info stats=1 apicv=0 quantum_ms=5 "msg=\\"a\\$b\\"" "c\\\\d"' "$T/out"
expect_line "  ...leaves the VM line alone" $'\tmodule2 --nounzip /guests/0-k.elf /guests/0-k.elf name=vm0 type=multiboot mem=32M cpus=1 "cmdline="' "$T/out"
expect_usage "newline in --hv-append" "$VIREO" run --dry-run --kernel k.elf --hv-append $'a\nb'
expect_usage "--hv-append without its argument" "$VIREO" run --kernel k.elf --hv-append
expect_rc 0 "help documents --hv-append" "$VIREO" help
grep -q -- '--hv-append STR' "$T/out" && ok "  ...listed" || bad "help lacks --hv-append"
expect_usage "boot-iso: bad --smp" "$VIREO" boot-iso nothere.iso --smp 9

echo "tools: limits (refused before anything is built)"
# expect_limit DESC MESSAGE CMD...: exit 2, the one-line MESSAGE exactly,
# and no ISO built (--iso names a file that must not appear).
expect_limit() {
	local desc=$1 msg=$2
	shift 2
	rm -f "$T/limit.iso"
	expect_usage "$desc" "$@" --emulator none --iso "$T/limit.iso"
	expect_line "  ...$msg" "$msg" "$T/err"
	[ ! -e "$T/limit.iso" ] || bad "  ...an ISO was built anyway"
}
vms=() i=0
for i in $(seq 0 16); do vms+=(--kernel k.elf -m 2M); done
expect_limit "17 VMs" "vireo: 17 VMs: Vireo runs at most 16" "$VIREO" run "${vms[@]}"
expect_rc 0 "16 VMs of 8 vCPUs" "$VIREO" run --dry-run "${vms[@]:0:64}" --smp 8
[ "$(grep -c 'cpus=8 ' "$T/out")" = 1 ] && [ "$(grep -c '^	module2 .* name=vm15 ' "$T/out")" = 1 ] &&
	ok "  ...all 16 on the GRUB menu" || bad "  ...all 16 on the GRUB menu" "$(cat "$T/out")"
expect_limit "-m 0" "vireo: -m: memory size '0' out of range (2M..3072M)" "$VIREO" run --kernel k.elf -m 0
expect_limit "-m 1 (below 2M)" "vireo: -m: memory size '1' out of range (2M..3072M)" "$VIREO" run --kernel k.elf -m 1
expect_limit "-m 2^40 bytes as MiB" "vireo: -m: memory size '1099511627776' out of range (2M..3072M)" \
	"$VIREO" run --kernel k.elf -m 1099511627776
expect_limit "-m 2^40 KiB" "vireo: -m: memory size '1099511627776K' out of range (2M..3072M)" \
	"$VIREO" run --kernel k.elf -m 1099511627776K
expect_limit "-m 1024G" "vireo: -m: memory size '1024G' out of range (2M..3072M)" "$VIREO" run --kernel k.elf -m 1024G
expect_limit "-m 3073M" "vireo: -m: memory size '3073M' out of range (2M..3072M)" "$VIREO" run --kernel k.elf -m 3073M
expect_limit "-m with 25 digits" "vireo: -m: memory size '9999999999999999999999999G' out of range (2M..3072M)" \
	"$VIREO" run --kernel k.elf -m 9999999999999999999999999G
printf 'kernel=k.elf\nmemory=0\n' >"$T/mem0.vm"
expect_limit "memory=0 in a VM file" "vireo: $T/mem0.vm:2: memory size '0' out of range (2M..3072M)" \
	"$VIREO" run --vm "$T/mem0.vm"
expect_limit "--smp 9" "vireo: --smp: bad cpu count '9' (1..8)" "$VIREO" run --kernel k.elf --smp 9
expect_limit "--smp 4294967297" "vireo: --smp: bad cpu count '4294967297' (1..8)" "$VIREO" run --kernel k.elf --smp 4294967297
# (Bochs' memory: checked for --emulator bochs only, so with --dry-run.)
expect_usage "the VMs' sum over what Bochs has (3 x 640M)" \
	"$VIREO" run --dry-run --kernel k.elf -m 640M --kernel k.elf -m 640M --kernel k.elf -m 640M
expect_line "  ...says so" \
	"vireo: the VMs need 1920 MiB, their files 1 MiB and Vireo 128 MiB: more than the 2048 MiB Bochs emulates (use --emulator qemu-kvm for larger VMs)" \
	"$T/err"
expect_rc 0 "...3 x 639M fit" "$VIREO" run --dry-run --kernel k.elf -m 639M --kernel k.elf -m 639M --kernel k.elf -m 639M
expect_line "  ...in 2048 MiB" "megs: 2048" "$T/out"
# qemu-kvm: the machine's memory is the host's; 16 VMs of 3 GiB want 49281 MiB.
host_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
vms=()
for i in $(seq 16); do vms+=(--kernel k.elf -m 3G); done
if [ "$host_mb" -lt 49281 ]; then
	expect_usage "qemu-kvm: VMs over this host's RAM" "$VIREO" run --dry-run --emulator qemu-kvm "${vms[@]}"
	expect_line "  ...says so" \
		"vireo: the VMs need 49152 MiB, their files 1 MiB and Vireo 128 MiB: more than the $host_mb MiB this host has" \
		"$T/err"
else
	skipped "qemu-kvm: VMs over this host's RAM (the host has $host_mb MiB)"
fi
expect_rc 0 "qemu-kvm: 3 GiB fits (no Bochs limit)" "$VIREO" run --dry-run --emulator qemu-kvm --kernel k.elf -m 3G
head -c $((40 << 20)) /dev/zero >"$T/big.img"
expect_usage "big files count too (1900M VM + a 40 MiB initrd)" \
	"$VIREO" run --dry-run --kernel k.elf -m 1900M --initrd "$T/big.img"
expect_line "  ...says so" \
	"vireo: the VMs need 1900 MiB, their files 41 MiB and Vireo 128 MiB: more than the 2048 MiB Bochs emulates (use --emulator qemu-kvm for larger VMs)" \
	"$T/err"
expect_rc 0 "  ...and give Bochs the room for them" "$VIREO" run --dry-run --kernel k.elf -m 64M --initrd "$T/big.img"
expect_line "  ...64 + 41 + 128 -> 256" "megs: 256" "$T/out"
mods=()
for i in $(seq 9); do mods+=(--module data.bin); done
expect_limit "9 modules for one VM" "vireo: VM 'vm0': 9 modules (--initrd and --module): at most 8 per VM" \
	"$VIREO" run --kernel k.elf "${mods[@]:2}" --initrd initrd.img
expect_rc 0 "  ...8 are fine" "$VIREO" run --dry-run --kernel k.elf "${mods[@]:2}"
vms=()
for i in $(seq 0 10); do vms+=(--kernel k.elf -m 2M --module data.bin --module data.bin); done
expect_limit "33 files in all (11 VMs with 2 modules each)" \
	"vireo: 33 files to load (kernels, initrds and modules): Vireo reads at most 32" "$VIREO" run "${vms[@]}"
expect_rc 0 "  ...32 are fine (8 VMs with 3 modules each)" "$VIREO" run --dry-run \
	$(for i in $(seq 8); do echo --kernel k.elf -m 2M --module data.bin --module data.bin --module data.bin; done)
long=$(head -c 4097 /dev/zero | tr '\0' x)
expect_limit "a 4097-character --append" "vireo: VM 'vm0': command line of 4097 characters: at most 4096" \
	"$VIREO" run --kernel k.elf --append "$long"
expect_rc 0 "  ...4096 are fine" "$VIREO" run --dry-run --kernel k.elf --append "${long:1}"
printf 'kernel=k.elf\ncmdline=%s\n' "$long" >"$T/long.vm"
expect_limit "a 4097-character cmdline= in a VM file" "vireo: VM 'long': command line of 4097 characters: at most 4096" \
	"$VIREO" run --vm "$T/long.vm"
printf 'kernel=k.elf\nmodule=data.bin %s\n' "$long" >"$T/longmod.vm"
expect_limit "a 4097-character module string" "vireo: VM 'longmod': module string of 4097 characters: at most 4096" \
	"$VIREO" run --vm "$T/longmod.vm"
quotes=$(head -c 4096 /dev/zero | tr '\0' '"')
expect_limit "4096 quotes: over 8191 bytes once GRUB quotes them" \
	"vireo: VM 'vm0': command line too long once quoted for GRUB (8305 bytes with its quotes and backslashes; Vireo reads module lines of at most 8191)" \
	"$VIREO" run --kernel k.elf --append "$quotes"
expect_rc 0 "  ...3900 quotes fit" "$VIREO" run --dry-run --kernel k.elf --append "${quotes:196}"
expect_limit "a Vireo command line over 8127 bytes" \
	"vireo: --hv-append: Vireo's command line would be 8212 bytes: at most 8127" \
	"$VIREO" run --kernel k.elf --hv-append "$(head -c 8190 /dev/zero | tr '\0' x)"
head -c 512 /dev/zero >"$T/boot.bin"
expect_limit "raw image loaded at 0xA0000" "vireo: VM 'vm0': --load 0xa0000: a raw image starts in real mode, below 0xA0000" \
	"$VIREO" run --kernel "$T/boot.bin" --type raw --load 0xA0000
expect_limit "raw image running into 0xA0000" \
	"vireo: VM 'vm0': raw image of 512 bytes at 0x9ff00 runs past 0x9FC00 (the ACPI tables, then the legacy hole)" \
	"$VIREO" run --kernel "$T/boot.bin" --type raw --load 0x9FF00
expect_limit "raw image over the ACPI tables at 0x9FC00" \
	"vireo: VM 'vm0': raw image of 512 bytes at 0x9fb00 runs past 0x9FC00 (the ACPI tables, then the legacy hole)" \
	"$VIREO" run --kernel "$T/boot.bin" --type raw --load 0x9FB00
expect_rc 0 "  ...ending right at 0x9FC00 is fine" "$VIREO" run --dry-run --kernel "$T/boot.bin" --type raw --load 0x9FA00
: >"$T/empty.bin"
expect_limit "empty raw image" "vireo: VM 'vm0': kernel '$T/empty.bin' is empty" \
	"$VIREO" run --kernel "$T/empty.bin" --type raw --load 0x7c00
expect_limit "empty kernel" "vireo: VM 'vm0': kernel '$T/empty.bin' is empty" "$VIREO" run --kernel "$T/empty.bin"
expect_limit "a module for a raw image" "vireo: VM 'vm0': 1 module(s): a raw image takes none" \
	"$VIREO" run --kernel "$T/boot.bin" --type raw --load 0x7c00 --module data.bin
expect_limit "a command line for a raw image" "vireo: VM 'vm0': a raw image takes no command line" \
	"$VIREO" run --kernel "$T/boot.bin" --type raw --load 0x7c00 --append x
expect_limit "two modules for a Linux VM" "vireo: VM 'vm0': 2 modules: a Linux VM takes one, its initrd" \
	"$VIREO" run --kernel k.elf --type linux --initrd initrd.img --module data.bin
expect_rc 0 "  ...its initrd alone is fine" "$VIREO" run --dry-run --kernel k.elf --type linux --initrd initrd.img
expect_limit "a 32-character --name" "vireo: --name: bad VM name 'abcdefghijabcdefghijabcdefghijab' (1-31 of A-Z a-z 0-9 _ -)" \
	"$VIREO" run --kernel k.elf --name abcdefghijabcdefghijabcdefghijab
longname=$(head -c 200 /dev/zero | tr '\0' n).elf
cp "$T/k.elf" "$T/$longname"
expect_rc 0 "a 204-character file name" "$VIREO" run --dry-run --kernel "$T/$longname"
path=$(sed -n 's/^	module2 --nounzip \([^ ]*\) .*/\1/p' "$T/out")
[ "${#path}" -le 127 ] && [ "${#path}" -gt 100 ] && ok "  ...its ISO path cut to ${#path} characters (Vireo takes 127)" ||
	bad "  ...its ISO path cut within 127 characters" "$path"
expect_usage "boot-iso -m 3G: more than Bochs has" "$VIREO" boot-iso "$T/big.img" -m 3G
expect_line "  ...says so" "vireo: boot-iso: -m 3072M is more than the 2048 MiB Bochs emulates" "$T/err"
expect_rc 0 "help lists the limits" "$VIREO" help
grep -q '^Limits' "$T/out" && grep -q 'at most 16' "$T/out" && grep -q 'at most 32 (kernels' "$T/out" &&
	ok "  ...VMs, memory, vCPUs, modules, files" || bad "help lacks the limits"

echo "tools: ISO and boot"
have_tools=1
for c in grub-mkrescue xorriso bochs as ld; do command -v "$c" >/dev/null || have_tools=0; done
if [ "$have_tools" = 0 ]; then
	skipped "ISO build and Bochs boot (grub-mkrescue, xorriso, bochs or binutils missing: make deps)"
else
	as --32 -o "$T/hello.o" "$HERE/hello.S" && ld -m elf_i386 -Ttext 0x100000 -o "$T/hello.elf" "$T/hello.o" ||
		bad "assemble hello.S"
	as --32 --defsym HANG=1 -o "$T/hang.o" "$HERE/hello.S" && ld -m elf_i386 -Ttext 0x100000 -o "$T/hang.elf" "$T/hang.o" ||
		bad "assemble hello.S (HANG)"

	# --emulator none builds the ISO only; look inside it.
	expect_rc 0 "--emulator none --iso builds an ISO" env VIREO_ELF="$T/hello.elf" "$VIREO" run \
		--emulator none --iso "$T/vireo.iso" --vm good.vm --append ignored --kernel other.elf
	if xorriso -osirrox on -indev "$T/vireo.iso" -extract /boot/grub/grub.cfg "$T/iso-grub.cfg" \
		-extract /guests/2-data.bin "$T/iso-data.bin" -extract /boot/vireo.elf "$T/iso-vireo.elf" >/dev/null 2>&1 &&
		grep -q 'name=vm1 type=multiboot' "$T/iso-grub.cfg" && cmp -s "$T/iso-data.bin" "$T/data.bin" &&
		cmp -s "$T/iso-vireo.elf" "$T/hello.elf"; then
		ok "  ...holds grub.cfg, vireo.elf and the guest files"
	else
		bad "  ...ISO content"
	fi

	if ROOT_ISO=$("$ROOT/tools/mkiso.sh" -o "$T/native.iso" --native "$T/hello.elf" a 'b c' 2>&1); then
		ok "mkiso.sh --native"
	else
		bad "mkiso.sh --native" "$ROOT_ISO"
	fi
	expect_rc 7 "boot native hello kernel in Bochs: exit code from result line" \
		"$VIREO" boot-iso "$T/native.iso" --timeout 120 --serial-log "$T/serial.txt"
	if [ "$(cat "$T/out")" = $'hello\nvireo: result 7' ]; then ok "  ...streamed console output"; else
		bad "  ...streamed console output" "$(cat "$T/out" "$T/err")"; fi
	if [ "$(cat "$T/serial.txt" 2>/dev/null)" = $'hello\nvireo: result 7' ]; then ok "  ...--serial-log copy"; else
		bad "  ...--serial-log copy"; fi
	# --smp N gives the emulated machine N CPUs (count=N in the bochsrc)
	expect_rc 7 "boot-iso --smp 2: the same kernel on a 2-CPU machine" \
		env VIREO_KEEP=1 "$VIREO" boot-iso "$T/native.iso" --smp 2 --timeout 120
	kept=$(sed -n 's/^vireo: VIREO_KEEP set: run files kept in //p' "$T/err")
	if [ -n "$kept" ] && grep -q '^cpu: .*, count=2,' "$kept/bochsrc"; then ok "  ...bochsrc has count=2"; else
		bad "  ...bochsrc has count=2" "$(cat "$T/err")"; fi
	[ -z "$kept" ] || rm -rf -- "$kept"

	"$ROOT/tools/mkiso.sh" -o "$T/hang.iso" --native "$T/hang.elf" >/dev/null 2>&1
	as --32 --defsym NORESULT=1 -o "$T/nores.o" "$HERE/hello.S" && ld -m elf_i386 -Ttext 0x100000 -o "$T/nores.elf" "$T/nores.o" &&
		"$ROOT/tools/mkiso.sh" -o "$T/nores.iso" --native "$T/nores.elf" >/dev/null 2>&1
	expect_rc 125 "a run without a result line: exit 125" "$VIREO" boot-iso "$T/nores.iso" --timeout 120
	grep -q "^vireo: hypervisor failed (no result line)$" "$T/err" && ok "  ...its message" || bad "  ...its message" "$(cat "$T/err")"

	expect_rc 124 "a guest that never ends: timeout exit code" "$VIREO" boot-iso "$T/hang.iso" --timeout 4
	grep -q '^vireo: timeout after 4 s$' "$T/err" && ok "  ...timeout message" || bad "  ...timeout message" "$(cat "$T/err")"
fi

# The hypervisor itself on a CPU without VT-x (QEMU's TCG has none), booted
# as qemu -kernel boots a multiboot1 kernel: it must say why it cannot run
# guests and end the machine with code 125 through isa-debug-exit.
ELF32="$ROOT/${BUILD:-build}/vireo32.elf"
if command -v qemu-system-x86_64 >/dev/null 2>&1 && [ -f "$ELF32" ]; then
	T2=$(mktemp -d)
	timeout 60 qemu-system-x86_64 -kernel "$ELF32" -display none -no-reboot -m 128 \
		-serial "file:$T2/serial" -device isa-debug-exit,iobase=0xf4,iosize=4 >/dev/null 2>&1
	rc=$?
	if [ "$rc" = 251 ]; then ok "vireo32.elf under qemu -kernel without VT-x: exit code 125 via isa-debug-exit"
	else bad "vireo32.elf under qemu -kernel without VT-x: exit code 125 via isa-debug-exit" "qemu exit $rc"; fi
	if tr -d '\r' <"$T2/serial" | grep -q '^vireo: cannot run guests: CPU has no VT-x (CPUID.1:ECX.VMX=0)$'; then
		ok "  ...names the cause"
	else
		bad "  ...names the cause" "$(cat "$T2/serial")"
	fi
	rm -rf "$T2"
else
	bad "qemu-system-x86_64 or $ELF32 missing (make deps; make kernel)"
fi

total=$((pass + fail))
if [ "$skip" -gt 0 ]; then
	echo "tools: $pass passed, $fail failed, $skip skipped"
else
	echo "tools: $pass passed, $fail failed"
fi
[ "$fail" = 0 ] && [ "$total" -gt 0 ]
