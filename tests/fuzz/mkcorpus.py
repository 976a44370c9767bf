#!/usr/bin/env python3
"""Write the seed corpora of the non-device fuzz targets into
tests/fuzz/corpus/NAME/ (committed; rerun after changing a target's input
format). Each seed follows the byte layout its target's
LLVMFuzzerTestOneInput reads, so libFuzzer starts from inputs that get
past the first checks. Usage: tests/fuzz/mkcorpus.py [NAME...]"""
import os
import struct
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
u8 = lambda v: struct.pack("<B", v & 0xFF)
u16 = lambda v: struct.pack("<H", v & 0xFFFF)
u32 = lambda v: struct.pack("<I", v & 0xFFFFFFFF)
u64 = lambda v: struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)

# Instructions from tests/unit/test_decode.c and test_emulate.c: (mode, bytes)
L64, P32, P16, R16 = 3, 2, 1, 0
INSNS = [
    (L64, "8b 05 00 10 00 00"), (L64, "89 08"), (L64, "48 89 08"), (L64, "41 89 08"),
    (L64, "44 89 08"), (L64, "4a 8b 04 88"), (L64, "8b 04 24"), (L64, "8b 45 08"),
    (L64, "66 8b 08"), (L64, "8a 3e"), (L64, "40 88 28"), (L64, "c6 00 ab"),
    (L64, "48 c7 00 fe ff ff ff"), (L64, "66 c7 00 34 12"),
    (L64, "a2 28 00 e0 fe 00 00 00 00"), (L64, "0f be 08"), (L64, "48 0f be 08"),
    (L64, "0f b6 08"), (L64, "66 0f b6 08"), (L64, "0f bf 08"), (L64, "48 63 08"),
    (L64, "48 0f b7 08"), (L64, "39 08"), (L64, "85 08"), (L64, "3b 08"), (L64, "03 08"),
    (L64, "2a 20"), (L64, "83 08 80"), (L64, "83 20 f0"), (L64, "f7 00 01 00 00 00"),
    (L64, "f0 01 08"), (L64, "87 08"), (L64, "86 30"), (L64, "aa"), (L64, "66 ad"),
    (L64, "f3 a4"), (L64, "f3 48 ab"), (L64, "65 8b 04 25 00 00 00 00"),
    (L64, "81 38 78 56 34 12"), (L64, "19 08"), (L64, "1b 08"), (L64, "31 08"),
    (P32, "8b 00"), (P32, "a1 00 00 e0 fe"), (P32, "67 8b 07"), (P32, "f3 a5"),
    (P32, "26 89 18"), (P32, "80 3d 00 00 e0 fe 01"),
    (R16, "8b 07"), (R16, "80 3f 90"), (R16, "89 46 02"), (R16, "66 8b 84 00 10"),
    (P16, "a3 00 10"), (P16, "67 89 04 24"), (P16, "f3 aa"),
    (L64, "0f ae 38"), (L64, "66 0f ae 3d 00 10 00 00"), (P32, "0f ae 7b 08"),
]


def hexb(s):
    return bytes(int(x, 16) for x in s.split())


def decode():
    for mode, b in INSNS:
        yield u8(mode) + hexb(b) + b"\x90" * 2 + u8(40)


def emulate():
    for i, (mode, b) in enumerate(INSNS):
        regs = b"".join(u64(0x1111111111111111 * (r + 1) + i) for r in range(16))
        fail = 0x10 if i % 5 else (1 << (i % 3))   # a failing bus now and then
        yield (u8(mode) + u8(fail) + u64(0x8877665512345678 ^ i * 0x0101) + u64(0x1000) +
               regs + u64(0x401000) + u64(0x2 | (0x400 if i % 7 == 0 else 0) | (i & 1)) +
               hexb(b))


