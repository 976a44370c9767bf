# shellcheck shell=bash disable=SC2034  # sourced by tests/guest/run.sh, which reads ARGS RC REQUIRE FORBID VIREO
# Limits (issue 9), sourced by tests/guest/run.sh. A run with the maximum
# numbers of VMs and vCPUs works; past each limit Vireo refuses the VM
# with one line that names it and the limit, and the other VMs run; a VM
# refused half-way gives back every page it took (launch.c prints a BUG
# line otherwise, and a debug line when all memory is free again).
#
# ./vireo refuses all of these before it boots anything (tests/tools), so
# the hypervisor's own checks are reached with hand-made ISOs: a grub.cfg
# written here, tools/mkiso.sh --root, ./vireo boot-iso. The scenario's
# VIREO is a small script in $D that does that (run_one calls it as
# `VIREO run --timeout T`, in a subshell of its own).
SCENARIOS+=" limits-max limits-maxmem limits-hv limits-line limits-oom limits-late"

# hand_iso_begin HV-ARGS...: a grub.cfg with Vireo's own line.
hand_iso_begin() {
	mkdir -p "$D/iso/boot/grub" "$D/iso/g"
	cp "$BUILD/vireo.elf" "$D/iso/boot/vireo.elf"
	printf '%s\n' 'set timeout=0' 'set default=0' 'terminal_input console' 'terminal_output console' \
		'menuentry "Vireo" {' >"$D/iso/boot/grub/grub.cfg"
	printf '\tmultiboot2 /boot/vireo.elf %s\n' "$*" >>"$D/iso/boot/grub/grub.cfg"
}
# hand_iso_mod FILE WORDS...: one module2 line (GRUB hands Vireo the WORDS).
hand_iso_mod() {
	local f=$1 b
	shift
	b=$(basename -- "$f")
	[ -f "$D/iso/g/$b" ] || cp -- "$f" "$D/iso/g/$b"
	printf '\tmodule2 --nounzip /g/%s /g/%s %s\n' "$b" "$b" "$*" >>"$D/iso/boot/grub/grub.cfg"
}
# hand_iso_end MEGS: boot it on a machine of MEGS MiB.
hand_iso_end() {
	printf '\tboot\n\thalt\n}\n' >>"$D/iso/boot/grub/grub.cfg"
	cat >"$D/vireo" <<EOF
#!/usr/bin/env bash
# run_one calls: \$0 run --timeout T
tools/mkiso.sh -o "$D/hand.iso" --root "$D/iso" || exit 125
exec ./vireo boot-iso "$D/hand.iso" -m ${1}M "\$2" "\$3"
EOF
	chmod +x "$D/vireo"
	VIREO=$D/vireo
	ARGS=()
}

# 16 VMs (the most) of 8 vCPUs each (the most): 15 print and end on vCPU 0
# with 7 vCPUs waiting for a SIPI that never comes; the 16th starts all 8.
sc_limits-max() {
	local i
	ARGS=(--loglevel debug)
	for i in $(seq 0 14); do ARGS+=(--kernel "$G/hello.elf" -m 4M --smp 8 --name "h$i"); done
	ARGS+=(--kernel "$G/smp.elf" -m 4M --smp 8 --name smp8)
	RC="0"
	REQUIRE=('summary: 16 VMs ran, 0 refused' 'vireo: VM smp8: multiboot, 4 MiB, 8 vCPUs'
		'^\[smp8\] smp: 8 cpus up' '^\[smp8\] RESULT: PASS' 'vireo: host memory: all [0-9]+ KiB free again'
		'^vireo: result 0$')
	for i in $(seq 0 14); do
		REQUIRE+=("vireo: VM h$i: multiboot, 4 MiB, 8 vCPUs" "^\\[h$i\\] goodbye\$" "^vireo:   h$i +exit hypercall")
	done
	FORBID+=('BUG' 'refused:')
}

# The largest VM ./vireo lets Bochs hold: 1919 MiB (+ 1 MiB of files + 128
# MiB for Vireo = the 2048 MiB Bochs emulates); the guest sees all of it.
sc_limits-maxmem() {
	ARGS=(--loglevel debug --kernel "$G/hello.elf" -m 1919M --name big)
	RC="0"
	REQUIRE=('vireo: VM big: multiboot, 1919 MiB' 'RAM ends at 0x77f00000\)' '^goodbye$'
		'vireo: host memory: all [0-9]+ KiB free again' '^vireo: result 0$')
	FORBID+=('BUG' 'refused:')
}

