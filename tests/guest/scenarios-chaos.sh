# Chaos guest (issue 9, guests/tests/chaos*.c): a seed's random sequence of
# what a buggy or malicious kernel does, beside a well-behaved sibling that
# fills and verifies all its RAM above 4 MiB round after round (pattern.elf
# whole=1). Each must show: the sibling's right answer, the chaos VM's end
# with a classified one-line reason, and no hypervisor fault, no failed VM
# entry. Longer runs: make chaos (tools/chaos.sh).
SCENARIOS+=" chaos32 chaos64smp chaos32smp-soft chaos-stoppers"

# What ends a VM with a reason Vireo classifies (core/vm.c vm_end_name).
CHAOS_END='^vireo:   chaos +(debug-exit|exit hypercall|halted|triple fault|fatal error|powered off|reset) +status'
CHAOS_FORBID=('PANIC' 'VM entry failed' 'host exception' '^vireo:   chaos +running')

chaos_pair() { # chaos_pair ELF CPUS "cmdline"
	vm_file "$D/chaos.vm" name=chaos "kernel=$G/$1" memory=32M "cpus=$2" "cmdline=cpus=$2 $3"
	vm_file "$D/sibling.vm" name=sibling "kernel=$G/pattern.elf" memory=32M cpus=1 \
		"cmdline=pattern=0x3C whole=1 rounds=3"
	ARGS=(--vm "$D/chaos.vm" --vm "$D/sibling.vm" --stats)
	REQUIRE=('^\[sibling\] pattern: round 3 of 3 ok' '^\[sibling\] pattern 0x3C intact'
		'^\[sibling\] RESULT: PASS' '^\[chaos\] chaos: running' "$CHAOS_END"
		'^vireo: VM chaos stopped: ')
	FORBID+=("${CHAOS_FORBID[@]}")
}
sc_chaos32() { # 32-bit and 16-bit, ends in a triple fault on purpose
	chaos_pair chaos.elf 1 "seed=1 ops=1200 end=triple"
	RC="126"
	REQUIRE+=('^\[chaos\] chaos: class mode16 +[1-9]' '^\[chaos\] chaos: done, ending by triple'
		'^vireo: VM chaos stopped: triple fault')
}
sc_chaos64smp() { # 64-bit, the second vCPU parked and hit by IPI/INIT/SIPI/NMI storms
	chaos_pair chaos64.elf 2 "seed=2 ops=1200"
	RC="0"
	REQUIRE+=('^\[chaos\] chaos: 1 AP\(s\) parked' '^\[chaos\] chaos: class storm +[1-9]'
		'^\[chaos\] RESULT: PASS' 'vireo:   chaos +debug-exit')
}
sc_chaos32smp-soft() { # software APIC path (apicv=0); the seed picks the end
	chaos_pair chaos.elf 2 "seed=3 ops=1200 end=random"
	ARGS+=(--hv-append apicv=0)
	RC="0 126"
	REQUIRE+=('^\[chaos\] chaos: the seed picked end' '^\[chaos\] chaos: done, ending by')
}
sc_chaos-stoppers() { # what Vireo stops a VM for: execution from MMIO, MMIO
	# forms its emulator lacks, string I/O on device memory
	chaos_pair chaos64.elf 1 "seed=4 ops=3000 exec_mmio=1 mmio_rare=1 strio_mmio=1"
	RC="126"
	REQUIRE+=('^vireo:   chaos +fatal error'
		'^vireo: VM chaos stopped: vCPU 0: (cannot emulate MMIO access|.* buffer at GPA .* is not guest RAM|EPT violation: GPA)')
}
