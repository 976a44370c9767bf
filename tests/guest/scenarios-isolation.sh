# Isolation (issue 9): what a guest can reach outside its RAM
# (guests/tests/isoscan*.c). Sourced by tests/guest/run.sh.
#
#   isoscan         a sibling fills its RAM with a marker and stays alive (halted
#                   on a TSC deadline) while the scanner reads all of its RAM and
#                   the ROM window, and reads/writes every page of the VGA window,
#                   of 1 GiB above RAM and of 0xFEC00000-4 GiB, one page per 2 MiB
#                   between: no marker of the sibling or of the hypervisor image,
#                   all-ones and dropped writes outside RAM, its own RAM intact
#   isoscan-hole1/2 the same scan, every page of the rest of the hole below 4 GiB
#                   (RAM end + 1 GiB to 0xA0000000, and on to 0xFEC00000), no sibling
#   isoscan-strict  with strict-mmio the scan's first access above RAM stops the VM
#   isoscan-high    one access each above 4 GiB (up to MAXPHYADDR), by read, write
#                   and fetch, and code fetches from the windows below 4 GiB: each
#                   VM is stopped with the address
#   isoscan-high2   13 more such reads, at and around each power of two from 2^33 to
#                   MAXPHYADDR (40 on Bochs' corei7_skylake_x; the addresses assume
#                   at least that) and at the hypervisor's marker and host RAM top
#                   + 4 GiB
#   isodma-hc       the console-write hypercall refuses a buffer that leaves RAM,
#                   the page tables or the address space, as a whole
#   isodma-string   REP INS/OUTS over the end of RAM or into the VGA window stop
#                   the VM; an element across a page boundary uses both pages; a
#                   PTE beyond MAXPHYADDR gives #PF with RSVD
#   isofpu          a VM that turns AVX on sees none of another VM's YMM upper
#                   halves (it saw them all until 52a8862 restored every XSAVE
#                   component on a vCPU switch)
#   isoscan-apicoff the same with the local APIC turned off in IA32_APIC_BASE
#   isocr2          a VM never reads another VM's CR2 (it read it every time until
#                   b9e853b switched CR2 with the vCPU)
#   isoscan-x2apic(-soft) in x2APIC mode 0xFEE00000 shows nothing of another VM (whose
#                   vCPU wrote its marker there in x2APIC mode too) and keeps no
#                   write (it failed while one APIC-access page was mapped into
#                   every VM, fixed by 16067f9)
SCENARIOS+=" isoscan isoscan-hole1 isoscan-hole2 isoscan-strict isoscan-high isodma-hc isodma-string
	isoscan-high2 isoscan-x2apic isoscan-x2apic-soft isoscan-apicoff isofpu isocr2"

