/* VMCS field encodings and the bit layouts of VMX controls, exit reasons and
 * exit information (Intel SDM Vol. 3C chapters 24-27 and Appendices B, C).
 *
 * Naming scheme (Linux/ACRN-like, one prefix per register or field group):
 *   VMCS_*              field encodings for VMREAD/VMWRITE (Appendix B)
 *   PIN_BASED_*         pin-based VM-execution controls (24.6.1)
 *   CPU_BASED_*         primary processor-based controls (24.6.2, Table 24-6)
 *   SECONDARY_EXEC_*    secondary processor-based controls (24.6.2, Table 24-7)
 *   VM_EXIT_*           VM-exit controls (24.7.1)
 *   VM_ENTRY_*          VM-entry controls (24.8.1)
 *   EXIT_REASON_*       basic exit reasons (Appendix C)
 *   EXIT_QUAL_IO_*, EXIT_QUAL_CR_*, EPT_VIOL_*   exit qualifications (27.2.1)
 *   INTR_INFO_*, INTR_TYPE_*   interruption-information format (24.8.3, 27.2.2)
 *   GUEST_INTR_STATE_*, GUEST_ACTIVITY_*        guest non-register state (24.4.2)
 *   VMX_AR_*            segment access rights (24.4.1)
 *   EPTP_*              EPT pointer (24.6.11)
 * Header only: constants, no code. */
#ifndef VIREO_ARCH_X86_VMX_VMCS_FIELDS_H
#define VIREO_ARCH_X86_VMX_VMCS_FIELDS_H

#include <stdint.h>

/* ---- 16-bit fields (B.1) ---- */
/* B.1.1 control fields */
#define VMCS_VPID                       0x0000u
#define VMCS_POSTED_INTR_NV             0x0002u
#define VMCS_EPTP_INDEX                 0x0004u
/* B.1.2 guest-state fields */
#define VMCS_GUEST_ES_SELECTOR          0x0800u
#define VMCS_GUEST_CS_SELECTOR          0x0802u
#define VMCS_GUEST_SS_SELECTOR          0x0804u
#define VMCS_GUEST_DS_SELECTOR          0x0806u
#define VMCS_GUEST_FS_SELECTOR          0x0808u
#define VMCS_GUEST_GS_SELECTOR          0x080au
#define VMCS_GUEST_LDTR_SELECTOR        0x080cu
#define VMCS_GUEST_TR_SELECTOR          0x080eu
#define VMCS_GUEST_INTR_STATUS          0x0810u
#define VMCS_GUEST_PML_INDEX            0x0812u
/* B.1.3 host-state fields */
#define VMCS_HOST_ES_SELECTOR           0x0c00u
#define VMCS_HOST_CS_SELECTOR           0x0c02u
#define VMCS_HOST_SS_SELECTOR           0x0c04u
#define VMCS_HOST_DS_SELECTOR           0x0c06u
#define VMCS_HOST_FS_SELECTOR           0x0c08u
#define VMCS_HOST_GS_SELECTOR           0x0c0au
#define VMCS_HOST_TR_SELECTOR           0x0c0cu

