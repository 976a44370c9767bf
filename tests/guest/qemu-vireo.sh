#!/usr/bin/env bash
# A stand-in for `./vireo run` that boots the guests NATIVELY under QEMU TCG
# (no hypervisor), one VM after the other, with the same options, output
# prefixes and exit statuses. It exists to check the guests and the harness
# plumbing without Vireo:  VIREO=tests/guest/qemu-vireo.sh tests/guest/run.sh
# Vireo-only checks are skipped by the guests natively, so scenarios that
# require them, or Vireo's own diagnostics, fail here by design.
set -u
[ "${1:-}" = run ] || { echo "usage: $0 run [options]" >&2; exit 2; }
shift
names=() kernels=() mems=() cmdlines=() mods=() types=() loads=()
kernel="" mem=64M append="" modlist="" name="" tmo=60
add_vm() { # name kernel mem cmdline modules(comma list) type load
	names+=("$1"); kernels+=("$2"); mems+=("$3"); cmdlines+=("$4"); mods+=("$5"); types+=("$6"); loads+=("$7")
}
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift ;;
	--module) modlist=${modlist:+$modlist,}$2; shift ;;
	--append) append=$2; shift ;;
	-m) mem=$2; shift ;;
	--smp) shift ;;
	--name) name=$2; shift ;;
	--timeout) tmo=$2; shift ;;
	--serial-log) shift ;;
	--stats) ;;
	--vm)
		n="" k="" m=64M c="" ml="" t=multiboot l=0x7c00
		while IFS= read -r line; do
			line=${line%%#*}
			case $line in
			name=*) n=${line#name=} ;;
			kernel=*) k=${line#kernel=} ;;
			memory=*) m=${line#memory=} ;;
			cmdline=*) c=${line#cmdline=} ;;
			module=*) ml=${ml:+$ml,}${line#module=} ;;
			type=*) t=${line#type=} ;;
			load=*) l=${line#load=} ;;
			esac
		done <"$2"
		add_vm "${n:-$(basename "$2" .vm)}" "$k" "$m" "$c" "$ml" "$t" "$l"
		shift ;;
	*) echo "qemu-vireo: bad option $1" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$kernel" ] && add_vm "${name:-$(basename "$kernel" .elf)}" "$kernel" "$mem" "$append" "$modlist" multiboot 0x7c00
[ ${#names[@]} -gt 0 ] || { echo "qemu-vireo: no VM" >&2; exit 2; }
multi=0
[ ${#names[@]} -gt 1 ] && multi=1
crashed=0 last=0
for i in "${!names[@]}"; do
	args=(-device isa-debug-exit,iobase=0xf4,iosize=4 -display none -no-reboot -m "${mems[$i]}"
		-chardev file,id=e9,path=/dev/stdout -device isa-debugcon,iobase=0xe9,chardev=e9 -serial stdio)
	if [ "${types[$i]}" = raw ]; then
		args+=(-drive "format=raw,file=${kernels[$i]}")
	else
		if ! od -A n -t x4 -N 8192 -v "${kernels[$i]}" | grep -q 1badb002; then
			echo "qemu-vireo: ${names[$i]}: refused: not a multiboot kernel" >&2
			crashed=1
			continue
		fi
		args+=(-kernel "${kernels[$i]}")
		[ -n "${cmdlines[$i]}" ] && args+=(-append "${cmdlines[$i]}")
		[ -n "${mods[$i]}" ] && args+=(-initrd "${mods[$i]}")
	fi
	if [ $multi = 1 ]; then
		timeout "$tmo" qemu-system-x86_64 "${args[@]}" </dev/null | sed -u "s/^/[${names[$i]}] /"
		rc=${PIPESTATUS[0]}
	else
		timeout "$tmo" qemu-system-x86_64 "${args[@]}" </dev/null
		rc=$?
	fi
	[ $rc = 124 ] && { echo "qemu-vireo: ${names[$i]}: timeout" >&2; exit 124; }
	# QEMU exits 0 on a triple fault with -no-reboot
	[ $rc = 0 ] && { echo "qemu-vireo: ${names[$i]}: stopped (QEMU exit 0: reset or triple fault)" >&2; crashed=1; }
	last=$rc
done
if [ $multi = 1 ]; then
	[ $crashed = 1 ] && exit 126
	exit 0
fi
exit $last
