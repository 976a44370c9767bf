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
expect_line "  ...says so" "vireo: the VMs need 1984 MiB and Vireo 128 MiB: more than the 2048 MiB Bochs emulates (use --emulator qemu-kvm for larger VMs)" "$T/err"
expect_rc 0 "the largest VM Bochs can hold" "$VIREO" run --dry-run --kernel k.elf -m 1920M

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