# One boot past every count and size a module line can break: each bad VM
# refused with its name and the limit, the 16 good ones run. 32 modules,
# the most GRUB may hand over (arch/x86/boot/bootinfo.h).
sc_limits-hv() {
	local i
	printf 'module data\n' >"$D/data.bin"
	hand_iso_begin loglevel=debug
	hand_iso_mod "$G/hello.elf" name=ninemods mem=4M
	for i in $(seq 9); do hand_iso_mod "$D/data.bin" type=module vm=ninemods; done
	hand_iso_mod "$G/hello.elf" name=cpus9 mem=4M cpus=9
	hand_iso_mod "$G/hello.elf" name=cpus0 mem=4M cpus=0
	hand_iso_mod "$G/hello.elf" name=cpuswrap mem=4M cpus=4294967297
	hand_iso_mod "$G/hello.elf" name=mem0 mem=0
	hand_iso_mod "$G/hello.elf" name=mem2p40 mem=1099511627776
	for i in $(seq 0 16); do hand_iso_mod "$G/hello.elf" name="h$i" mem=4M cpus=2; done
	hand_iso_end 256
	RC="126"
	REQUIRE=("vireo: VM 'ninemods' refused: more than 8 modules"
		"refused: module 'cpus9': cpus=9 out of range \\(1-8\\)"
		"refused: module 'cpus0': cpus=0 out of range \\(1-8\\)"
		"refused: module 'cpuswrap': cpus=4294967297 out of range \\(1-8\\)"
		"refused: module 'mem0': mem=0 out of range \\(2M-3G\\)"
		"refused: module 'mem2p40': mem=1099511627776 out of range \\(2M-3G\\)"
		"vireo: VM 'h16' refused: at most 16 VMs"
		'summary: 16 VMs ran, 7 refused' 'vireo: host memory: all [0-9]+ KiB free again' '^vireo: result 126$')
	for i in $(seq 0 15); do REQUIRE+=("^\\[h$i\\] goodbye\$"); done
	FORBID+=('BUG' '^\[(h16|ninemods|cpus9|cpus0|cpuswrap|mem0|mem2p40)\]' 'boot information:')
}

# A module line longer than the 8191 bytes Vireo reads: 4085 double quotes
# in cmdline= become 8170 bytes once GRUB puts a backslash before each,
# 8210 with the other words. That module is refused by its index; the VM
# after it runs. Modules a VM's type cannot hand on are refused too, not
# dropped: a second one for a Linux VM, any for a raw image. (./vireo
# refuses all of these before building: tests/tools.)
sc_limits-line() {
	local q
	q=$(head -c 4085 /dev/zero | sed 's/\x0/\\"/g')
	printf 'module data\n' >"$D/data.bin"
	hand_iso_begin loglevel=debug
	hand_iso_mod "$G/hello.elf" name=quotes mem=4M "\"cmdline=$q\""
	hand_iso_mod "$G/hello.elf" name=linux2 type=linux mem=4M
	hand_iso_mod "$D/data.bin" type=module vm=linux2
	hand_iso_mod "$D/data.bin" type=module vm=linux2
	hand_iso_mod "$G/realmode.bin" name=rawmod type=raw mem=4M
	hand_iso_mod "$D/data.bin" type=module vm=rawmod
	hand_iso_mod "$G/hello.elf" name=after mem=4M
	hand_iso_end 256
	RC="126"
	REQUIRE=('vireo: module 0 refused: Multiboot2 module string is 8210 characters, max 8191'
		"vireo: VM 'linux2' refused: 2 modules: a Linux VM takes one, its initrd"
		"vireo: VM 'rawmod' refused: 1 module: a raw image takes none"
		'^\[after\] goodbye$' 'summary: 1 VM ran, 3 refused' 'vireo: host memory: all [0-9]+ KiB free again'
		'^vireo: result 126$')
	FORBID+=('BUG' 'VM quotes' 'bad boot information')
}

