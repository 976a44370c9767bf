/* Text for VMX exit information. See vmx_names.h. */
#include "lib/libc.h"
#include "arch/x86/vmx/vmx_names.h"
#include "arch/x86/vmx/vmcs_fields.h"

/* Appendix C, Table C-1. NULL marks reserved numbers. */
static const char *const exit_reason_names[EXIT_REASON_MAX + 1] = {
	[EXIT_REASON_EXCEPTION_NMI] = "exception or NMI",
	[EXIT_REASON_EXTERNAL_INTERRUPT] = "external interrupt",
	[EXIT_REASON_TRIPLE_FAULT] = "triple fault",
	[EXIT_REASON_INIT_SIGNAL] = "INIT signal",
	[EXIT_REASON_SIPI] = "start-up IPI",
	[EXIT_REASON_IO_SMI] = "I/O SMI",
	[EXIT_REASON_OTHER_SMI] = "other SMI",
	[EXIT_REASON_INTERRUPT_WINDOW] = "interrupt window",
	[EXIT_REASON_NMI_WINDOW] = "NMI window",
	[EXIT_REASON_TASK_SWITCH] = "task switch",
	[EXIT_REASON_CPUID] = "CPUID",
	[EXIT_REASON_GETSEC] = "GETSEC",
	[EXIT_REASON_HLT] = "HLT",
	[EXIT_REASON_INVD] = "INVD",
	[EXIT_REASON_INVLPG] = "INVLPG",
	[EXIT_REASON_RDPMC] = "RDPMC",
	[EXIT_REASON_RDTSC] = "RDTSC",
	[EXIT_REASON_RSM] = "RSM",
	[EXIT_REASON_VMCALL] = "VMCALL",
	[EXIT_REASON_VMCLEAR] = "VMCLEAR",
	[EXIT_REASON_VMLAUNCH] = "VMLAUNCH",
	[EXIT_REASON_VMPTRLD] = "VMPTRLD",
	[EXIT_REASON_VMPTRST] = "VMPTRST",
	[EXIT_REASON_VMREAD] = "VMREAD",
	[EXIT_REASON_VMRESUME] = "VMRESUME",
	[EXIT_REASON_VMWRITE] = "VMWRITE",
	[EXIT_REASON_VMXOFF] = "VMXOFF",
	[EXIT_REASON_VMXON] = "VMXON",
	[EXIT_REASON_CR_ACCESS] = "control-register access",
	[EXIT_REASON_DR_ACCESS] = "MOV DR",
	[EXIT_REASON_IO_INSTRUCTION] = "I/O instruction",
	[EXIT_REASON_RDMSR] = "RDMSR",
	[EXIT_REASON_WRMSR] = "WRMSR",
	[EXIT_REASON_INVALID_GUEST_STATE] = "VM-entry failure due to invalid guest state",
	[EXIT_REASON_MSR_LOADING] = "VM-entry failure due to MSR loading",
	[EXIT_REASON_MWAIT] = "MWAIT",
	[EXIT_REASON_MONITOR_TRAP_FLAG] = "monitor trap flag",
	[EXIT_REASON_MONITOR] = "MONITOR",
	[EXIT_REASON_PAUSE] = "PAUSE",
	[EXIT_REASON_MACHINE_CHECK] = "VM-entry failure due to machine-check event",
	[EXIT_REASON_TPR_BELOW_THRESHOLD] = "TPR below threshold",
	[EXIT_REASON_APIC_ACCESS] = "APIC access",
	[EXIT_REASON_VIRTUALIZED_EOI] = "virtualized EOI",
	[EXIT_REASON_GDTR_IDTR_ACCESS] = "access to GDTR or IDTR",
	[EXIT_REASON_LDTR_TR_ACCESS] = "access to LDTR or TR",
	[EXIT_REASON_EPT_VIOLATION] = "EPT violation",
	[EXIT_REASON_EPT_MISCONFIG] = "EPT misconfiguration",
	[EXIT_REASON_INVEPT] = "INVEPT",
	[EXIT_REASON_RDTSCP] = "RDTSCP",
	[EXIT_REASON_PREEMPTION_TIMER] = "VMX-preemption timer expired",
	[EXIT_REASON_INVVPID] = "INVVPID",
	[EXIT_REASON_WBINVD] = "WBINVD or WBNOINVD",
	[EXIT_REASON_XSETBV] = "XSETBV",
	[EXIT_REASON_APIC_WRITE] = "APIC write",
	[EXIT_REASON_RDRAND] = "RDRAND",
	[EXIT_REASON_INVPCID] = "INVPCID",
	[EXIT_REASON_VMFUNC] = "VMFUNC",
	[EXIT_REASON_ENCLS] = "ENCLS",
	[EXIT_REASON_RDSEED] = "RDSEED",
	[EXIT_REASON_PML_FULL] = "page-modification log full",
	[EXIT_REASON_XSAVES] = "XSAVES",
	[EXIT_REASON_XRSTORS] = "XRSTORS",
	[EXIT_REASON_PCONFIG] = "PCONFIG",
	[EXIT_REASON_SPP_EVENT] = "SPP-related event",
	[EXIT_REASON_UMWAIT] = "UMWAIT",
	[EXIT_REASON_TPAUSE] = "TPAUSE",
	[EXIT_REASON_LOADIWKEY] = "LOADIWKEY",
};