/* ---- 64-bit fields (B.2); the "high" half of field F is F + 1 ---- */
/* B.2.1 control fields */
#define VMCS_IO_BITMAP_A                0x2000u
#define VMCS_IO_BITMAP_B                0x2002u
#define VMCS_MSR_BITMAP                 0x2004u
#define VMCS_EXIT_MSR_STORE_ADDR        0x2006u
#define VMCS_EXIT_MSR_LOAD_ADDR         0x2008u
#define VMCS_ENTRY_MSR_LOAD_ADDR        0x200au
#define VMCS_EXECUTIVE_VMCS_PTR         0x200cu
#define VMCS_PML_ADDR                   0x200eu
#define VMCS_TSC_OFFSET                 0x2010u
#define VMCS_VIRTUAL_APIC_ADDR          0x2012u
#define VMCS_APIC_ACCESS_ADDR           0x2014u
#define VMCS_POSTED_INTR_DESC_ADDR      0x2016u
#define VMCS_VM_FUNCTION_CTRL           0x2018u
#define VMCS_EPT_POINTER                0x201au
#define VMCS_EOI_EXIT_BITMAP0           0x201cu
#define VMCS_EOI_EXIT_BITMAP1           0x201eu
#define VMCS_EOI_EXIT_BITMAP2           0x2020u
#define VMCS_EOI_EXIT_BITMAP3           0x2022u
#define VMCS_EPTP_LIST_ADDR             0x2024u
#define VMCS_VMREAD_BITMAP              0x2026u
#define VMCS_VMWRITE_BITMAP             0x2028u
#define VMCS_VE_INFO_ADDR               0x202au
#define VMCS_XSS_EXIT_BITMAP            0x202cu
#define VMCS_ENCLS_EXIT_BITMAP          0x202eu
#define VMCS_SPP_TABLE_PTR              0x2030u
#define VMCS_TSC_MULTIPLIER             0x2032u
#define VMCS_TERTIARY_PROC_CTRL         0x2034u
#define VMCS_ENCLV_EXIT_BITMAP          0x2036u
/* B.2.2 read-only data fields */
#define VMCS_GUEST_PHYSICAL_ADDR        0x2400u
/* B.2.3 guest-state fields */
#define VMCS_LINK_POINTER               0x2800u
#define VMCS_GUEST_IA32_DEBUGCTL        0x2802u
#define VMCS_GUEST_IA32_PAT             0x2804u
#define VMCS_GUEST_IA32_EFER            0x2806u
#define VMCS_GUEST_IA32_PERF_GLOBAL_CTRL 0x2808u
#define VMCS_GUEST_PDPTE0               0x280au
#define VMCS_GUEST_PDPTE1               0x280cu
#define VMCS_GUEST_PDPTE2               0x280eu
#define VMCS_GUEST_PDPTE3               0x2810u
#define VMCS_GUEST_IA32_BNDCFGS         0x2812u
#define VMCS_GUEST_IA32_RTIT_CTL        0x2814u
#define VMCS_GUEST_IA32_PKRS            0x2818u
/* B.2.4 host-state fields */
#define VMCS_HOST_IA32_PAT              0x2c00u
#define VMCS_HOST_IA32_EFER             0x2c02u
#define VMCS_HOST_IA32_PERF_GLOBAL_CTRL 0x2c04u
#define VMCS_HOST_IA32_PKRS             0x2c06u

