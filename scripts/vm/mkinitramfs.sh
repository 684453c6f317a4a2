#!/usr/bin/env bash
# scripts/vm/mkinitramfs.sh - build the initramfs the kernel test VM boots.
#
# usage: mkinitramfs.sh [options] OUT.cpio.gz [FILE[:DEST]...]
#   -k, --kver VER      kernel version (default: scripts/vm/kver.sh, the
#                       installed linux-image-amd64, not the host kernel)
#   -t, --test SCRIPT   shell script run as /test.sh by /init
#   -m, --module NAME   in-tree module of that kernel to load at boot, with
#                       its dependencies (default set: veth pktgen)
#   --busybox-sh        keep busybox's sh as /bin/sh (default: the host's
#                       dash, which runs PATH programs before applets)
#   FILE[:DEST]         extra file; DEST defaults to /usr/local/bin/NAME for
#                       executables, /data/NAME for other files, and to
#                       /lib/modules/extra/NAME for a *.ko (an out-of-tree
#                       module: copied, not loaded; the test insmods it;
#                       its in-tree dependencies are loaded at boot).
#                       A DEST ending in / is a directory.  A dynamically
#                       linked executable brings the libraries ldd lists
#                       and the dynamic loader; a static one comes alone.
#
# The image holds busybox-static with its applet links, /init, the kernel
# modules (decompressed when the tree ships them as .ko.xz/.zst/.gz, as
# busybox insmod reads plain ELF only; dependency order from modules.dep),
# and the files.  /init mounts proc, sys, devtmpfs, tmpfs on /tmp and
# /run, brings lo up, insmods the modules in order, runs /test.sh, prints
# "LANA-VM-RESULT: <exit code>" on the console and powers off.  A module
# that fails to load makes the result 1 without running the test.
# Needs: busybox-static, cpio, gzip, kmod (modinfo), xz/zstd for
# compressed module trees.  Runs without root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "mkinitramfs: $*" >&2; exit 1; }
usage() { sed -n '3,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

kver=
test_script=
mods=(veth pktgen)
busybox_sh=0
while [ $# -gt 0 ]; do
	case $1 in
	-k|--kver) kver=$2; shift 2 ;;
	-t|--test) test_script=$2; shift 2 ;;
	-m|--module) mods+=("$2"); shift 2 ;;
	--busybox-sh) busybox_sh=1; shift ;;
	-h|--help) usage ;;
	--) shift; break ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage
out=$1
shift
[ -n "$kver" ] || kver=$("$here/kver.sh") ||
	die "no Debian kernel image installed (apt-get install linux-image-amd64)"
mdir=/lib/modules/$kver
[ -f "$mdir/modules.dep" ] || die "$mdir/modules.dep missing"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || die "busybox not found (apt-get install busybox-static)"
if ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamically linked; install busybox-static"
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/lana-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc/lana-vm} \
	"$root"/{proc,sys,dev,tmp,run,root,data} "$root/lib/modules/$kver" \
	"$root/lib/modules/extra"

# busybox and its applets, where busybox itself says they live
cp "$busybox" "$root/bin/busybox"
"$busybox" --list-full | while read -r app; do
	[ "$app" = bin/busybox ] && continue
	mkdir -p "$root/$(dirname "$app")"
	ln -sf /bin/busybox "$root/$app"
done

