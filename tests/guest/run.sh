#!/usr/bin/env bash
# Guest-test harness: boots the test guests (build/guests/) under Vireo with
# `./vireo run ...` and checks each scenario's exit status, required lines
# (Perl regexes, matched anywhere in a line of stdout+stderr) and forbidden
# lines. Logs: build/guest-tests/NAME.log.
#
#   tests/guest/run.sh [-l] [--native] [NAME...]     (-l lists the scenarios)
# --native boots each scenario's kernel directly on Bochs, without Vireo
# (tools/mkiso.sh --native, ./vireo boot-iso --smp N; the guest gets cpus=N
# on its command line), for the scenarios marked NATIVE=1; it checks the
# exit status (NATIVE_RC when the scenario sets it, else RC), RESULT: PASS
# and that no FAIL line appears, nothing more: natively a guest may skip()
# what Bochs gets wrong or only a hypervisor provides. Others print
# "SKIP name".
# Environment: BUILD (build), VIREO (./vireo), GUEST_TEST_JOBS (2 in
# parallel), GUEST_TEST_TIMEOUT (seconds per scenario given to --timeout, 180).
# Prints "PASS name" / "FAIL name (reason)" (+ log tail) per scenario and
# "guest: N passed, N failed" at the end; exits 1 if any failed.
# Logs of --native runs: build/guest-tests/native/NAME.log.
set -u
# ./vireo types its stdin into the VM when it is a terminal or a pipe;
# these runs type nothing.
exec </dev/null
BUILD=${BUILD:-build}
VIREO=${VIREO:-./vireo}
JOBS=${GUEST_TEST_JOBS:-2}
TMO=${GUEST_TEST_TIMEOUT:-180}
G=$BUILD/guests
OUT=$BUILD/guest-tests