/* ---- 32-bit fields (B.3) ---- */
/* B.3.1 control fields */
#define VMCS_PIN_BASED_CTLS             0x4000u
#define VMCS_PROC_BASED_CTLS            0x4002u
#define VMCS_EXCEPTION_BITMAP           0x4004u
#define VMCS_PF_ERROR_CODE_MASK         0x4006u
#define VMCS_PF_ERROR_CODE_MATCH        0x4008u
#define VMCS_CR3_TARGET_COUNT           0x400au
#define VMCS_EXIT_CTLS                  0x400cu
#define VMCS_EXIT_MSR_STORE_COUNT       0x400eu
#define VMCS_EXIT_MSR_LOAD_COUNT        0x4010u
#define VMCS_ENTRY_CTLS                 0x4012u
#define VMCS_ENTRY_MSR_LOAD_COUNT       0x4014u
#define VMCS_ENTRY_INTR_INFO            0x4016u
#define VMCS_ENTRY_EXCEPTION_ERROR_CODE 0x4018u
#define VMCS_ENTRY_INSTRUCTION_LEN      0x401au
#define VMCS_TPR_THRESHOLD              0x401cu
#define VMCS_PROC_BASED_CTLS2           0x401eu
#define VMCS_PLE_GAP                    0x4020u
#define VMCS_PLE_WINDOW                 0x4022u
/* B.3.2 read-only data fields (exit information, 24.9) */
#define VMCS_VM_INSTRUCTION_ERROR       0x4400u
#define VMCS_EXIT_REASON                0x4402u
#define VMCS_EXIT_INTR_INFO             0x4404u
#define VMCS_EXIT_INTR_ERROR_CODE       0x4406u
#define VMCS_IDT_VECTORING_INFO         0x4408u
#define VMCS_IDT_VECTORING_ERROR_CODE   0x440au
#define VMCS_EXIT_INSTRUCTION_LEN       0x440cu
#define VMCS_EXIT_INSTRUCTION_INFO      0x440eu
/* B.3.3 guest-state fields */
#define VMCS_GUEST_ES_LIMIT             0x4800u
#define VMCS_GUEST_CS_LIMIT             0x4802u
#define VMCS_GUEST_SS_LIMIT             0x4804u
#define VMCS_GUEST_DS_LIMIT             0x4806u
#define VMCS_GUEST_FS_LIMIT             0x4808u
#define VMCS_GUEST_GS_LIMIT             0x480au
#define VMCS_GUEST_LDTR_LIMIT           0x480cu
#define VMCS_GUEST_TR_LIMIT             0x480eu
#define VMCS_GUEST_GDTR_LIMIT           0x4810u
#define VMCS_GUEST_IDTR_LIMIT           0x4812u
#define VMCS_GUEST_ES_AR                0x4814u
#define VMCS_GUEST_CS_AR                0x4816u
#define VMCS_GUEST_SS_AR                0x4818u
#define VMCS_GUEST_DS_AR                0x481au
#define VMCS_GUEST_FS_AR                0x481cu
#define VMCS_GUEST_GS_AR                0x481eu
#define VMCS_GUEST_LDTR_AR              0x4820u
#define VMCS_GUEST_TR_AR                0x4822u
#define VMCS_GUEST_INTERRUPTIBILITY     0x4824u
#define VMCS_GUEST_ACTIVITY_STATE       0x4826u
#define VMCS_GUEST_SMBASE               0x4828u
#define VMCS_GUEST_SYSENTER_CS          0x482au
#define VMCS_PREEMPTION_TIMER_VALUE     0x482eu
/* B.3.4 host-state field */
#define VMCS_HOST_SYSENTER_CS           0x4c00u

/* ---- natural-width fields (B.4) ---- */
/* B.4.1 control fields */
#define VMCS_CR0_GUEST_HOST_MASK        0x6000u
#define VMCS_CR4_GUEST_HOST_MASK        0x6002u
#define VMCS_CR0_READ_SHADOW            0x6004u
#define VMCS_CR4_READ_SHADOW            0x6006u
#define VMCS_CR3_TARGET_VALUE0          0x6008u
#define VMCS_CR3_TARGET_VALUE1          0x600au
#define VMCS_CR3_TARGET_VALUE2          0x600cu
#define VMCS_CR3_TARGET_VALUE3          0x600eu
/* B.4.2 read-only data fields */
#define VMCS_EXIT_QUALIFICATION         0x6400u
#define VMCS_IO_RCX                     0x6402u
#define VMCS_IO_RSI                     0x6404u
#define VMCS_IO_RDI                     0x6406u
#define VMCS_IO_RIP                     0x6408u
#define VMCS_GUEST_LINEAR_ADDR          0x640au
/* B.4.3 guest-state fields */
#define VMCS_GUEST_CR0                  0x6800u
#define VMCS_GUEST_CR3                  0x6802u
#define VMCS_GUEST_CR4                  0x6804u
#define VMCS_GUEST_ES_BASE              0x6806u
#define VMCS_GUEST_CS_BASE              0x6808u
#define VMCS_GUEST_SS_BASE              0x680au
#define VMCS_GUEST_DS_BASE              0x680cu
#define VMCS_GUEST_FS_BASE              0x680eu
#define VMCS_GUEST_GS_BASE              0x6810u
#define VMCS_GUEST_LDTR_BASE            0x6812u
#define VMCS_GUEST_TR_BASE              0x6814u
#define VMCS_GUEST_GDTR_BASE            0x6816u
#define VMCS_GUEST_IDTR_BASE            0x6818u
#define VMCS_GUEST_DR7                  0x681au
#define VMCS_GUEST_RSP                  0x681cu
#define VMCS_GUEST_RIP                  0x681eu
#define VMCS_GUEST_RFLAGS               0x6820u
#define VMCS_GUEST_PENDING_DBG_EXCEPTIONS 0x6822u
#define VMCS_GUEST_SYSENTER_ESP         0x6824u
#define VMCS_GUEST_SYSENTER_EIP         0x6826u
#define VMCS_GUEST_S_CET                0x6828u
#define VMCS_GUEST_SSP                  0x682au
#define VMCS_GUEST_INTR_SSP_TABLE_ADDR  0x682cu
/* B.4.4 host-state fields */
#define VMCS_HOST_CR0                   0x6c00u
#define VMCS_HOST_CR3                   0x6c02u
#define VMCS_HOST_CR4                   0x6c04u
#define VMCS_HOST_FS_BASE               0x6c06u
#define VMCS_HOST_GS_BASE               0x6c08u
#define VMCS_HOST_TR_BASE               0x6c0au
#define VMCS_HOST_GDTR_BASE             0x6c0cu
#define VMCS_HOST_IDTR_BASE             0x6c0eu
#define VMCS_HOST_SYSENTER_ESP          0x6c10u
#define VMCS_HOST_SYSENTER_EIP          0x6c12u
#define VMCS_HOST_RSP                   0x6c14u
#define VMCS_HOST_RIP                   0x6c16u

