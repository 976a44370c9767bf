/* Just enough ACPI to power the machine off (ACPI 6.x spec: 5.2 tables,
 * 7.4.2 \_S5 sleep state, 4.8.3.2.1 PM1 control register). */
#ifndef VIREO_ARCH_X86_CPU_ACPI_H
#define VIREO_ARCH_X86_CPU_ACPI_H

#include "lib/libc.h"

/* Hand over the RSDP found by the boot loader (multiboot2 tag 14/15 copy).
 * Without it, acpi_poweroff scans the EBDA and 0xE0000-0xFFFFF. The
 * pointed-to memory must stay valid (the multiboot info is never freed). */
void acpi_set_rsdp(const void *rsdp);

/* Enter S5 (soft off). Returns only if that failed. */
void acpi_poweroff(void);

/* Pure helpers (no hardware access). */
/* Sum of 'len' bytes mod 256; a valid ACPI table sums to 0 (5.2.5.3). */
uint8_t acpi_checksum(const void *p, size_t len);
/* Find "\_S5_" in AML and decode SLP_TYPa/SLP_TYPb. 0 on success, -1 if
 * not found or not in a form we understand. */
int acpi_decode_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa, uint8_t *slp_typb);

#endif