# The hypervisor marker's address (arch/x86/boot/marker.c), for the scanner to
# name as a GPA; the image must carry the string.
iso_hvmark() {
	local a
	a=$(nm "$BUILD/vireo.elf" 2>/dev/null | awk '$3 == "vireo_image_marker" { print "0x" $1 }')
	echo "${a:-0}"
}
# iso_in_order RE...: the lines must come in this order. run.sh matches lines
# one by one, so this scenario's run goes through a wrapper of $VIREO that
# prints "isolation: lines in order" when they do (run_one runs each scenario
# in a subshell: VIREO changes for this one only).
iso_in_order() {
	local real=$VIREO
	printf '%s\n' "$@" >"$D/order"
	cat >"$D/vireo-order" <<-EOF
		#!/usr/bin/env bash
		"$real" "\$@" | tee "$D/out"
		rc=\${PIPESTATUS[0]}
		awk -v f="$D/order" 'BEGIN { while ((getline l < f) > 0) re[++k] = l; i = 1 }
			i <= k && \$0 ~ re[i] { i++ }
			END { if (i > k) print "isolation: lines in order" }' "$D/out"
		exit \$rc
	EOF
	chmod +x "$D/vireo-order"
	VIREO=$D/vireo-order
	REQUIRE+=('^isolation: lines in order$')
}
# Scanner and sibling; the sibling must have filled before the scan and still
# hold its marker after it.
sc_isoscan() {
	local hv
	hv=$(iso_hvmark)
	grep -q 'VIREO:HV:IMAGE:!' "$BUILD/vireo.elf" || REQUIRE+=('build/vireo.elf lacks its marker')
	vm_file "$D/sib.vm" name=sib "kernel=$G/isoscan.elf" memory=32M cpus=1 "cmdline=role=fill hold=1500000000"
	vm_file "$D/scan.vm" name=scan "kernel=$G/isoscan.elf" memory=32M cpus=1 \
		"cmdline=role=scan hvmark=$hv wait=60000000"
	ARGS=(--vm "$D/sib.vm" --vm "$D/scan.vm")
	RC="0"
	REQUIRE=('^\[scan\] isoscan: RAM 0x2000000, MAXPHYADDR [0-9]+, .*hypervisor marker at HPA 0x[1-9a-f]'
		'^\[sib\] sibling: RAM filled with the marker'
		'^\[scan\] ram\+rom: 8160 pages read' '^\[scan\] above-ram-dense: 262144 pages, last 0x41fff000'
		'^\[scan\] top-20m: 5118 pages' '^\[scan\] RESULT: PASS' '^\[sib\] RESULT: PASS')
	ok_lines detector-finds-hv-marker detector-finds-sibling-marker ram-no-marker hv-marker-hpa-as-gpa-is-own-ram \
		vga-all-ones-writes-dropped rom-writes-dropped above-ram-dense-all-ones-writes-dropped \
		below-4g-per-2m-all-ones-writes-dropped top-20m-all-ones-writes-dropped ioapic-page-no-marker \
		lapic-page-no-marker beyond-maxphyaddr-pf-rsvd own-ram-intact straddle-ram-end-read \
		straddle-ram-end-write-ram-part straddle-ram-end-write-other-part-dropped straddle-low-ram-vga-read \
		straddle-low-ram-vga-write-ram-part straddle-low-ram-vga-write-other-part-dropped straddle-rom-ram-read \
		straddle-rom-ram-write-ram-part straddle-rom-ram-write-other-part-dropped sibling-marker-intact
	FORBID+=('^(\[[^]]*\] )?skip ' 'stopped: fatal')
	iso_in_order '^\[sib\] sibling: RAM filled' '^\[scan\] isoscan: scanning' '^\[scan\] RESULT: PASS' \
		'^\[sib\] ok sibling-marker-intact'
}
iso_hole() { # iso_hole FROM TO PAGES: every page of [FROM, TO)
	vm_file "$D/scan.vm" name=scan "kernel=$G/isoscan.elf" memory=32M cpus=1 \
		"cmdline=role=scan hvmark=$(iso_hvmark) from=$1 to=$2"
	ARGS=(--vm "$D/scan.vm")
	RC="1"
	REQUIRE=("^above-ram-dense: $3 pages" 'ok above-ram-dense-all-ones-writes-dropped' 'ok ram-no-marker'
		'ok below-4g-per-2m-all-ones-writes-dropped' 'ok top-20m-all-ones-writes-dropped' 'ok own-ram-intact'
		'RESULT: PASS')
	FORBID+=('^(\[[^]]*\] )?skip ')
}
sc_isoscan-hole1() { iso_hole 0x42000000 0xa0000000 385024; }
sc_isoscan-hole2() { iso_hole 0xa0000000 0xfec00000 388096; }
sc_isoscan-strict() {
	vm_file "$D/scan.vm" name=scan "kernel=$G/isoscan.elf" memory=32M cpus=1 strict-mmio=1 \
		"cmdline=role=scan strict=1"
	ARGS=(--vm "$D/scan.vm")
	RC="126"
	REQUIRE=('ok ram-no-marker' 'ok vga-all-ones-writes-dropped' 'ok rom-writes-dropped'
		'isoscan: above RAM from 0x2000000'
		'VM scan stopped: vCPU 0: EPT violation: GPA 0x2000000 above guest RAM \(32 MiB\)')
	FORBID+=('still alive' 'unclaimed MMIO' 'above-ram-dense')
}
# probe VM: iso_probe NAME ADDR OP (ADDR top = 2^MAXPHYADDR - 8, half = 2^(MAXPHYADDR-1))
iso_probe() {
	vm_file "$D/$1.vm" name="$1" "kernel=$G/isoscan.elf" memory=8M cpus=1 "cmdline=role=probe addr=$2 op=$3"
	ARGS+=(--vm "$D/$1.vm")
}
sc_isoscan-high() {
	ARGS=()
	iso_probe p4g 0x100000000 read
	iso_probe p4gw 0x100000000 write
	iso_probe p4gx 0x100000000 fetch
	iso_probe p4g32m 0x101fffff8 read
	iso_probe p64gm 0xffffffff8 read
	iso_probe p64g 0x1000000000 write
	iso_probe phalf half read
	iso_probe ptop top read
	iso_probe ptopw top write
	iso_probe pvgax 0xb8000 fetch
	iso_probe pholex 0xc0000000 fetch
	RC="126"
	REQUIRE=()
	local vm
	for vm in p4g p4gw p4gx p4g32m p64gm p64g phalf ptop ptopw; do
		REQUIRE+=("^\\[$vm\\] probe: (read|write|fetch) at GPA 0x[0-9a-f]+ "
			"VM $vm stopped: vCPU 0: EPT violation: GPA 0x[0-9a-f]+ above guest RAM \\(8 MiB\\)")
	done
	REQUIRE+=('VM pvgax stopped: vCPU 0: EPT violation: GPA 0xb8000 in the legacy hole'
		'VM pholex stopped: vCPU 0: EPT violation: GPA 0xc0000000 above guest RAM'
		'VM p4g stopped: .*GPA 0x100000000 ' 'VM p64gm stopped: .*GPA 0xffffffff8 '
		'VM p64g stopped: .*GPA 0x1000000000 ' 'VM p4g32m stopped: .*GPA 0x101fffff8 ')
	FORBID+=('still alive after the (read|write)' 'PANIC')
}
sc_isoscan-high2() {
	local hv a i=0
	hv=$(iso_hvmark)
	ARGS=()
	REQUIRE=()
	for a in 0x1fffffff8 0x200000000 0x400000000 0x800000000 0xffffffff8 0x1000000000 0x2000000000 \
		0x4000000000 0x7ffffffff8 0xc000000000 0xfffffff000 $(printf '0x%x' $((0x100000000 + hv))) 0x110000000; do
		i=$((i + 1))
		iso_probe "q$i" "$a" read
		REQUIRE+=("VM q$i stopped: vCPU 0: EPT violation: GPA $a above guest RAM \\(8 MiB\\)")
	done
	RC="126"
	FORBID+=('still alive after the' 'PANIC')
}
sc_isodma-hc() {
	single isoscan --append "role=dma op=hc"
	REQUIRE+=('^<dma-ok-crosspage>$')
	ok_lines hc-crosspage-returns-length hc-over-ram-end-refused hc-into-vga-window-refused \
		hc-into-unmapped-page-refused hc-wrapping-2\\^64-refused hc-into-noncanonical-refused \
		hc-above-ram-refused hc-huge-length-refused
	FORBID+=('<dma-(ram-end|vga-hole|unmapped|wrap|noncanon)' 'dma-(ram-end|vga-hole|unmapped|wrap|noncanon)')
}
iso_dma_vm() { # iso_dma_vm NAME OP
	vm_file "$D/$1.vm" name="$1" "kernel=$G/isoscan.elf" memory=16M cpus=1 "cmdline=role=dma op=$2"
	ARGS+=(--vm "$D/$1.vm")
}
sc_isodma-string() {
	ARGS=()
	iso_dma_vm insend ins-ram-end
	iso_dma_vm outsend outs-ram-end
	iso_dma_vm inshole ins-hole
	iso_dma_vm outshole outs-hole
	iso_dma_vm inspgx ins-pagecross
	RC="126"
	REQUIRE=('VM insend stopped: vCPU 0: INS buffer at GPA 0x1000000 is not guest RAM'
		'VM outsend stopped: vCPU 0: OUTS buffer at GPA 0x1000000 is not guest RAM'
		'VM inshole stopped: vCPU 0: INS buffer at GPA 0xa0000 is not guest RAM'
		'VM outshole stopped: vCPU 0: OUTS buffer at GPA 0xa0000 is not guest RAM'
		# the elements before the edge were done, as the CPU does them
		'^\[outsend\] dma-out:'
		'^\[inspgx\] RESULT: PASS')
	ok_lines insd-pagecross-first-page insd-pagecross-second-page insd-pagecross-adjacent-frame-untouched \
		insd-pagecross-rdi-advanced ins-beyond-maxphyaddr-pf-rsvd ins-beyond-maxphyaddr-nothing-done \
		hc-beyond-maxphyaddr-refused
	FORBID+=('still alive after REP' 'PANIC')
}
sc_isoscan-x2apic() { # sc_isoscan-x2apic [x2apic|apicoff]
	local m=${1:-x2apic} p=x2apic-page
	[ "$m" = x2apic ] || p=apic-off-page
	vm_file "$D/sib.vm" name=sib "kernel=$G/isoscan.elf" memory=16M cpus=1 "cmdline=role=fill $m=1"
	vm_file "$D/scan.vm" name=scan "kernel=$G/isoscan.elf" memory=32M cpus=1 \
		"cmdline=role=scan $m=1 dense=0x1000000 wait=20000000"
	ARGS=(--vm "$D/sib.vm" --vm "$D/scan.vm")
	RC="0"
	REQUIRE=("^\\[scan\\] ok $p-no-marker" "^\\[scan\\] ok $p-write-does-not-stick"
		'^\[scan\] RESULT: PASS' '^\[sib\] RESULT: PASS')
}
sc_isoscan-apicoff() { sc_isoscan-x2apic apicoff; }
sc_isofpu() {
	vm_file "$D/sec.vm" name=sec "kernel=$G/isoscan.elf" memory=16M cpus=1 "cmdline=role=fpu-secret rounds=200"
	vm_file "$D/probe.vm" name=probe "kernel=$G/isoscan.elf" memory=16M cpus=1 "cmdline=role=fpu-probe rounds=20"
	ARGS=(--vm "$D/sec.vm" --vm "$D/probe.vm")
	RC="0"
	REQUIRE=('^\[probe\] fpu: 0 of 20 rounds' '^\[probe\] ok fpu-ymm-not-shared' '^\[sec\] RESULT: PASS'
		'^\[probe\] RESULT: PASS')
	FORBID+=('^(\[[^]]*\] )?skip ')
}
sc_isoscan-x2apic-soft() { sc_isoscan-x2apic; ARGS+=(--hv-append apicv=0); REQUIRE+=("$APICV_OFF"); }
sc_isocr2() {
	vm_file "$D/flt.vm" name=flt "kernel=$G/isoscan.elf" memory=16M cpus=1 "cmdline=role=cr2-fault rounds=300"
	vm_file "$D/probe.vm" name=probe "kernel=$G/isoscan.elf" memory=16M cpus=1 "cmdline=role=cr2-probe rounds=20"
	ARGS=(--vm "$D/flt.vm" --vm "$D/probe.vm")
	RC="0"
	REQUIRE=('^\[probe\] cr2: 0 of 20 reads' '^\[probe\] ok cr2-not-shared' '^\[flt\] ok cr2-faults-taken'
		'^\[flt\] RESULT: PASS' '^\[probe\] RESULT: PASS')
}