/* ---- pin-based VM-execution controls (24.6.1, Table 24-5) ---- */
#define PIN_BASED_EXT_INTR_EXITING      (1u << 0)
#define PIN_BASED_NMI_EXITING           (1u << 3)
#define PIN_BASED_VIRTUAL_NMIS          (1u << 5)
#define PIN_BASED_PREEMPTION_TIMER      (1u << 6)
#define PIN_BASED_POSTED_INTR           (1u << 7)

/* ---- primary processor-based controls (24.6.2, Table 24-6) ---- */
#define CPU_BASED_INTR_WINDOW_EXITING   (1u << 2)
#define CPU_BASED_USE_TSC_OFFSETTING    (1u << 3)
#define CPU_BASED_HLT_EXITING           (1u << 7)
#define CPU_BASED_INVLPG_EXITING        (1u << 9)
#define CPU_BASED_MWAIT_EXITING         (1u << 10)
#define CPU_BASED_RDPMC_EXITING         (1u << 11)
#define CPU_BASED_RDTSC_EXITING         (1u << 12)
#define CPU_BASED_CR3_LOAD_EXITING      (1u << 15)
#define CPU_BASED_CR3_STORE_EXITING     (1u << 16)
#define CPU_BASED_ACTIVATE_TERTIARY_CTLS (1u << 17)
#define CPU_BASED_CR8_LOAD_EXITING      (1u << 19)
#define CPU_BASED_CR8_STORE_EXITING     (1u << 20)
#define CPU_BASED_TPR_SHADOW            (1u << 21)
#define CPU_BASED_NMI_WINDOW_EXITING    (1u << 22)
#define CPU_BASED_MOV_DR_EXITING        (1u << 23)
#define CPU_BASED_UNCOND_IO_EXITING     (1u << 24)
#define CPU_BASED_USE_IO_BITMAPS        (1u << 25)
#define CPU_BASED_MONITOR_TRAP_FLAG     (1u << 27)
#define CPU_BASED_USE_MSR_BITMAPS       (1u << 28)
#define CPU_BASED_MONITOR_EXITING       (1u << 29)
#define CPU_BASED_PAUSE_EXITING         (1u << 30)
#define CPU_BASED_ACTIVATE_SECONDARY_CTLS (1u << 31)