# copy FILE to DEST in the image, with its shared libraries if it has any
install_file() {	# SRC DEST
	local src=$1 dest=$2 lib
	mkdir -p "$root$(dirname "$dest")"
	cp -L "$src" "$root$dest"
	[ -x "$src" ] || return 0
	# "not a dynamic executable" (static or a script): nothing to add
	{ ldd "$src" 2>/dev/null || true; } | while read -r line; do
		case $line in
		*"=> not found"*) die "$src: library missing: $line" ;;
		*"=> /"*) lib=${line#*=> }; lib=${lib%% (*} ;;
		/*) lib=${line%% (*} ;;
		*) continue ;;
		esac
		if [ ! -e "$root$lib" ]; then
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		fi
	done
}

# /bin/sh is the host's dash (Essential in Debian) when there is one:
# Debian's busybox-static is built with FEATURE_SH_STANDALONE, so its sh
# runs its own applet for a command name even when PATH has a real
# program of that name first (iproute2's ip, say); dash looks in PATH.
# --busybox-sh keeps busybox's sh.
if [ $busybox_sh -eq 0 ] && dash=$(command -v dash); then
	install_file "$dash" /bin/dash
	ln -sf dash "$root/bin/sh"
fi

# modules.dep: "kernel/path/a.ko[.xz]: kernel/path/b.ko ..." keyed by the
# module name with '-' folded to '_', as the kernel names modules.
declare -A modpath moddeps builtin loaded
while IFS= read -r line; do
	path=${line%%:*}
	name=${path##*/}
	name=${name%%.ko*}
	name=${name//-/_}
	modpath[$name]=$path
	moddeps[$name]=${line#*:}
done <"$mdir/modules.dep"
if [ -f "$mdir/modules.builtin" ]; then
	while IFS= read -r path; do
		name=${path##*/}
		name=${name%%.ko*}
		builtin[${name//-/_}]=1
	done <"$mdir/modules.builtin"
fi
order=()

# depth-first, dependencies first; modules.dep is a DAG of depth < 10
add_module() {	# NAME
	local name=${1//-/_} dep dname
	[ -z "${loaded[$name]:-}" ] || return 0
	loaded[$name]=1
	if [ -n "${builtin[$name]:-}" ]; then
		return 0
	fi
	[ -n "${modpath[$name]:-}" ] || die "module $1 not in $mdir/modules.dep"
	for dep in ${moddeps[$name]}; do
		dname=${dep##*/}
		dname=${dname%%.ko*}
		add_module "$dname"
	done
	order+=("$name")
}

for arg in "$@"; do
	case $arg in
	*.ko|*.ko:*)
		src=${arg%%:*}
		[ -f "$src" ] || die "$src: no such module"
		magic=$(modinfo -F vermagic "$src" 2>/dev/null || true)
		[ "${magic%% *}" = "$kver" ] ||
			die "$src: built for '${magic%% *}', the VM kernel is $kver"
		for dep in $(modinfo -F depends "$src" | tr , ' '); do
			add_module "$dep"
		done
		;;
	esac
done
for m in "${mods[@]}"; do
	add_module "$m"
done

for name in "${order[@]}"; do
	path=${modpath[$name]}
	plain=${path%.ko*}.ko
	mkdir -p "$root$mdir/$(dirname "$plain")"
	case $path in
	*.ko) cp "$mdir/$path" "$root$mdir/$plain" ;;
	*.ko.xz) xz -dc "$mdir/$path" >"$root$mdir/$plain" ;;
	*.ko.zst) zstd -q -dc "$mdir/$path" >"$root$mdir/$plain" ;;
	*.ko.gz) gzip -dc "$mdir/$path" >"$root$mdir/$plain" ;;
	*) die "$path: unknown module compression" ;;
	esac
	echo "$plain" >>"$root/etc/lana-vm/modules"
done
touch "$root/etc/lana-vm/modules"

for arg in "$@"; do
	src=$arg
	dest=
	case $arg in
	*:*) src=${arg%%:*}; dest=${arg#*:} ;;
	esac
	[ -f "$src" ] || die "$src: no such file"
	if [ -z "$dest" ]; then
		case $src in
		*.ko) dest=/lib/modules/extra/ ;;
		*) if [ -x "$src" ]; then dest=/usr/local/bin/; else dest=/data/; fi ;;
		esac
	fi
	case $dest in
	*/) dest=$dest$(basename "$src") ;;
	esac
	install_file "$src" "$dest"
done
if [ -n "$test_script" ]; then
	[ -f "$test_script" ] || die "$test_script: no such file"
	install_file "$test_script" /test.sh
	chmod 755 "$root/test.sh"
fi

echo "$kver" >"$root/etc/lana-vm/kver"
cat >"$root/init" <<'INIT'
#!/bin/sh
# /init of the LANA test VM (generated by scripts/vm/mkinitramfs.sh)
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
exec </dev/console >/dev/console 2>&1
# the boot is quiet; show warnings and worse from now on, so that run.sh
# sees any WARNING/BUG a test provokes
echo 5 >/proc/sys/kernel/printk
ip link set lo up
kver=$(cat /etc/lana-vm/kver)
echo "lana-vm: kernel $(uname -r), up $(cut -d' ' -f1 /proc/uptime) s"

rc=0
while read -r m; do
	if ! insmod "/lib/modules/$kver/$m"; then
		echo "lana-vm: insmod $m failed"
		rc=1
	fi
done </etc/lana-vm/modules
if [ $rc -eq 0 ] && [ -f /test.sh ]; then
	cd /root
	sh /test.sh
	rc=$?
	cd /
fi
if [ $rc -ne 0 ]; then
	echo "lana-vm: --- dmesg tail ---"
	dmesg | tail -n 40
fi
echo "lana-vm: done after $(cut -d' ' -f1 /proc/uptime) s"
echo "LANA-VM-RESULT: $rc"
sync
poweroff -f
echo o >/proc/sysrq-trigger
sleep 60
INIT
chmod 755 "$root/init"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc --owner=0:0 --reproducible --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