const char *vmx_exit_reason_name(uint32_t basic_reason)
{
	if (basic_reason > EXIT_REASON_MAX)
		return "unknown";
	if (!exit_reason_names[basic_reason])
		return "reserved";
	return exit_reason_names[basic_reason];
}

/* SDM 31.4, Table 31-1. NULL marks reserved numbers (14, 21, 27). */
static const char *const insn_error_names[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_name(uint32_t err)
{
	if (err >= ARRAY_SIZE(insn_error_names) || !insn_error_names[err])
		return "unknown";
	return insn_error_names[err];
}

/* Append to a bounded buffer, tracking the length snprintf would report. */
struct sbuf {
	char *buf;
	size_t len;
	size_t pos;
};

static void sb_add(struct sbuf *sb, const char *s)
{
	size_t n = strlen(s);

	if (sb->len && sb->pos < sb->len - 1) {
		size_t room = sb->len - 1 - sb->pos;
		size_t c = n < room ? n : room;

		memcpy(sb->buf + sb->pos, s, c);
		sb->buf[sb->pos + c] = '\0';
	}
	sb->pos += n;
}

static int sb_done(const struct sbuf *sb)
{
	return (int)sb->pos;
}

static int sb_init(struct sbuf *sb, char *buf, size_t len)
{
	if (!buf && len)
		return -1;
	sb->buf = buf;
	sb->len = len;
	sb->pos = 0;
	if (len)
		buf[0] = '\0';
	return 0;
}

/* Add the names of the set flags joined by '|', or 'none' if none is set. */
static void sb_flags(struct sbuf *sb, uint64_t v, const uint64_t *bits,
		     const char *const *names, size_t n, const char *none)
{
	bool first = true;

	for (size_t i = 0; i < n; i++) {
		if (!(v & bits[i]))
			continue;
		if (!first)
			sb_add(sb, "|");
		sb_add(sb, names[i]);
		first = false;
	}
	if (first)
		sb_add(sb, none);
}

int vmx_describe_ept_violation(uint64_t qual, char *buf, size_t len)
{
	static const uint64_t acc_bits[] = { EPT_VIOL_READ, EPT_VIOL_WRITE, EPT_VIOL_FETCH };
	static const char *const acc_names[] = { "read", "write", "fetch" };
	struct sbuf sb;

	if (sb_init(&sb, buf, len))
		return -1;
	sb_flags(&sb, qual, acc_bits, acc_names, ARRAY_SIZE(acc_bits), "no access");
	/* Bits 5:3 are the permissions of the guest-physical page (AND of
	 * all EPT levels); 0 means "not present". */
	sb_add(&sb, ", page ");
	sb_add(&sb, (qual & EPT_VIOL_READABLE) ? "readable" : "not readable");
	sb_add(&sb, (qual & EPT_VIOL_WRITABLE) ? "|writable" : "|not writable");
	sb_add(&sb, (qual & EPT_VIOL_EXECUTABLE) ? "|executable" : "|not executable");
	if (!(qual & EPT_VIOL_GLA_VALID))
		sb_add(&sb, ", no linear address");
	else if (qual & EPT_VIOL_GLA_TRANSLATED)
		sb_add(&sb, ", linear address valid (access to translated address)");
	else
		sb_add(&sb, ", linear address valid (access to paging-structure entry)");
	if (qual & EPT_VIOL_NMI_UNBLOCKING)
		sb_add(&sb, ", NMI unblocking due to IRET");
	return sb_done(&sb);
}

int vmx_describe_io_qual(uint64_t qual, char *buf, size_t len)
{
	char tmp[48];
	struct sbuf sb;
	unsigned size = (unsigned)(qual & EXIT_QUAL_IO_SIZE_MASK);

	if (sb_init(&sb, buf, len))
		return -1;
	/* Size encodings 0, 1, 3 mean 1, 2, 4 bytes; 2 is not used (27-5). */
	snprintf(tmp, sizeof(tmp), "%s port 0x%x size %u",
		 (qual & EXIT_QUAL_IO_IN) ? "IN" : "OUT",
		 (unsigned)EXIT_QUAL_IO_PORT(qual), size + 1);
	sb_add(&sb, tmp);
	if (size == 2)
		sb_add(&sb, " (invalid)");
	if (qual & EXIT_QUAL_IO_STRING)
		sb_add(&sb, " string");
	if (qual & EXIT_QUAL_IO_REP)
		sb_add(&sb, " rep");
	if (qual & EXIT_QUAL_IO_IMMEDIATE)
		sb_add(&sb, " imm");
	return sb_done(&sb);
}

static const char *const gpr_names[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

int vmx_describe_cr_qual(uint64_t qual, char *buf, size_t len)
{
	char tmp[64];
	unsigned cr = EXIT_QUAL_CR_NUM(qual);
	const char *gpr = gpr_names[EXIT_QUAL_CR_GPR(qual)];
	struct sbuf sb;

	if (sb_init(&sb, buf, len))
		return -1;
	switch (EXIT_QUAL_CR_TYPE(qual)) {
	case EXIT_QUAL_CR_TYPE_MOV_TO_CR:
		snprintf(tmp, sizeof(tmp), "mov to cr%u from %s", cr, gpr);
		break;
	case EXIT_QUAL_CR_TYPE_MOV_FROM_CR:
		snprintf(tmp, sizeof(tmp), "mov from cr%u to %s", cr, gpr);
		break;
	case EXIT_QUAL_CR_TYPE_CLTS:
		snprintf(tmp, sizeof(tmp), "clts");
		break;
	default:
		snprintf(tmp, sizeof(tmp), "lmsw 0x%x from %s",
			 (unsigned)EXIT_QUAL_CR_LMSW_DATA(qual),
			 (qual & EXIT_QUAL_CR_LMSW_MEMORY) ? "memory" : "register");
		break;
	}
	sb_add(&sb, tmp);
	return sb_done(&sb);
}

/* Mnemonics of exception vectors 0-31 (SDM Vol. 3A 6.15, Table 6-1). */
static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", NULL,
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", NULL, NULL,
	NULL, NULL, NULL, NULL, "#HV", "#VC", "#SX", NULL,
};

static const char *const intr_type_names[8] = {
	"external interrupt", "reserved type 1", "NMI", "hardware exception",
	"software interrupt", "privileged software exception",
	"software exception", "other event",
};

int vmx_describe_intr_info(uint32_t info, char *buf, size_t len)
{
	char tmp[80];
	unsigned vec = info & INTR_INFO_VECTOR_MASK;
	unsigned type = INTR_INFO_TYPE(info);
	struct sbuf sb;

	if (sb_init(&sb, buf, len))
		return -1;
	if (!(info & INTR_INFO_VALID)) {
		sb_add(&sb, "not valid");
		return sb_done(&sb);
	}
	if ((type == INTR_TYPE_HW_EXCEPTION || type == INTR_TYPE_SW_EXCEPTION ||
	     type == INTR_TYPE_PRIV_SW_EXCEPTION) && vec < 32 && exc_names[vec])
		snprintf(tmp, sizeof(tmp), "%s %u (%s)", intr_type_names[type], vec,
			 exc_names[vec]);
	else
		snprintf(tmp, sizeof(tmp), "%s %u", intr_type_names[type], vec);
	sb_add(&sb, tmp);
	if (info & INTR_INFO_DELIVER_ERROR_CODE)
		sb_add(&sb, ", error code");
	if (info & INTR_INFO_NMI_UNBLOCKING)
		sb_add(&sb, ", NMI unblocking due to IRET");
	return sb_done(&sb);
}