/* ---- secondary processor-based controls (24.6.2, Table 24-7) ---- */
#define SECONDARY_EXEC_VIRT_APIC_ACCESSES (1u << 0)
#define SECONDARY_EXEC_ENABLE_EPT       (1u << 1)
#define SECONDARY_EXEC_DESC_TABLE_EXITING (1u << 2)
#define SECONDARY_EXEC_ENABLE_RDTSCP    (1u << 3)
#define SECONDARY_EXEC_VIRT_X2APIC_MODE (1u << 4)
#define SECONDARY_EXEC_ENABLE_VPID      (1u << 5)
#define SECONDARY_EXEC_WBINVD_EXITING   (1u << 6)
#define SECONDARY_EXEC_UNRESTRICTED_GUEST (1u << 7)
#define SECONDARY_EXEC_APIC_REGISTER_VIRT (1u << 8)
#define SECONDARY_EXEC_VIRT_INTR_DELIVERY (1u << 9)
#define SECONDARY_EXEC_PAUSE_LOOP_EXITING (1u << 10)
#define SECONDARY_EXEC_RDRAND_EXITING   (1u << 11)
#define SECONDARY_EXEC_ENABLE_INVPCID   (1u << 12)
#define SECONDARY_EXEC_ENABLE_VMFUNC    (1u << 13)
#define SECONDARY_EXEC_VMCS_SHADOWING   (1u << 14)
#define SECONDARY_EXEC_ENCLS_EXITING    (1u << 15)
#define SECONDARY_EXEC_RDSEED_EXITING   (1u << 16)
#define SECONDARY_EXEC_ENABLE_PML       (1u << 17)
#define SECONDARY_EXEC_EPT_VIOLATION_VE (1u << 18)
#define SECONDARY_EXEC_PT_CONCEAL_VMX   (1u << 19)
#define SECONDARY_EXEC_ENABLE_XSAVES    (1u << 20)
#define SECONDARY_EXEC_PASID_TRANSLATION (1u << 21)
#define SECONDARY_EXEC_MODE_BASED_EPT_EXEC (1u << 22)
#define SECONDARY_EXEC_EPT_SUBPAGE_WRITE (1u << 23)
#define SECONDARY_EXEC_PT_USE_GPA       (1u << 24)
#define SECONDARY_EXEC_TSC_SCALING      (1u << 25)
#define SECONDARY_EXEC_ENABLE_USR_WAIT_PAUSE (1u << 26)
#define SECONDARY_EXEC_ENABLE_PCONFIG   (1u << 27)
#define SECONDARY_EXEC_ENCLV_EXITING    (1u << 28)
#define SECONDARY_EXEC_BUS_LOCK_DETECTION (1u << 30)
#define SECONDARY_EXEC_INSTRUCTION_TIMEOUT (1u << 31)

/* ---- VM-exit controls (24.7.1, Table 24-13) ---- */
#define VM_EXIT_SAVE_DEBUG_CONTROLS     (1u << 2)
#define VM_EXIT_HOST_ADDR_SPACE_SIZE    (1u << 9)
#define VM_EXIT_LOAD_IA32_PERF_GLOBAL_CTRL (1u << 12)
#define VM_EXIT_ACK_INTR_ON_EXIT        (1u << 15)
#define VM_EXIT_SAVE_IA32_PAT           (1u << 18)
#define VM_EXIT_LOAD_IA32_PAT           (1u << 19)
#define VM_EXIT_SAVE_IA32_EFER          (1u << 20)
#define VM_EXIT_LOAD_IA32_EFER          (1u << 21)
#define VM_EXIT_SAVE_PREEMPTION_TIMER   (1u << 22)
#define VM_EXIT_CLEAR_IA32_BNDCFGS      (1u << 23)
#define VM_EXIT_PT_CONCEAL_VMX          (1u << 24)
#define VM_EXIT_CLEAR_IA32_RTIT_CTL     (1u << 25)
#define VM_EXIT_CLEAR_IA32_LBR_CTL      (1u << 26)
#define VM_EXIT_CLEAR_UINV              (1u << 27)
#define VM_EXIT_LOAD_CET_STATE          (1u << 28)
#define VM_EXIT_LOAD_IA32_PKRS          (1u << 29)
#define VM_EXIT_SAVE_IA32_PERF_GLOBAL_CTRL (1u << 30)
#define VM_EXIT_ACTIVATE_SECONDARY_CTLS (1u << 31)

