/* A tiny multiboot (v1) kernel for the tools self-test: prints "hello" and
 * a Vireo-style result line on COM1, then asks Bochs to power off by
 * writing "Shutdown" to port 0x8900. Build: as --32, ld -m elf_i386.
 * --defsym HANG=1: prints "hello" and loops forever; --defsym NORESULT=1:
 * powers off without a result line. */
	.set MB_MAGIC, 0x1BADB002
	.set MB_FLAGS, 0
	.text
	.globl _start
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
_start:
	mov $0x3fb, %dx			/* 8N1: the reset LCR sends 5-bit words */
	mov $0x03, %al
	out %al, %dx
	mov $msg, %esi
1:	mov $0x3fd, %dx			/* wait until the UART can take a byte */
2:	in %dx, %al
	test $0x20, %al
	jz 2b
	lodsb
	test %al, %al
	jz 3f
	mov $0x3f8, %dx
	out %al, %dx
	jmp 1b
3:	in %dx, %al			/* and until it has sent the last one */
	test $0x40, %al
	jz 3b
.ifdef HANG
6:	jmp 6b				/* test variant: never ends */
.endif
	mov $shutdown, %esi
	mov $0x8900, %dx
4:	lodsb
	test %al, %al
	jz 5f
	out %al, %dx
	jmp 4b
5:	cli
	hlt
	jmp 5b
.ifdef HANG
msg:	.asciz "hello\n"
.else
.ifdef NORESULT
msg:	.asciz "hello\n"		/* test variant: ends without a result line */
.else
msg:	.asciz "hello\nvireo: result 7\n"
.endif
.endif
shutdown: .asciz "Shutdown"