SCENARIOS="realmode cpuid hypercall hypercall64 portio portio64 msr msr64 exceptions exceptions64
	lapic mbinfo cmdline4k console fpu pattern overrun pcmem triple garbage smp2 smp4 smp2x2apic
	timer timer64 timer-x2apic ipi4 ipi4-x2apic evinject idle
	timer-soft timer64-soft timer-x2apic-soft ipi4-soft ipi4-x2apic-soft evinject-soft idle-soft
	reinject reinject-soft reinject-int lapic-soft
	pit pit-soft pic pic-soft rtc acpi ioapic ioapic-soft ioapicsmp ioapicsmp-soft pci pci64 uart
	reset reset-acpi reset-kbc reset-stop resetloop monitor"

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
	REQUIRE+=('ok hypervisor-bit' 'ok signature' 'ok max-hv-leaf' 'ok hv-version' 'ok vmx-hidden' 'ok apic-id-vcpu0'
		'ok xsave-size-standard' 'ok xsave-size-compacted' 'ok xsetbv-mpx-gp' 'ok xsave-size-follows-xcr0')
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
	REQUIRE+=("$APICV_ON" 'ok xapic-id-write-ignored' 'ok xapic-icr-delivery-idle' 'ok x2apic-enable' 'ok x2apic-ldr-derived' 'ok x2apic-eoi-read-gp')
}
sc_mbinfo() {
	printf 'VIREO-MODULE-ONE\n' >"$D/mod1.txt"
	printf 'vireo module two, a little longer\n' >"$D/mod2.txt"
	single mbinfo --append "alpha=1 beta=two" --module "$D/mod1.txt" --module "$D/mod2.txt"
	REQUIRE+=('ok cmdline$' 'ok mods-count' 'ok module0-contents' 'ok module1-contents' 'ok loader-name'
		'ok cmdline-image-path-first' 'ok mem-lower' 'ok mem-upper-matches-fwcfg-ram' 'ok mmap-available-ends-at-mem-upper' 'ok mmap-hole-not-available')
}
sc_cmdline4k() { # a 4000-character guest command line (the limit was 255)
	local pad
	pad=$(printf 'x%.0s' $(seq 4000))
	single mbinfo --append "padlen=4000 pad=$pad"
	REQUIRE+=('ok cmdline-image-path-first' 'ok long-cmdline-pad-present' 'ok long-cmdline-intact')
}
sc_console() { # typed console input reaches the focused VM; Ctrl-A n moves the focus
	printf 'abc\001nxyz' >"$D/input"
	ARGS=(--kernel "$G/console.elf" -m 32M --name first --append "expect=abc hold=1"
		--kernel "$G/console.elf" -m 32M --name second --append "expect=xyz irq=1"
		--console-input "$D/input")
	RC="0"
	REQUIRE=('console input goes to VM first' 'console input goes to VM second'
		'first: console input waits until the guest raises RTS'
		'^\[first\] ok console-input-held-while-rts-clear' '^\[first\] ok console-input-received' '^\[second\] ok console-input-received'
		'^\[second\] ok console-input-interrupt' '^\[first\] RESULT: PASS' '^\[second\] RESULT: PASS')
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
sc_overrun() { # strict-mmio: an access outside RAM and devices stops the VM
	vm_file "$D/overrun.vm" name=overrun "kernel=$G/overrun.elf" memory=32M cpus=1 strict-mmio=1
	sibling
	ARGS=(--vm "$D/overrun.vm" --vm "$D/sibling.vm")
	RC="126"
	REQUIRE=('^\[overrun\] touching memory above RAM' 'above guest RAM|EPT violation'
		'^\[sibling\] pattern 0x3C intact' '^\[sibling\] RESULT: PASS')
	FORBID+=('still alive')
}
sc_pcmem() { # without strict-mmio the address space behaves like a PC's
	single overrun --append pc=1
	ok_lines vga-byte-all-ones vga-dword-all-ones vga-write-dropped unclaimed-byte-all-ones \
		unclaimed-word-all-ones unclaimed-dword-all-ones unclaimed-write-dropped \
		below-ioapic-dword-all-ones rom-write-dropped rom-readable
	REQUIRE+=('VM overrun: read of unclaimed MMIO at 0x3000000: all-ones'
		'unclaimed MMIO accesses: [0-9]+')
	ARGS+=(--stats)
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

# ---- local APIC timer, IPIs, event delivery (guests/tests/{timer,ipi,evinject,idle}.c).
# Each also runs as NAME-soft with Vireo's APIC virtualization off (apicv=0),
# so that both interrupt paths (VMX virtual-interrupt delivery and software
# injection) are covered. NATIVE=1: the scenario also passes on Bochs without
# Vireo (tests/guest/run.sh --native NAME), which is how the guests' own
# expectations were checked against the (emulated) hardware.
ok_lines() { # ok_lines NAME...: REQUIRE "ok NAME" for each (with or without a value)
	local n
	for n in "$@"; do REQUIRE+=("^(\\[[^]]*\\] )?ok $n( |\$)"); done
}
# The interrupt scenarios run on the APIC path they are named for.
APICV_ON='vmx: local APIC: APIC virtualization'
APICV_OFF='vmx: local APIC: software emulation, apicv=0'
sc_timer_common() { # sc_timer_common GUEST [--append x2apic=1]
	single "$@"
	NATIVE=1
	REQUIRE+=("$APICV_ON")
	ok_lines hv-freq-leaf apic-timer-rate-vs-hv-leaf oneshot-fires oneshot-duration oneshot-ccr-counts-down \
		oneshot-ccr-zero-after oneshot-div1 oneshot-div2 oneshot-div4 oneshot-div8 oneshot-div16 oneshot-div32 \
		oneshot-div64 oneshot-div128 periodic-rate periodic-stops-with-count-0 masked-no-interrupt \
		masked-still-counts rearm-old-deadline-gone rearm-duration stop-no-interrupt deadline-msr-readback \
		deadline-fires deadline-on-time deadline-msr-cleared-on-fire deadline-past-fires-at-once \
		deadline-zero-disarms hlt-wakes-on-timer ipi-not-in-sti-shadow ipi-right-after-sti-shadow \
		timer-not-in-sti-shadow timer-right-after-sti-shadow tpr-masks-lower-and-equal-class \
		tpr-higher-class-delivered tpr-zero-delivers-class4 self-ipi-shorthand esr-send-illegal-vector \
		esr-cleared-by-second-write isr-set-in-handler ppr-is-isr-class-in-handler isr-clear-after-eoi \
		nested-inner-inside-outer eoi-retires-highest-isr lower-class-held-while-higher-in-service \
		no-unexpected-interrupts
}
sc_timer() {
	sc_timer_common timer
	FORBID+=('^(\[[^]]*\] )?skip (?!self-ipi-msr )') # the SELF IPI MSR is x2APIC only
}
sc_timer64() {
	sc_timer_common timer64
	ok_lines cr8-readback cr8-sets-tpr cr8-masks-class4 cr8-zero-delivers tpr-write-shows-in-cr8
	FORBID+=('^(\[[^]]*\] )?skip (?!self-ipi-msr )')
}
sc_timer-x2apic() {
	sc_timer_common timer --append x2apic=1
	ok_lines x2apic-enabled self-ipi-msr-83f
	FORBID+=('^(\[[^]]*\] )?skip ')
}
sc_ipi_common() { # sc_ipi_common NCPUS [--append x2apic=1]
	local n=$1 i
	shift
	single ipi --smp "$n" "$@"
	NATIVE=1
	REQUIRE+=("$APICV_ON")
	for ((i = 1; i < n; i++)); do
		ok_lines "ap-$i-up" "fixed-bsp-to-ap$i" "fixed-ap$i-to-bsp"
	done
	ok_lines shorthand-self shorthand-all-incl-self shorthand-all-excl-self shorthand-all-excl-self-from-ap1 \
		physical-broadcast nmi-second-held-inside-handler nmi-second-delivered-after-iret \
		restart-ap-started-twice restart-ap-takes-ipi icr-delivery-status-idle-after-send no-unexpected-interrupts
	FORBID+=('^(\[[^]]*\] )?skip ' '^(\[[^]]*\] )?timeout')
}
sc_ipi4() {
	sc_ipi_common 4
	ok_lines logical-flat-odd logical-flat-all lowest-priority-exactly-one-each logical-cluster1-member0 \
		logical-cluster0-both
}
sc_ipi4-x2apic() {
	sc_ipi_common 4 --append x2apic=1
	ok_lines x2apic-ldr-derived-on-every-cpu x2apic-logical-odd x2apic-logical-all \
		x2apic-lowest-priority-exactly-one-each
}
sc_evinject() {
	single evinject
	NATIVE=1
	REQUIRE+=("$APICV_ON")
	ok_lines frame-push-pf-raised frame-push-pf-cr2-in-hole frame-push-pf-error-write-not-present \
		frame-push-pf-rip-interrupted frame-push-pf-on-ist frame-push-interrupt-handler-not-run \
		frame-push-interrupt-in-service pf-in-pf-delivery-df-raised df-error-zero df-on-ist \
		rdmsr-unknown-gp rdmsr-unknown-gp-rf-pushed step-cpuid-one-db step-cpuid-rip-next step-cpuid-dr6-bs \
		step-out-e9-one-db step-out-e9-dr6-bs step-rdmsr-apic-base-one-db step-rdmsr-apic-base-dr6-bs
	FORBID+=('^(\[[^]]*\] )?skip ')
}
sc_idle() {
	single idle
	NATIVE=1
	REQUIRE+=("$APICV_ON")
	REQUIRE+=('^(\[[^]]*\] )?idle: 250 ticks in [0-9]+ TSC$')
	ok_lines idle-span idle-tick-count
}
# An event whose delivery an exit cuts short (the first touch of a GiB of
# guest RAM, which Vireo maps then) arrives once (guests/tests/reinject.c).
reinject_vm() { # a VM with more than 1 GiB of RAM
	ARGS=(--kernel "$G/reinject.elf" -m 1088M --name reinject "$@")
	RC="1"
	REQUIRE=('RESULT: PASS')
}
sc_reinject() {
	reinject_vm
	NATIVE=1
	REQUIRE+=("$APICV_ON")
	ok_lines ram-above-1g ipi-delivered-once ipi-frame-on-new-stack ipi-eoi-retired ipi-again-on-mapped-stack
}
sc_reinject-int() {
	reinject_vm --append event=int
	NATIVE=1
	ok_lines ram-above-1g int-n-delivered-once int-n-frame-on-new-stack int-n-again-on-mapped-stack
}

# ---- the PC platform (guests/tests/{pit,pic,rtc,acpi,ioapic,ioapicsmp,pci,
# uart,reset}.c, helpers in guests/lib/pc.c): 8254, 8259 pair and ExtINT,
# RTC, ACPI tables and PM registers, the I/O APIC with a level-triggered
# source and several CPUs, PCI configuration space, COM1's interrupts, reset
# and power-off. NATIVE=1 as above; natively a guest
# skip()s what only Vireo's platform has (its exact tables, the 0x600 PM
# block, S5 type 7), and NATIVE_RC gives the native exit status where the
# guest cannot power Bochs off the way it powers a Vireo VM off.
sc_pit() {
	single pit
	NATIVE=1
	REQUIRE+=("$APICV_ON")
	ok_lines latch-count-decreasing latch-count-rate latch-holds-value readback-status-mode2-lohi-loaded \
		readback-count-decreasing second-latch-ignored-until-read bcd-count-valid-digits bcd-count-rate \
		mode2-count-in-1-to-n mode2-count-spans-period mode0-interrupt-at-terminal-count \
		mode0-terminal-count-time mode0-one-interrupt-only mode3-out-toggles mode3-irq0-ticks mode3-irq0-rate \
		lapic-starts-software-disabled lint0-extint-unmasked lint1-nmi pic-imr-readback \
		pic-irq0-ticks pic-irq0-rate pic-isr-irq0-in-handler pic-masked-no-interrupt \
		pic-irr-latched-while-masked pic-latched-irq-delivered-on-unmask \
		irq0-override-gsi2 ioapic-irq0-ticks ioapic-irq0-rate ioapic-masked-no-interrupt pic-silent-while-masked \
		ch2-out2-low-before-terminal-count ch2-gate-low-holds-count ch2-gate-high-counts ch2-out2-rises \
		ch2-tsc-khz-vs-cpuid-0x40000010
	FORBID+=('^(\[[^]]*\] )?skip ')
}
sc_pic() {
	single pic
	NATIVE=1
	REQUIRE+=("$APICV_ON")
	ok_lines imr-readback elcr-reserved-bits-read-0 elcr-cleared poll-reports-irq0 poll-sets-isr-like-inta \
		eoi-after-poll-clears-isr poll-nothing-pending no-interrupt-left-after-poll specific-eoi-ticks-continue \
		specific-eoi-clears-isr isr-set-in-handler priority-irq0-before-irq8 set-priority-ir0-lowest-irq8-first \
		cascade-masked-holds-slave cascade-unmasked-releases-slave aeoi-ticks-continue-without-eoi \
		aeoi-no-isr-bit-in-handler elcr-level-sci-arrives sci-isr-slave-ir1-and-cascade \
		level-again-after-each-eoi-while-asserted level-again-at-once level-stops-once-tmr-sts-cleared \
		extint-delivered-despite-tpr-0xf0 extint-not-in-lapic-isr lint0-masked-holds-extint \
		lint0-unmasked-delivers-extint extint-wakes-hlt-with-apic-enabled ioapic-extint-delivery-mode \
		lint0-masked-no-pic-interrupt apic-hw-disabled-pic-reaches-cpu no-spurious-irq7-or-irq15
	FORBID+=('^(\[[^]]*\] )?skip ')
}
sc_rtc() {
	single rtc
	NATIVE=1
	ok_lines regb-24h-bcd-no-interrupts regb-24h-bcd regd-vrt date-read-uip-protocol date-fields-valid-bcd \
		date-reads-equal-or-one-second-apart day-of-week-matches-date year-plausible \
		cmos-base-memory-640k cmos-extended-memory-copies-agree cmos-extended-memory-matches-ram \
		cmos-above-16m-matches-ram pic-irq8-periodic-ticks pic-irq8-periodic-rate-1024hz \
		pic-regc-irqf-pf-in-handler ioapic-irq8-periodic-ticks ioapic-irq8-periodic-rate-1024hz \
		ioapic-regc-irqf-pf-in-handler regc-pf-without-pie regc-read-clears-pf regc-irqf-with-pie \
		regc-read-clears-irqf irq8-first-interrupt irq8-held-while-regc-unread irq8-again-after-regc-read \
		set-clears-uie century-set-time-reads-back century-uie-interrupt century-regc-irqf-uf-in-handler \
		update-rolls-over-to-2100-01-01 alarm-00-00-00-at-midnight leap-set-time-reads-back leap-uie-interrupt \
		leap-regc-irqf-uf-in-handler set-time-runs-on update-rolls-over-to-leap-day alarm-dont-care-every-second \
		uie-second-interrupt uie-interrupts-one-second-apart uip-seen-before-update seconds-advance-by-one \
		binary-set-time-reads-back binary-uie-interrupt binary-update-rolls-over-to-2029-01-01 alarm-mismatch-no-af \
		h12-set-time-reads-back h12-uie-interrupt h12-pm-rolls-to-12-am-next-day noon-set-time-reads-back \
		h12-am-rolls-to-12-pm index-nmi-bit-selects-same-register
	FORBID+=('^(\[[^]]*\] )?skip ')
}
sc_acpi() { # ends through ACPI S5: status 0, "powered off"
	single acpi --smp 2
	NATIVE=1
	NATIVE_RC="1"
	RC="0"
	REQUIRE+=('VM acpi stopped: powered off' 'powering off: PM1a_CNT 0x604 <- SLP_TYP 7 \| SLP_EN')
	ok_lines rsdp-found-by-scan rsdp-at-0xf0000 rsdp-revision-2 rsdp-length-36 rsdp-extended-checksum \
		rsdt-signature rsdt-checksum rsdt-not-in-available-ram xsdt-signature xsdt-checksum \
		xsdt-not-in-available-ram rsdt-xsdt-list-the-same-tables \
		madt-found madt-not-in-available-ram madt-lapic-address madt-pcat-compat \
		cpuid-0xb-core-count-matches-fw-cfg madt-one-enabled-lapic-per-vcpu madt-lapic-ids-distinct \
		madt-lists-bsp-apic-id madt-lapic-ids-0-to-n-1 madt-one-ioapic madt-ioapic-address \
		madt-ioapic-gsi-base-0 madt-ioapic-id-matches-id-register ioapic-id-is-vcpu-count \
		madt-override-irq0-gsi2 madt-override-irq0-conforming madt-override-sci-irq9-gsi9 \
		madt-override-sci-level-active-high madt-lint1-nmi-all-cpus \
		fadt-found fadt-not-in-available-ram fadt-revision-6 dsdt-signature dsdt-checksum \
		dsdt-not-in-available-ram fadt-x-dsdt-matches-dsdt facs-signature facs-64-bytes-aligned \
		facs-not-in-available-ram fadt-pm1a-evt-block fadt-pm1a-cnt-block fadt-pm-tmr-block fadt-sci-irq-9 \
		fadt-no-smi-cmd fadt-pm1a-evt-0x600 fadt-pm1a-cnt-0x604 fadt-pm-tmr-0x608 fadt-x-pm1a-evt-matches \
		fadt-x-pm1a-cnt-matches fadt-x-pm-tmr-matches fadt-reset-reg-io-0x60c fadt-reset-value-6 \
		pm1-cnt-sci-en-already-set fadt-8042-flag-matches-port-0x64 fadt-legacy-devices \
		pm-timer-24-bit pm-timer-monotonic pm-timer-counts pm-timer-3579545-hz \
		dsdt-pci0-pnp0a03 dsdt-s5-package dsdt-s5-slp-typ-7
	FORBID+=('^(\[[^]]*\] )?skip ')
}
sc_ioapic() { # a level-triggered SCI (PM timer overflow) through the I/O APIC
	single ioapic
	NATIVE=1
	REQUIRE+=("$APICV_ON")
	ok_lines sci-gsi9-level-active-high id-matches-madt id-is-vcpu-count version-0x20 max-redirection-entry-23 \
		id-writable id-restored all-entries-masked-at-start rte-readback-read-only-bits-zero rte-rewritten \
		ioregsel-readback tmr-sts-write-1-clears sci-level-interrupt-arrives tmr-sts-set-in-handler \
		remote-irr-set-in-handler lapic-tmr-set-for-level-vector level-redelivered-after-eoi-while-asserted \
		level-redelivered-at-once remote-irr-set-again no-interrupt-after-tmr-sts-cleared \
		remote-irr-clear-after-eoi tmr-sts-clear-after-handler tmr-sts-set-again pm1-sts-write-0-keeps-tmr-sts \
		pm1-sts-high-byte-write-keeps-tmr-sts masked-level-not-delivered \
		masked-remote-irr-clear masked-level-delivered-on-unmask unmasked-level-delivered-once \
		eoi-register-clears-remote-irr remote-irr-clear-at-end physical-dest-self-delivered \
		physical-dest-absent-not-delivered physical-broadcast-0xff-delivered logical-dest-match-delivered \
		logical-dest-mismatch-not-delivered lowest-priority-logical-delivered \
		inverted-polarity-level-asserts-on-idle-line
	FORBID+=('^(\[[^]]*\] )?skip ')
}
sc_ioapicsmp() { # I/O APIC destinations with 2 CPUs, and a level interrupt EOId by CPU 1
	single ioapicsmp --smp 2
	NATIVE=1
	REQUIRE+=("$APICV_ON")
	ok_lines cpu1-up physical-dest-cpu1-only logical-both-cpus-take-each physical-broadcast-both-cpus \
		lowest-priority-each-taken-once lowest-priority-avoids-higher-tpr level-to-cpu1-arrives level-not-on-bsp \
		level-remote-irr-set-on-cpu1 level-again-after-cpu1-eoi-while-asserted level-again-at-once \
		cpu1-eoi-clears-remote-irr
	FORBID+=('^(\[[^]]*\] )?skip ')
}
sc_pci() {
	single "${1:-pci}"
	NATIVE=1
	ok_lines config-address-readback config-address-readback-disabled config-data-all-ones-when-disabled \
		host-bridge-00.0-present host-bridge-8086-1237 host-bridge-class-060000 host-bridge-header-type-0 \
		isa-bridge-01.0-present isa-bridge-8086-7000 isa-bridge-class-060100 isa-bridge-header-multi-function \
		absent-functions-read-all-ones exactly-two-functions-on-bus-0 isa-bridge-functions-1-7-absent \
		other-buses-empty 00.0-ids-read-only 00.0-class-revision-read-only 00.0-header-type-read-only \
		00.1-ids-read-only 00.1-class-revision-read-only 00.1-header-type-read-only word-and-byte-reads-agree \
		pirqrc-byte-write-changes-one-byte pirqrc-restored cf9-sys-rst-alone-no-reset cf9-readback
	FORBID+=('^(\[[^]]*\] )?skip ')
}
sc_pci64() { sc_pci pci64; }
sc_uart() { # no native variant: Bochs' 16550 interrupts differ from the chip's (guests/tests/uart.c)
	single uart
	ok_lines iir-no-interrupt-pending no-interrupt-while-out2-clear out2-releases-thre-interrupt-once \
		iir-thre-in-handler iir-read-retires-thre thr-write-raises-thre-again iir-thre-after-thr-write \
		loopback-lsr-data-ready loopback-byte-received loopback-iir-received-data-first \
		loopback-iir-thre-after-rbr-read loopback-iir-thre-retired-by-iir-read loopback-msr-mirrors-mcr \
		loopback-no-interrupt-on-irq4 rx-data-interrupt-once rx-iir-received-data rx-byte-read-in-handler \
		line-status-interrupt-once line-status-iir overrun-in-lsr lsr-read-clears-overrun \
		overrun-rbr-holds-newer-byte fifo-iir-received-data-at-trigger fifo-bytes-in-order \
		fifo-empty-after-reads fifo-character-timeout-below-trigger fifo-timeout-retired-by-reads \
		fifo-off-iir-bits-clear scratch-register lcr-readback divisor-latch-readback ier-readback-low-nibble \
		lsr-thre-temt-idle modem-status-none-pending modem-status-iir-after-dsr-change msr-dsr-and-delta-dsr \
		msr-read-retires-modem-status msr-trailing-edge-ri ioapic-thre-interrupt-once ioapic-iir-thre-in-handler
	FORBID+=('^(\[[^]]*\] )?skip ')
}
# reset: first boot leaves markers and resets, the second checks them and
# powers off (guests/tests/reset.c); via=acpi|kbc picks the reset path
sc_reset() { # sc_reset [acpi|kbc]
	local via=${1:-cf9} by
	case $via in
	acpi) by='ACPI reset register' ;;
	kbc) by='8042|keyboard controller' ;;
	*) by='reset control register 0xCF9' ;;
	esac
	single reset --append "via=$via"
	NATIVE=1
	NATIVE_RC="1"
	RC="0"
	REQUIRE+=('^(\[[^]]*\] )?first boot: leaving markers' "^(\\[[^]]*\\] )?resetting via $via\$"
		"VM reset: reset by ($by).*, restarting" '^(\[[^]]*\] )?second boot after reset$'
		'VM reset stopped: powered off')
	ok_lines cmos-marker-written cmos-memory-survives-reset image-loaded-afresh ioapic-entry-back-at-reset-value \
		ram-cleared cmos-memory-size-kept cmos-marker-cleared
	FORBID+=('^(\[[^]]*\] )?skip ' 'reset loop')
}
sc_reset-acpi() { sc_reset acpi; NATIVE=0; } # Bochs' FADT (revision 1) has no reset register
sc_reset-kbc() { sc_reset kbc; NATIVE=0; } # natively Bochs' BIOS triple-faults after the 8042 reset (a WRMSR)
sc_reset-stop() { # --on-reset stop: the reset ends the VM (not a crash: result 0)
	single reset --append via=cf9 --on-reset stop
	RC="0"
	REQUIRE=('^(\[[^]]*\] )?first boot: leaving markers' 'VM reset stopped: reset \(reset control register 0xCF9\).*stops on reset')
	FORBID+=('second boot' 'restarting' 'RESULT: PASS')
}
sc_resetloop() { # a guest that always resets: the 9th reset ends it as a crash
	single reset --append loop=1
	RC="126"
	REQUIRE=('reset loop: booted, resetting again' 'VM reset: reset by reset control register 0xCF9, restarting'
		'VM reset stopped: reset loop: stopped after 8 resets')
}
sc_monitor() { # Ctrl-A c: the monitor's commands on two VMs; Ctrl-A x quits (result 0)
	# first polls for "abc" and gets "ab": it still runs at Ctrl-A x;
	# second halts for its UART interrupt until the monitor ends it. The
	# commands are typed once both wait, Ctrl-A x once the monitor closed
	# (a FIFO; timeout: no writer is left behind when the run fails).
	rm -f "$OUT/monitor.log"
	mkfifo "$D/input"
	LOG=$OUT/monitor.log timeout -k 5 $((TMO + 60)) bash -c '
		wait_for() { until grep -q -- "$1" "$LOG" 2>/dev/null; do sleep 0.2; done; }
		exec 3>"$0"
		wait_for "waiting for \"zzz\""; wait_for "waiting for \"abc\""; sleep 1
		printf "\001clisx\177t\rbogus\rregs 1\rregs 2\rstats 1\rend 2\r\001c" >&3
		wait_for "monitor closed"
		printf "ab\001x" >&3' "$D/input" </dev/null &
	ARGS=(--kernel "$G/console.elf" -m 32M --name first --append "expect=abc"
		--kernel "$G/console.elf" -m 32M --name second --append "expect=zzz irq=1"
		--console-input "$D/input")
	RC="0"
	REQUIRE=('vireo: monitor: typed lines go to Vireo' 'vireo> lisx\x08 \x08t$'
		'^vireo:  \* +1 +first +running +1 +[0-9]+$' '^vireo: +2 +second +running +1 +[0-9]+$'
		"^vireo: unknown command 'bogus'"
		'^vireo:   VM first vCPU 0: running' '^vireo:   VM second vCPU 0: halted$'
		'^vireo:     RIP [0-9a-f]{16} RSP [0-9a-f]{16} RFLAGS' '^vireo:     CR0 [0-9a-f]+ CR3 [0-9a-f]+ CR4'
		'^vireo:     CS 00[0-9a-f]{2} SS 00[0-9a-f]{2}' '^vireo:     RAX [0-9a-f]{16} RCX'
		'^  first: [0-9]+ exits$' '^    I/O instruction +[0-9]+ exits$'
		'VM second stopped: ended from the console'
		'monitor closed; console input goes to VM first'
		'quit from the console: every VM ends' 'VM first stopped: quit from the console \(Ctrl-A x\)'
		'^vireo:   first +console +status 0 .*quit from the console \(Ctrl-A x\)'
		'^vireo:   second +console +status 0 .*ended from the console' '^vireo: result 0$')
	FORBID+=('no VM ' 'too many arguments' 'PANIC')
}