/* ---- VM-entry controls (24.8.1, Table 24-15) ---- */
#define VM_ENTRY_LOAD_DEBUG_CONTROLS    (1u << 2)
#define VM_ENTRY_IA32E_MODE_GUEST       (1u << 9)
#define VM_ENTRY_ENTRY_TO_SMM           (1u << 10)
#define VM_ENTRY_DEACT_DUAL_MONITOR     (1u << 11)
#define VM_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL (1u << 13)
#define VM_ENTRY_LOAD_IA32_PAT          (1u << 14)
#define VM_ENTRY_LOAD_IA32_EFER         (1u << 15)
#define VM_ENTRY_LOAD_IA32_BNDCFGS      (1u << 16)
#define VM_ENTRY_PT_CONCEAL_VMX         (1u << 17)
#define VM_ENTRY_LOAD_IA32_RTIT_CTL     (1u << 18)
#define VM_ENTRY_LOAD_UINV              (1u << 19)
#define VM_ENTRY_LOAD_CET_STATE         (1u << 20)
#define VM_ENTRY_LOAD_IA32_LBR_CTL      (1u << 21)
#define VM_ENTRY_LOAD_IA32_PKRS         (1u << 22)

/* ---- exit reason field (24.9.1, Table 24-17) ---- */
#define EXIT_REASON_BASIC_MASK          0xffffu
#define EXIT_REASON_ENCLAVE_MODE        (1u << 27)
#define EXIT_REASON_PENDING_MTF         (1u << 28)
#define EXIT_REASON_FROM_VMX_ROOT       (1u << 29)
#define EXIT_REASON_FAILED_VMENTRY      (1u << 31)

/* ---- basic exit reasons (Appendix C, Table C-1) ---- */
#define EXIT_REASON_EXCEPTION_NMI       0
#define EXIT_REASON_EXTERNAL_INTERRUPT  1
#define EXIT_REASON_TRIPLE_FAULT        2
#define EXIT_REASON_INIT_SIGNAL         3
#define EXIT_REASON_SIPI                4
#define EXIT_REASON_IO_SMI              5
#define EXIT_REASON_OTHER_SMI           6
#define EXIT_REASON_INTERRUPT_WINDOW    7
#define EXIT_REASON_NMI_WINDOW          8
#define EXIT_REASON_TASK_SWITCH         9
#define EXIT_REASON_CPUID               10
#define EXIT_REASON_GETSEC              11
#define EXIT_REASON_HLT                 12
#define EXIT_REASON_INVD                13
#define EXIT_REASON_INVLPG              14
#define EXIT_REASON_RDPMC               15
#define EXIT_REASON_RDTSC               16
#define EXIT_REASON_RSM                 17
#define EXIT_REASON_VMCALL              18
#define EXIT_REASON_VMCLEAR             19
#define EXIT_REASON_VMLAUNCH            20
#define EXIT_REASON_VMPTRLD             21
#define EXIT_REASON_VMPTRST             22
#define EXIT_REASON_VMREAD              23
#define EXIT_REASON_VMRESUME            24
#define EXIT_REASON_VMWRITE             25
#define EXIT_REASON_VMXOFF              26
#define EXIT_REASON_VMXON               27
#define EXIT_REASON_CR_ACCESS           28
#define EXIT_REASON_DR_ACCESS           29
#define EXIT_REASON_IO_INSTRUCTION      30
#define EXIT_REASON_RDMSR               31
#define EXIT_REASON_WRMSR               32
#define EXIT_REASON_INVALID_GUEST_STATE 33
#define EXIT_REASON_MSR_LOADING         34
/* 35 reserved */
#define EXIT_REASON_MWAIT               36
#define EXIT_REASON_MONITOR_TRAP_FLAG   37
/* 38 reserved */
#define EXIT_REASON_MONITOR             39
#define EXIT_REASON_PAUSE               40
#define EXIT_REASON_MACHINE_CHECK       41
/* 42 reserved */
#define EXIT_REASON_TPR_BELOW_THRESHOLD 43
#define EXIT_REASON_APIC_ACCESS         44
#define EXIT_REASON_VIRTUALIZED_EOI     45
#define EXIT_REASON_GDTR_IDTR_ACCESS    46
#define EXIT_REASON_LDTR_TR_ACCESS      47
#define EXIT_REASON_EPT_VIOLATION       48
#define EXIT_REASON_EPT_MISCONFIG       49
#define EXIT_REASON_INVEPT              50
#define EXIT_REASON_RDTSCP              51
#define EXIT_REASON_PREEMPTION_TIMER    52
#define EXIT_REASON_INVVPID             53
#define EXIT_REASON_WBINVD              54
#define EXIT_REASON_XSETBV              55
#define EXIT_REASON_APIC_WRITE          56
#define EXIT_REASON_RDRAND              57
#define EXIT_REASON_INVPCID             58
#define EXIT_REASON_VMFUNC              59
#define EXIT_REASON_ENCLS               60
#define EXIT_REASON_RDSEED              61
#define EXIT_REASON_PML_FULL            62
#define EXIT_REASON_XSAVES              63
#define EXIT_REASON_XRSTORS             64
#define EXIT_REASON_PCONFIG             65
#define EXIT_REASON_SPP_EVENT           66
#define EXIT_REASON_UMWAIT              67
#define EXIT_REASON_TPAUSE              68
#define EXIT_REASON_LOADIWKEY           69
#define EXIT_REASON_MAX                 69

