# entrychk: the guest-reachable VM-entry checks (SDM 26.3.1), 32- and 64-bit.
$(eval $(call guest32_rule,entrychk,tests))
$(eval $(call guest64_rule,entrychk64,entrychk))
guests: $(GB)/entrychk.elf $(GB)/entrychk64.elf