def pagewalk():
    """Tables in the target's 32 KiB of guest memory at GPA 0."""
    def mem(entries, size=0x8000):
        m = bytearray(size)
        for off, val, width in entries:
            m[off:off + width] = val.to_bytes(width, "little")
        return bytes(m)

    P, RW, US, PS, XD = 1, 2, 4, 0x80, 1 << 63
    # 4-level: PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000 -> page 0x5000
    lm = mem([(0x1000, 0x2000 | P | RW | US, 8), (0x2000, 0x3000 | P | RW | US, 8),
              (0x3000, 0x4000 | P | RW | US, 8), (0x4000, 0x5000 | P | RW | US, 8),
              (0x4008, 0x6000 | P | XD, 8), (0x3008, 0x200000 | P | PS | RW, 8),
              (0x2008, 0x40000000 | P | PS, 8)])
    # modes byte: 1 PG, 2 WP, 4 PSE, 8 PAE, 16 SMEP, 32 LMA, 64 NXE
    yield u8(1 | 2 | 8 | 32 | 64) + u16(0x1000) + u64(0x0000) + u8(3) + u8(0) + lm
    yield u8(1 | 2 | 8 | 32 | 64 | 16) + u16(0x1000) + u64(0x1ff0) + u8(2) + u8(0x14) + lm
    yield u8(1 | 8 | 32) + u16(0x1000) + u64(0x40201234) + u8(0) + u8(2) + lm
    yield u8(1 | 8 | 32) + u16(0x1000) + u64(0xffff800000000000) + u8(0) + u8(0) + lm
    # PAE: PDPTEs at 0x1000 -> PD 0x2000 -> PT 0x3000
    pae = mem([(0x1000, 0x2000 | P, 8), (0x2000, 0x3000 | P | RW | US, 8),
               (0x3000, 0x4000 | P | RW, 8), (0x2008, 0x200000 | P | PS | RW, 8)])
    yield u8(1 | 2 | 8 | 64) + u16(0x1000) + u64(0x0123) + u8(1) + u8(2) + pae
    yield u8(1 | 8) + u16(0x1000) + u64(0x2fffff) + u8(4) + u8(4) + pae
    # 32-bit: PD 0x1000 -> PT 0x2000; a 4 MiB PSE page with PSE-36 bits
    p32 = mem([(0x1000, 0x2000 | P | RW | US, 4), (0x2000, 0x3000 | P | US, 4),
               (0x1004, 0x00400000 | (3 << 13) | P | PS | RW, 4)])
    yield u8(1 | 2 | 4) + u16(0x1000) + u64(0x0fff) + u8(2) + u8(6) + p32
    yield u8(1 | 4) + u16(0x1000) + u64(0x00412345) + u8(0) + u8(2) + p32
    yield u8(0) + u16(0) + u64(0x12345678) + u8(1) + u8(0) + p32[:64]


def elf(is64, entry, segs, machine=None):
    """ELF header + program headers + contents: segs = [(paddr, data, memsz)]."""
    eh, ph = (64, 56) if is64 else (52, 32)
    machine = machine or (62 if is64 else 3)
    off = eh + ph * len(segs)
    hdr = bytearray(b"\x7fELF" + bytes([2 if is64 else 1, 1, 1]) + bytes(9))
    hdr += u16(2) + u16(machine) + u32(1)
    if is64:
        hdr += u64(entry) + u64(eh) + u64(0) + u32(0) + u16(eh) + u16(ph) + u16(len(segs)) + u16(64) + u16(0) + u16(0)
    else:
        hdr += u32(entry) + u32(eh) + u32(0) + u32(0) + u16(eh) + u16(ph) + u16(len(segs)) + u16(40) + u16(0) + u16(0)
    phs, body = bytearray(), bytearray()
    for paddr, data, memsz in segs:
        o = off + len(body)
        if is64:
            phs += u32(1) + u32(7) + u64(o) + u64(paddr) + u64(paddr) + u64(len(data)) + u64(memsz) + u64(0x1000)
        else:
            phs += u32(1) + u32(o) + u32(paddr) + u32(paddr) + u32(len(data)) + u32(memsz) + u32(7) + u32(0x1000)
        body += data
    return bytes(hdr + phs + body)


def mbhdr(flags, addrs=None):
    h = u32(0x1BADB002) + u32(flags) + u32(-(0x1BADB002 + flags))
    for a in addrs or []:
        h += u32(a)
    return h


def with_mbhdr(img, flags, at=None):
    """img with a Multiboot header in its first 8 KiB (ELF: after the headers)."""
    img = bytearray(img)
    at = at if at is not None else (len(img) + 3) & ~3
    if len(img) < at + 12:
        img += bytes(at + 12 - len(img))
    img[at:at + 12] = mbhdr(flags)
    return bytes(img)