/* ---- exit qualification: I/O instructions (27.2.1, Table 27-5) ---- */
#define EXIT_QUAL_IO_SIZE_MASK          0x7u   /* 0 = 1 byte, 1 = 2, 3 = 4 */
#define EXIT_QUAL_IO_IN                 (1u << 3) /* clear = OUT */
#define EXIT_QUAL_IO_STRING             (1u << 4)
#define EXIT_QUAL_IO_REP                (1u << 5)
#define EXIT_QUAL_IO_IMMEDIATE          (1u << 6) /* clear = port in DX */
#define EXIT_QUAL_IO_PORT_SHIFT         16
#define EXIT_QUAL_IO_PORT(q)            ((uint16_t)((q) >> 16))
#define EXIT_QUAL_IO_BYTES(q)           ((unsigned)((q) & EXIT_QUAL_IO_SIZE_MASK) + 1u)

/* ---- exit qualification: control-register accesses (27.2.1, Table 27-3) ---- */
#define EXIT_QUAL_CR_NUM(q)             ((unsigned)((q) & 0xf))
#define EXIT_QUAL_CR_TYPE(q)            ((unsigned)(((q) >> 4) & 0x3))
#define EXIT_QUAL_CR_TYPE_MOV_TO_CR     0
#define EXIT_QUAL_CR_TYPE_MOV_FROM_CR   1
#define EXIT_QUAL_CR_TYPE_CLTS          2
#define EXIT_QUAL_CR_TYPE_LMSW          3
#define EXIT_QUAL_CR_LMSW_MEMORY        (1u << 6) /* clear = register operand */
#define EXIT_QUAL_CR_GPR(q)             ((unsigned)(((q) >> 8) & 0xf))
#define EXIT_QUAL_CR_LMSW_DATA(q)       ((uint16_t)((q) >> 16))

/* ---- exit qualification: EPT violations (27.2.1, Table 27-7) ---- */
#define EPT_VIOL_READ                   (1u << 0)
#define EPT_VIOL_WRITE                  (1u << 1)
#define EPT_VIOL_FETCH                  (1u << 2)
#define EPT_VIOL_READABLE               (1u << 3)
#define EPT_VIOL_WRITABLE               (1u << 4)
#define EPT_VIOL_EXECUTABLE             (1u << 5)
#define EPT_VIOL_USER_EXECUTABLE        (1u << 6)
#define EPT_VIOL_GLA_VALID              (1u << 7)
#define EPT_VIOL_GLA_TRANSLATED         (1u << 8) /* valid only with GLA_VALID */
#define EPT_VIOL_USER_MODE_GLA          (1u << 9)
#define EPT_VIOL_GLA_WRITABLE           (1u << 10)
#define EPT_VIOL_GLA_EXEC_DISABLE       (1u << 11)
#define EPT_VIOL_NMI_UNBLOCKING         (1u << 12)
#define EPT_VIOL_SHADOW_STACK           (1u << 13)
#define EPT_VIOL_SUPERVISOR_SHADOW_STACK (1u << 14)
#define EPT_VIOL_GUEST_PAGING_VERIFY    (1u << 15)
#define EPT_VIOL_ASYNC                  (1u << 16)

