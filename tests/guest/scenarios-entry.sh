# Guest-reachable VM-entry checks (SDM 26.3.1): guests/tests/entrychk.c in
# 32- and 64-bit mode. Each bad value must give the guest the CPU's answer
# (#GP, a wrapped EIP, a single-step #DB), never "VM entry failed".
SCENARIOS+=" entrychk entrychk64"

ENTRY_COMMON=('ok cr0-nw-without-cd-gp' 'ok cr0-unchanged-after-gp' 'ok cr0-reserved-low-ignored'
	'ok cr0-restored' 'ok cr4-vmxe-gp' 'ok cr4-reserved-gp' 'ok efer-reserved-gp' 'ok pat-type2-gp'
	'ok pat-type8-gp' 'ok debugctl-reserved-gp' 'ok efer-unchanged' 'ok sti-shadow-tf-cpuid-db'
	'ok movss-shadow-tf-cpuid-db' 'ok sti-shadow-tf-mmio-db' 'ok monitor-ud' 'ok mwait-ud' 'entrychk done')
sc_entrychk() {
	single entrychk
	REQUIRE+=("${ENTRY_COMMON[@]}" 'ok pae-pdpte-reserved-gp' 'ok pae-paging-still-off' 'ok pae-paging-is-on'
		'ok cr0-pg-without-pe-gp' 'ok eip-wraps-at-4g')
	FORBID+=('VM entry failed' '^(\[[^]]*\] )?skip ')
}
sc_entrychk64() {
	single entrychk64
	REQUIRE+=("${ENTRY_COMMON[@]}" 'ok cr0-pg-off-64bit-gp' 'ok cr0-high-bits-gp' 'ok cr4-pae-off-long-gp'
		'ok efer-lme-off-paging-gp' 'ok efer-lma-kept' 'ok sysenter-eip-noncanonical-gp'
		'ok fs-base-noncanonical-gp' 'ok cr8-reserved-gp' 'ok cr0-pg-off-pcide-gp' 'ok rip-noncanonical-gp-on-cpuid')
	FORBID+=('VM entry failed')
}