def multiboot():
    code = bytes(range(256)) * 2
    k32 = elf(False, 0x100000, [(0x100000, code, 0x2000)])
    k64 = elf(True, 0x100010, [(0x100000, code, 0x800), (0x102000, code[:100], 0x1000)])
    kern = [with_mbhdr(k32, 0), with_mbhdr(k64, 2), with_mbhdr(k32, 1)]
    # a.out kludge: header at 0x40, load_addr 0x100000 from file offset 0
    aout = bytearray(0x400)
    aout[0x40:0x60] = mbhdr(0x10003, [0x100040, 0x100000, 0x100400, 0x101000, 0x100080])
    kern.append(bytes(aout))
    for i, k in enumerate(kern):
        for sel in (0x00 | (i & 1), 0x14 | (i & 1), 0x1c | (i & 1)):
            ram = 4 + i
            strs = b"".join(u8(len(s)) + s for s in
                            (b"mod0", b"mod1 arg", b"m2", b"", b"kernel cmdline=1"))
            nmods = sel >> 2 & 3
            mods = b"".join(u16(0x100 * (j + 1) + j) for j in range(nmods))
            yield u8(sel) + u8(ram) + u32(0x100000) + strs + mods + k
    # elf_load and raw_load directly
    yield u8(2) + u8(3) + u32(0) + bytes(5) + k64
    yield u8(2) + u8(9) + u32(0) + bytes(5) + elf(False, 0x1000, [(0x1000, code, 0x1000), (0x100000, code, 0x300)])
    yield u8(3) + u8(2) + u32(0x7c00) + bytes(5) + code
    yield u8(3) + u8(2) + u32(0x9ff00) + bytes(5) + code


