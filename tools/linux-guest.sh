#!/usr/bin/env bash
# Build the default Linux guest: Debian's own cloud kernel (package
# linux-image-cloud-amd64, fetched with apt-get download, nothing compiled)
# and a busybox-static initramfs whose /init mounts proc, sys and dev,
# prints a banner and starts a shell on the console.
#
#   tools/linux-guest.sh [OUTDIR]      (default build/linux)
# Writes OUTDIR/bzImage, OUTDIR/initramfs.cpio.gz and OUTDIR/VERSION (the
# kernel package version). Downloads are cached in OUTDIR/debs; a second
# run with the files present, built by this version of the script, does
# nothing.
set -euo pipefail
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$ROOT/build/linux}
mkdir -p "$OUT/debs"
OUT=$(cd "$OUT" && pwd)

die() { echo "linux-guest: $*" >&2; exit 1; }

stamp=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
[ -s "$OUT/bzImage" ] && [ -s "$OUT/initramfs.cpio.gz" ] &&
	[ "$(cat "$OUT/STAMP" 2>/dev/null)" = "$stamp" ] && exit 0
for t in apt-get dpkg-deb cpio gzip; do
	command -v "$t" >/dev/null || die "$t not found (make deps)"
done

fetch() { # package: download its .deb into debs/ unless one is there
	ls "$OUT/debs/$1"_*.deb >/dev/null 2>&1 && return 0
	(cd "$OUT/debs" && apt-get download "$1" >/dev/null 2>&1) ||
		die "apt-get download $1 failed (is the Debian archive reachable? apt-get update)"
}

# The metapackage names the current kernel package. A fresh machine may
# have no package lists yet: fetch them once (as tools/deps.sh does).
resolve() {
	apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n 1
}
kpkg=$(resolve)
if [ -z "$kpkg" ]; then
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO=sudo
	$SUDO apt-get update -qq >/dev/null 2>&1 || true
	kpkg=$(resolve)
fi
[ -n "$kpkg" ] || die "cannot resolve linux-image-cloud-amd64 (apt-get update failed?)"
fetch "$kpkg"
fetch busybox-static

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$OUT/debs/$kpkg"_*.deb "$work/k"
cp "$work"/k/boot/vmlinuz-* "$OUT/bzImage"
dpkg-deb -f "$OUT/debs/$kpkg"_*.deb Version >"$OUT/VERSION"
echo "$kpkg" >>"$OUT/VERSION"

dpkg-deb -x "$OUT/debs"/busybox-static_*.deb "$work/bb"
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,etc,tmp,root}
cp "$work/bb/bin/busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
# The kernel opens /dev/console before /init runs: it must exist here.
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || die "mknod /dev/console needs root"
cat >"$root/init" <<'INIT'
#!/bin/sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo
echo "Vireo Linux guest: $(uname -sr), $(nproc) CPU(s). 'poweroff' ends the VM."
export PS1='vireo-linux# ' HOME=/root
cd /root
# A shell on the console with job control (Ctrl-C reaches its children);
# when it exits, power off (ACPI S5) rather than panic.
setsid cttyhack sh -l
poweroff -f
INIT
chmod 755 "$root/init"
# PID 1 is a plain shell, not an init that handles busybox's poweroff
# signals: have the commands act at once (reboot goes through the
# reset register, which Vireo turns into a VM reset).
cat >"$root/etc/profile" <<'PROFILE'
alias poweroff='poweroff -f' reboot='reboot -f' halt='halt -f'
PROFILE
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -9 >"$OUT/initramfs.cpio.gz"
echo "$stamp" >"$OUT/STAMP"
echo "linux-guest: $(cat "$OUT/VERSION" | head -n 1) ($kpkg), $(du -h "$OUT/bzImage" | cut -f1) kernel," \
	"$(du -h "$OUT/initramfs.cpio.gz" | cut -f1) initramfs in $OUT"