/* ---- interruption information (24.8.3 entry, 27.2.2 exit, 27.2.4 IDT vectoring) ---- */
#define INTR_INFO_VECTOR_MASK           0xffu
#define INTR_INFO_TYPE_SHIFT            8
#define INTR_INFO_TYPE_MASK             (7u << 8)
#define INTR_INFO_DELIVER_ERROR_CODE    (1u << 11)
#define INTR_INFO_NMI_UNBLOCKING        (1u << 12) /* exit information only */
#define INTR_INFO_VALID                 (1u << 31)
#define INTR_TYPE_EXT_INTR              0u
#define INTR_TYPE_NMI                   2u
#define INTR_TYPE_HW_EXCEPTION          3u
#define INTR_TYPE_SW_INTR               4u
#define INTR_TYPE_PRIV_SW_EXCEPTION     5u
#define INTR_TYPE_SW_EXCEPTION          6u
#define INTR_TYPE_OTHER_EVENT           7u
#define INTR_INFO_TYPE(info)            (((info) >> 8) & 7u)

/* ---- guest interruptibility state (24.4.2, Table 24-3) ---- */
#define GUEST_INTR_STATE_STI            (1u << 0)
#define GUEST_INTR_STATE_MOV_SS         (1u << 1)
#define GUEST_INTR_STATE_SMI            (1u << 2)
#define GUEST_INTR_STATE_NMI            (1u << 3)
#define GUEST_INTR_STATE_ENCLAVE        (1u << 4)

/* ---- guest activity state (24.4.2) ---- */
#define GUEST_ACTIVITY_ACTIVE           0u
#define GUEST_ACTIVITY_HLT              1u
#define GUEST_ACTIVITY_SHUTDOWN         2u
#define GUEST_ACTIVITY_WAIT_SIPI        3u

/* ---- segment access rights in the VMCS (24.4.1, Table 24-2) ---- */
#define VMX_AR_TYPE_MASK                0xfu
#define VMX_AR_S                        (1u << 4)  /* code/data (not system) */
#define VMX_AR_DPL_SHIFT                5
#define VMX_AR_DPL_MASK                 (3u << 5)
#define VMX_AR_P                        (1u << 7)
#define VMX_AR_AVL                      (1u << 12)
#define VMX_AR_L                        (1u << 13) /* 64-bit code (CS only) */
#define VMX_AR_DB                       (1u << 14)
#define VMX_AR_G                        (1u << 15)
#define VMX_AR_UNUSABLE                 (1u << 16)
/* Common type values (SDM 3.4.5.1, Table 3-1 and 3-2). */
#define VMX_AR_TYPE_DATA_RW_ACCESSED    0x3u
#define VMX_AR_TYPE_CODE_XR_ACCESSED    0xbu
#define VMX_AR_TYPE_LDT                 0x2u
#define VMX_AR_TYPE_TSS16_BUSY          0x3u
#define VMX_AR_TYPE_TSS32_BUSY          0xbu /* also 64-bit busy TSS */

/* ---- EPT pointer (24.6.11, Table 24-9) ---- */
#define EPTP_MEMTYPE_UC                 0x0ull
#define EPTP_MEMTYPE_WB                 0x6ull
#define EPTP_MEMTYPE_MASK               0x7ull
#define EPTP_PWL_SHIFT                  3      /* page-walk length - 1 */
#define EPTP_PWL_4                      (3ull << 3)
#define EPTP_PWL_5                      (4ull << 3)
#define EPTP_AD_ENABLE                  (1ull << 6)
#define EPTP_SSS_ENABLE                 (1ull << 7) /* supervisor shadow stack */
#define EPTP_ADDR_MASK                  0x000ffffffffff000ull

#endif
