/* The guest-physical layout of a Vireo VM, one PC's (the one description
 * the EPT setup, the device windows, the ACPI tables and the memory maps
 * handed to guests all take their addresses from):
 *
 *   0x00000000 - 0x0009FBFF  RAM (conventional memory)
 *   0x0009FC00 - 0x0009FFFF  RAM reserved for the ACPI tables (where a
 *                            BIOS keeps its EBDA)
 *   0x000A0000 - 0x000BFFFF  VGA window: reads all-ones, writes dropped
 *   0x000C0000 - 0x000FFFFF  BIOS ROM: read-only, holds the ACPI RSDP at
 *                            0xF0000 (found by the standard scan of
 *                            0xE0000-0xFFFFF)
 *   0x00100000 - RAM size    RAM
 *   RAM size   - 0xFFFFFFFF  MMIO: the I/O APIC and local APIC pages, the
 *                            rest unclaimed (reads all-ones, writes dropped,
 *                            like a master abort; strict-mmio stops the VM)
 *   above 4 GiB              nothing: an access ends the VM
 * RAM is at most 3 GiB, so it never reaches the device window. */
#ifndef VIREO_LOADERS_PC_LAYOUT_H
#define VIREO_LOADERS_PC_LAYOUT_H

#include "loaders/guest_mem.h"

#define PC_VGA_BASE        GMEM_HOLE_START          /* 0xA0000 */
#define PC_VGA_SIZE        0x20000ULL
#define PC_BIOS_BASE       0xC0000ULL
#define PC_BIOS_SIZE       (GMEM_HOLE_END - PC_BIOS_BASE)
#define PC_RSDP            0xF0000ULL
#define PC_ACPI_TABLES     0x9FC00ULL               /* RSDT ... DSDT */
#define PC_ACPI_TABLES_SIZE 0x400ULL
#define PC_MMIO_LIMIT      (1ULL << 32)             /* end of the device window */
#define PC_IOAPIC_BASE     0xFEC00000ULL
#define PC_LAPIC_BASE      0xFEE00000ULL

/* True if [at, at + len) touches the ACPI tables' kilobyte or the legacy
 * hole after it: the platform writes the tables once the image is loaded,
 * over whatever lies there, and the guest's memory map calls them
 * reserved, so no loaded byte may go there. */
static inline bool pc_in_firmware(uint64_t at, uint64_t len)
{
	return len && at < GMEM_HOLE_END && at + len > PC_ACPI_TABLES;
}

#endif
