#!/usr/bin/env bash
# Build a BIOS-bootable GRUB rescue ISO (i386-pc) for Bochs or QEMU.
#
#   tools/mkiso.sh -o OUT.iso --root DIR
#       DIR is a staged ISO tree that already holds boot/grub/grub.cfg and
#       the files it names (this is what ./vireo uses).
#
#   tools/mkiso.sh -o OUT.iso [--module PATH [--module-cmdline STR]]... \
#                  --native KERNEL [ARGS...]
#       Boot a multiboot (v1) KERNEL directly, without Vireo: GRUB loads it
#       with `multiboot /boot/KERNEL ARGS...` and each --module with
#       `module /boot/modN-NAME STR` (STR defaults to the file's basename;
#       GRUB hands each argument on, re-quoted with "..." if it holds a space
#       and with a backslash before \ ' and ", so STR is split into words).
#       --mb2 (before --native) uses multiboot2/module2 for a multiboot2 KERNEL.
#       Used for native baselines (benchmarks) and the tools self-test.
#       Everything after KERNEL is the kernel's command line.
#
# Exit status: 0 ok, 2 usage error, 1 grub-mkrescue failed (its log is shown).
set -euo pipefail

GRUB_PLATFORM_DIR=${GRUB_PLATFORM_DIR:-/usr/lib/grub/i386-pc}

die() { echo "mkiso: $*" >&2; exit 2; }

usage() {
	sed -n '2,/^# Exit status/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# Quote one word for GRUB's shell-like grammar: inside double quotes only
# \ " and $ are special (and must be backslash-escaped).
grub_quote() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//\$/\\\$}
	printf '"%s"' "$s"
}

# Keep ISO file names to a safe alphabet: GRUB paths are unquoted words.
safe_name() {
	local b
	b=$(basename -- "$1")
	printf '%s' "${b//[^A-Za-z0-9._-]/_}"
}

# The common preamble: no menu delay, and GRUB talks only to the VGA
# console so COM1 carries nothing but the booted kernel's output.
grub_preamble() {
	cat <<'EOF'
set timeout=0
set default=0
# GRUB's own messages stay on the VGA console: COM1 carries only the kernel's.
terminal_input console
terminal_output console
EOF
}

# Run grub-mkrescue on a staged tree. Only the BIOS platform is used (Bochs
# and QEMU boot the El Torito image); fonts/locales/themes are dropped to
# keep the image small and the build fast.
build_iso() {
	local out=$1 root=$2 log
	command -v grub-mkrescue >/dev/null || die "grub-mkrescue not found (apt-get install grub-pc-bin grub-common xorriso mtools)"
	[ -d "$GRUB_PLATFORM_DIR" ] || die "$GRUB_PLATFORM_DIR not found (apt-get install grub-pc-bin)"
	log=$(mktemp)
	if ! grub-mkrescue -d "$GRUB_PLATFORM_DIR" --fonts= --locales= --themes= \
		-o "$out" "$root" >"$log" 2>&1; then
		echo "mkiso: grub-mkrescue failed:" >&2
		sed 's/^/  /' "$log" >&2
		rm -f "$log"
		exit 1
	fi
	rm -f "$log"
}

main() {
	local out="" root="" native="" arg mb=multiboot mod=module
	local -a mods=() modstr=() kargs=()

	while [ $# -gt 0 ]; do
		case $1 in
		-o|--output) [ $# -ge 2 ] || die "$1 needs an argument"; out=$2; shift 2 ;;
		--root) [ $# -ge 2 ] || die "$1 needs an argument"; root=$2; shift 2 ;;
		--module)
			[ $# -ge 2 ] || die "$1 needs an argument"
			mods+=("$2"); modstr+=("$(basename -- "$2")"); shift 2 ;;
		--module-cmdline)
			[ $# -ge 2 ] || die "$1 needs an argument"
			[ ${#mods[@]} -gt 0 ] || die "--module-cmdline must follow --module"
			modstr[${#mods[@]}-1]=$2; shift 2 ;;
		--mb2) mb=multiboot2 mod=module2; shift ;;
		--native)
			[ $# -ge 2 ] || die "$1 needs a kernel"
			native=$2; shift 2; kargs=("$@"); break ;;
		-h|--help) usage ;;
		*) die "unknown argument '$1' (see --help)" ;;
		esac
	done
	[ -n "$out" ] || die "missing -o OUT.iso"
	if [ -n "$root" ]; then
		[ -z "$native" ] || die "--root and --native are exclusive"
		[ -f "$root/boot/grub/grub.cfg" ] || die "$root/boot/grub/grub.cfg not found"
		build_iso "$out" "$root"
		return
	fi
	[ -n "$native" ] || die "need --root DIR or --native KERNEL"
	[ -f "$native" ] || die "kernel '$native' not found"

	local tmp i dst
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064  # expand $tmp now: it is local
	trap "rm -rf '$tmp'" EXIT
	mkdir -p "$tmp/boot/grub"
	dst=/boot/$(safe_name "$native")
	cp -- "$native" "$tmp$dst"
	{
		grub_preamble
		echo 'menuentry "native" {'
		printf '\t%s %s' "$mb" "$dst"
		for arg in "${kargs[@]}"; do printf ' %s' "$(grub_quote "$arg")"; done
		printf '\n'
		for i in "${!mods[@]}"; do
			[ -f "${mods[$i]}" ] || die "module '${mods[$i]}' not found"
			local m
			m=/boot/mod$i-$(safe_name "${mods[$i]}")
			cp -- "${mods[$i]}" "$tmp$m"
			# One GRUB word per word of the string: GRUB re-quotes any
			# argument holding a space, so a single word would arrive as "a b".
			local -a words=()
			read -r -a words <<<"${modstr[$i]}"
			printf '\t%s %s' "$mod" "$m"
			for arg in ${words[@]+"${words[@]}"}; do printf ' %s' "$(grub_quote "$arg")"; done
			printf '\n'
		done
		printf '\tboot\n}\n'
	} >"$tmp/boot/grub/grub.cfg"
	build_iso "$out" "$tmp"
}

main "$@"