def bzimage(version=0x020F, xlf=1, setup_sects=4, pm_len=0x3000, init_size=0x100000,
            pref=0x100000, cmdline_size=2047, initrd_max=0x7FFFFFFF, reloc=1):
    """A synthetic bzImage as tests/unit/test_linux.c builds it."""
    setup = (setup_sects or 4) + 1
    img = bytearray((i * 13 + 5) & 0xFF for i in range(setup * 512 + pm_len))
    img[0x1E0:0x290] = bytes(0x290 - 0x1E0)
    img[0x1EF] = 0xFF
    img[0x1F1] = setup_sects
    img[0x1F4:0x1F8] = u32(pm_len // 16)
    img[0x1FE:0x200] = u16(0xAA55)
    img[0x200:0x202] = b"\xeb\x6a"
    img[0x202:0x206] = b"HdrS"
    img[0x206:0x208] = u16(version)
    img[0x211] = 1
    img[0x214:0x218] = u32(0x100000)
    img[0x22C:0x230] = u32(initrd_max)
    img[0x230:0x234] = u32(0x200000)
    img[0x234] = reloc
    img[0x235] = 21
    img[0x236:0x238] = u16(xlf)
    img[0x238:0x23C] = u32(cmdline_size)
    img[0x258:0x260] = u64(pref)
    img[0x260:0x264] = u32(init_size)
    return bytes(img)


def linux():
    # ram_idx (1 MiB + i * 256 KiB), flags (1 random map, 2 initrd, 4 cmdline),
    # initrd length, cmdline length, [map], image
    yield u8(12) + u8(6) + u16(0x1801) + u16(40) + bzimage()
    yield u8(20) + u8(6) + u16(0x4000) + u16(2047) + bzimage(xlf=0)
    yield u8(8) + u8(4) + u16(0) + u16(10) + bzimage(version=0x0206, init_size=0)
    yield u8(30) + u8(2) + u16(0x100) + u16(0) + bzimage(version=0x020A, setup_sects=0, reloc=0,
                                                         pref=0x200000, initrd_max=0x37FFFFFF)
    yield u8(6) + u8(0) + u16(0) + u16(0) + bzimage(pm_len=0x400, init_size=0x1000)
    yield u8(39) + u8(6) + u16(0x2000) + u16(100) + bzimage(init_size=0x400000, pref=0x200000)
    e820 = [(0, 0x9FC00, 1), (0x9FC00, 0x400, 2), (0xF0000, 0x10000, 2), (0x100000, 0x700000, 1)]
    m = u8(len(e820)) + b"".join(u32(a) + u32(s) + u8(0) + u8(t - 1) for a, s, t in e820) + u32(0xF0000)
    yield u8(24) + u8(7) + u16(0x1000) + u16(64) + m + bzimage()
    m = u8(2) + u32(0) + u32(0x10000000) + u8(0) + u8(0) + u32(0x20000) + u32(0x1000) + u8(0) + u8(1) + u32(0)
    yield u8(24) + u8(7) + u16(0x1000) + u16(64) + m + bzimage()


def cmdline():
    # what (bit 0: round trip), word buffer length, then text or round-trip words
    for text in (b"/boot/g.elf name=web mem=64M cmdline=\"console=ttyS0 quiet\"",
                 b"a 'b c' \"d\\\"e\" f\\ g", b"\"unterminated", b"0x7c00", b"64M", b"0X10k",
                 b"18446744073709551615", b"18446744073709551616", b"16G", b"0x", b"key=val=x"):
        yield u8(0) + u8(64) + text
        yield u8(2) + u8(8) + text
    words = [b"plain", b"has space", b"q\"uote", b"back\\slash", b"", b"tab\there", b"it's"]
    rt = u8(len(words))
    for w in words:
        rt += u8(len(w)) + w + u8(0)
    yield u8(1) + u8(0) + rt


def vmconfig():
    lines = [b"/boot/guest.elf name=web mem=64M cpus=2 cmdline=\"console=ttyS0 quiet\"",
             b"/boot/initrd.img type=module vm=web cmdline=initrd",
             b"/boot/boot.bin name=dos type=raw mem=4M load=0x7c00 entry=0x7c00",
             b"/boot/bzImage type=linux name=lx mem=256M cpus=4 on-reset=stop strict-mmio=1",
             b"/g.elf mem=0x200000 name=a-b_c", b"/g.elf mem=3G", b"/g.elf cpus=9",
             b"/boot/vireo.elf loglevel=debug stats=1 quantum_ms=5 apicv=0 kalloc_fail=3",
             b"/k loglevel=warn foo=1 quiet", b"/g.elf \"name=x y\"", b"/g.elf name=\"unterminated"]
    for i, l in enumerate(lines):
        yield u8(0) + u8(160 if i % 3 else 12) + l
    for i in range(6):	# round trips: 'R', then the generator's random values
        yield u8(ord("R")) + u8(0) + bytes((i * 37 + k * 11) & 0xFF for k in range(80))


def acpi():
    def shape(ram, sel, ncpus, tables, size, rsdp=0xF0000, sci=9, smi=0xB2, tmr=0x608,
              lapic=0xFEE00000, ioapic=0xFEC00000, aml=(0x3f, 0, 0xffff, 0)):
        addrs = u64(lapic) + u64(ioapic) if sel & 1 else b""
        return (u8(ram) + u8(sel) + u16(ncpus) + addrs + u8(0) + u16(0x600) + u16(0x604) +
                u16(tmr) + u16(smi) + u8(0xF1) + u8(0xF0) + u8(sci) + u16(0xCF9) + u8(6) +
                u8(5) + u8(0x32) + u32(rsdp - 0xDFFC0) + u32(tables) + u32(size) +
                b"VIREO " + u32(aml[0]) + u8(aml[1]) + u64(aml[2]) + u8(aml[3]))
    yield shape(8, 2, 1, 0x120000, 0x3000)
    yield shape(8, 0, 2, 0x9C000, 0x3000, tmr=0, smi=0)
    yield shape(15, 3, 255, 0x100040, 0x3fff, aml=(0x0fffffff, 0, 1 << 63, 0))
    yield shape(4, 2, 64, 0x9D013, 0x2fe0, rsdp=0xFFFD0, aml=(0xfff, 0, 0x1234, 0))
    yield shape(2, 0, 8, 0x110000, 0x800, rsdp=0xE0000, sci=10, aml=(0x3ffff, 0, 0xabcdef, 0))
    yield shape(1, 1, 4, 0x9F000, 0x1000, lapic=0x1FEE00000)


def ept():
    def addr(g=0, m2=None, k4=None):
        k = (1 if m2 is not None else 0) | (2 if k4 is not None else 0)
        b = u8(k) + u8(g)
        if m2 is not None:
            b += u16(m2)
        if k4 is not None:
            b += u16(k4)
        return b

    def op(kind, gpa, size, perms=7, mt=6, fail=None, hpa_gib=1):
        b = u8(kind) + gpa + size + u8(perms) + u8(mt)
        b += u8(0) + u8(fail) if fail is not None else u8(200)
        if kind == 0:
            b += u8(1) + u8(hpa_gib)
        return b

    one_g, two_m, four_k = addr(1), addr(0, 1), addr(0, None, 1)
    seqs = [
        (3, [op(0, addr(0, 511, 510), addr(2, 1, 4)), op(1, addr(1, 3), four_k),
             op(2, addr(1), two_m, perms=1), op(1, addr(0, 511, 510), addr(3))]),
        (1, [op(0, addr(2), one_g, mt=0), op(2, addr(2, 5, 7), addr(0, None, 3), perms=5),
             op(1, addr(2, 100), addr(0, 3)), op(0, addr(2, 100, 1), four_k, mt=9)]),
        (0, [op(0, addr(0, 1), addr(0, 2), mt=4), op(0, addr(0, 2), four_k), op(1, addr(0), addr(8))]),
        (3, [op(0, addr(4), addr(2), fail=2), op(0, addr(4), addr(2)), op(1, addr(4, 7, 3), four_k, fail=0),
             op(2, addr(5, 1), addr(0, 1, 1), perms=3, fail=1)]),
        (3, [op(0, addr(0), addr(8)), op(2, addr(1), one_g, perms=2), op(0, addr(7), one_g, perms=4, mt=1)]),
    ]
    for cfg, ops in seqs:
        yield u8(cfg) + u64(0x0123456789abcdef) + b"".join(ops)	# seed of the lookups


def bootinfo():
    """sel (0 MB2, 1 MB1), u16 info address (% 64), then bootloader memory."""
    def tag(t, body):
        b = u32(t) + u32(8 + len(body)) + body
        return b + bytes(-len(b) % 8)

    def mb2(tags):
        body = b"".join(tags) + tag(0, b"")
        return u32(8 + len(body)) + u32(0) + body

    rsdp = b"RSD PTR " + bytes(1) + b"VIREO " + bytes(1) + u32(0x9FC00)
    mmap = u32(24) + u32(0) + u64(0) + u64(0x9FC00) + u32(1) + u32(0) + \
        u64(0x100000) + u64(0x7F00000) + u32(1) + u32(0)
    yield u8(0) + u16(0) + mb2([tag(1, b"/boot/vireo.elf loglevel=debug\0"),
                                tag(2, b"GRUB 2.06\0"),
                                tag(3, u32(0x200000) + u32(0x280000) + b"/g.elf name=a mem=8M\0"),
                                tag(3, u32(0x300000) + u32(0x300000) + b"\0"),
                                tag(6, mmap), tag(14, rsdp)])
    yield u8(0) + u16(8) + bytes(8) + mb2([tag(15, rsdp + u32(36) + u64(0x9FC40) + bytes(4)),
                                          tag(3, u32(0x400000) + u32(0x300000) + b"bad\0")])
    # Multiboot v1: info at 0, strings and lists after it
    info = bytearray(120)
    info[0:4] = u32(0x1 | 0x4 | 0x8 | 0x40 | 0x200)
    info[4:8] = u32(639)
    info[8:12] = u32(130048)
    info[16:20] = u32(200)
    info[20:24] = u32(1)
    info[24:28] = u32(240)
    info[44:48] = u32(48)
    info[48:52] = u32(280)
    info[64:68] = u32(220)
    mem = bytearray(info + bytes(400))
    mem[200:215] = b"/boot/vireo.elf"
    mem[220:225] = b"GRUB\0"
    mem[240:256] = u32(0x200000) + u32(0x201000) + u32(260) + u32(0)
    mem[260:272] = b"/g.elf name\0"
    mem[280:328] = u32(20) + u64(0) + u64(0x9FC00) + u32(1) + u32(20) + u64(0x100000) + u64(0x1F00000) + u32(1)
    yield u8(1) + u16(0) + bytes(mem)


TARGETS = {
    "decode": decode, "emulate": emulate, "pagewalk": pagewalk, "multiboot": multiboot,
    "linux": linux, "cmdline": cmdline, "vmconfig": vmconfig, "acpi": acpi,
    "ept": ept, "bootinfo": bootinfo,
}


def main(names):
    for name in names or sorted(TARGETS):
        d = os.path.join(ROOT, name)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            if f.startswith("seed-"):
                os.unlink(os.path.join(d, f))
        n = 0
        for n, data in enumerate(TARGETS[name](), 1):
            if name == "pagewalk":	# the target zero-fills what is not given
                data = data.rstrip(b"\0")
            with open(os.path.join(d, "seed-%03d" % n), "wb") as f:
                f.write(data)
        print("%s: %d seeds" % (name, n))


if __name__ == "__main__":
    main(sys.argv[1:])