# NAME-soft: the same with Vireo's APIC virtualization off
for _n in lapic timer timer64 timer-x2apic ipi4 ipi4-x2apic evinject idle reinject pit pic ioapic ioapicsmp; do
	eval "sc_$_n-soft() { sc_$_n; NATIVE=0; ARGS+=(--hv-append apicv=0); FORBID+=(\"unknown option 'apicv'\");
		REQUIRE=(\"\${REQUIRE[@]/#\$APICV_ON/\$APICV_OFF}\"); }"
done
unset _n

# run_native: boots the scenario's --kernel with its --append and --smp on
# Bochs without Vireo; only RESULT: PASS is required (see --native above).
run_native() {
	local i kernel="" append="" smp=1 mem=256M
	for ((i = 0; i < ${#ARGS[@]}; i++)); do
		case ${ARGS[$i]} in
		--kernel) kernel=${ARGS[$((i + 1))]} ;;
		--append) append=${ARGS[$((i + 1))]} ;;
		--smp) smp=${ARGS[$((i + 1))]} ;;
		-m) mem=${ARGS[$((i + 1))]} ;;
		esac
	done
	local -a words=()
	read -r -a words <<<"$append"
	REQUIRE=('RESULT: PASS') FORBID=("${FORBID_DEFAULT[@]}")
	printf '$ tools/mkiso.sh --native %s %s cpus=%s; %s boot-iso --smp %s\n' "$kernel" "$append" "$smp" \
		"$VIREO" "$smp" >"$log"
	tools/mkiso.sh -o "$D/native.iso" --native "$kernel" ${words[@]+"${words[@]}"} "cpus=$smp" >>"$log" 2>&1 ||
		return 125
	timeout -k 10 $((TMO + 60)) "$VIREO" boot-iso "$D/native.iso" --smp "$smp" -m "$mem" --timeout "$TMO" \
		</dev/null >>"$log" 2>&1
}