# Host memory runs out on the 3rd of 5 VMs (256 MiB machine, about 250 MiB
# for guests): 64M + 64M run, 128M is refused, a 100M VM whose image is
# refused after its RAM was taken gives the RAM back, so the last 100M VM
# (which fits only then) runs.
sc_limits-oom() {
	printf 'not a kernel\n' >"$D/bad.elf"
	hand_iso_begin loglevel=debug
	hand_iso_mod "$G/hello.elf" name=a mem=64M
	hand_iso_mod "$G/hello.elf" name=b mem=64M
	hand_iso_mod "$G/hello.elf" name=c mem=128M
	hand_iso_mod "$D/bad.elf" name=e mem=100M
	hand_iso_mod "$G/hello.elf" name=f mem=100M
	hand_iso_end 256
	RC="126"
	REQUIRE=("vireo: VM 'c' refused: not enough host memory for 128 MiB of guest RAM \\([0-9]+ MiB free\\)"
		"vireo: VM 'e' refused: no Multiboot header" 'vireo: VM f: multiboot, 100 MiB'
		'^\[a\] goodbye$' '^\[b\] goodbye$' '^\[f\] goodbye$' 'summary: 3 VMs ran, 2 refused'
		'vireo: host memory: all [0-9]+ KiB free again' '^vireo: result 126$')
	FORBID+=('BUG' '^\[(c|e)\]')
}

# A VM refused late: kalloc_fail=N makes the Nth host allocation fail. A
# first boot counts the allocations of VMs a (1 vCPU) and b (8 vCPUs); the
# next boots fail b at its guest RAM, at its last vCPU's last page, and at
# its very last allocation (the PC platform, after all 8 vCPUs); each time
# b gives everything back (no BUG line) and c, after it, runs.
sc_limits-late() {
	hand_iso_begin loglevel=debug
	hand_iso_mod "$G/hello.elf" name=a mem=8M
	hand_iso_mod "$G/smp.elf" name=b mem=8M cpus=8
	hand_iso_mod "$G/hello.elf" name=c mem=8M cpus=2
	printf '\tboot\n\thalt\n}\n' >>"$D/iso/boot/grub/grub.cfg"
	cat >"$D/vireo" <<EOF
#!/usr/bin/env bash
# run_one calls: \$0 run --timeout T
boot() { # boot TAG: hand.iso from iso/, booted; output to stdout and \$D/TAG.out
	tools/mkiso.sh -o "$D/hand.iso" --root "$D/iso" || exit 125
	echo "limits-late: boot \$1"
	./vireo boot-iso "$D/hand.iso" -m 256M "\$T1" "\$T2" | tee "$D/\$1.out"
	rc=\${PIPESTATUS[0]}
}
T1=\$2 T2=\$3
boot count
[ "\$rc" = 0 ] || exit 125
na=\$(tr -d '\r' <"$D/count.out" | sed -n 's/^vireo: VM a: \([0-9]*\) host allocations$/\1/p')
nb=\$(tr -d '\r' <"$D/count.out" | sed -n 's/^vireo: VM b: \([0-9]*\) host allocations$/\1/p')
[ -n "\$na" ] && [ -n "\$nb" ] || { echo "limits-late: no allocation counts"; exit 125; }
echo "limits-late: a takes \$na allocations, b \$nb"
for at in ram:\$((na + 2)) last-vcpu:\$((na + nb - 1)) platform:\$((na + nb)); do
	n=\${at#*:} at=\${at%%:*}
	sed -i "s/^\tmultiboot2 .*/\tmultiboot2 \/boot\/vireo.elf loglevel=debug kalloc_fail=\$n/" "$D/iso/boot/grub/grub.cfg"
	boot "\$at"
	[ "\$rc" = 126 ] || exit "\$rc"
	tr -d '\r' <"$D/\$at.out" | grep -q '^\[c\] goodbye\$' && echo "limits-late: b failed at \$at: c ran"
	tr -d '\r' <"$D/\$at.out" | grep -q '^vireo: host memory: all [0-9]* KiB free again' &&
		echo "limits-late: b failed at \$at: all memory free at the end"
done
exit 0
EOF
	chmod +x "$D/vireo"
	VIREO=$D/vireo
	ARGS=()
	RC="0"
	REQUIRE=('^limits-late: a takes [0-9]+ allocations, b [0-9]+$'
		"vireo: VM 'b' refused: not enough host memory for 8 MiB of guest RAM"
		"vireo: VM 'b' refused: out of host memory for vCPU 7$"
		"vireo: VM 'b' refused: out of host memory for the PC platform$"
		'testing: host allocation [0-9]+ of the launch will fail')
	local at
	for at in ram last-vcpu platform; do
		REQUIRE+=("^limits-late: b failed at $at: c ran\$" "^limits-late: b failed at $at: all memory free at the end\$")
	done
	FORBID+=('BUG')
}
