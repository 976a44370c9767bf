#!/bin/sh
# Install the Debian 12 packages Vireo needs to build, test and run, if any
# is missing. Safe to run repeatedly; needs root (or sudo) only to install.
set -e
PKGS="gcc clang libclang-rt-14-dev make binutils libcmocka-dev grub-pc-bin grub-common xorriso mtools bochs bochs-term bochsbios vgabios qemu-system-x86 gnuplot-nox jq socat cpio"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