# run_one NAME: runs a scenario, writes $OUT/NAME.result (one line)
run_one() {
	local name=$1 log=$OUT/$1.log res=$OUT/$1.result
	D=$OUT/$name.d
	rm -rf "$D"
	mkdir -p "$D"
	ARGS=() RC="" REQUIRE=() FORBID=("${FORBID_DEFAULT[@]}") NATIVE=0 NATIVE_RC=""
	"sc_$name"
	local t0=$SECONDS rc
	if [ "$NATIVE_RUN" = 1 ]; then
		if [ "$NATIVE" != 1 ]; then
			echo "SKIP $name (no native variant)" >"$res"
			return
		fi
		run_native
		rc=$?
		[ -z "$NATIVE_RC" ] || RC=$NATIVE_RC
	else
		{
			printf '$ %s run --timeout %s' "$VIREO" "$TMO"
			printf ' %q' "${ARGS[@]}"
			printf '\n'
		} >"$log"
		timeout -k 10 $((TMO + 60)) "$VIREO" run --timeout "$TMO" "${ARGS[@]}" </dev/null >>"$log" 2>&1
		rc=$?
	fi
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

# More scenarios, one file per family (chaos, isolation, ...): each appends
# to SCENARIOS and defines its sc_NAME functions.
for f in tests/guest/scenarios-*.sh; do
	[ -f "$f" ] && . "$f"
done

if [ "${1:-}" = "-l" ]; then
	echo $SCENARIOS
	exit 0
fi
NATIVE_RUN=0
if [ "${1:-}" = "--native" ]; then
	NATIVE_RUN=1
	OUT=$OUT/native
	shift
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
skipped=0
for n in $LIST; do
	if [ -f "$OUT/$n.result" ]; then
		line=$(cat "$OUT/$n.result")
	else
		line="FAIL $n (harness error: no result)"
	fi
	echo "$line"
	case $line in
	PASS*) pass=$((pass + 1)) ;;
	SKIP*) skipped=$((skipped + 1)) ;;
	*)
		fail=$((fail + 1))
		echo "--- last lines of $OUT/$n.log:"
		tail -n 25 "$OUT/$n.log" 2>/dev/null | sed 's/^/    /'
		;;
	esac
done
if [ "$skipped" -gt 0 ]; then
	echo "guest: $pass passed, $fail failed, $skipped skipped"
else
	echo "guest: $pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
