#!/usr/bin/env bash
# scripts/install-deps.sh - install the Debian packages LANA builds and tests
# with. Installs only what is missing; run as root (or with sudo).
set -euo pipefail

PKGS=(
	# build
	gcc make autoconf automake pkg-config flex bison
	# libraries
	libpcap-dev zlib1g-dev liburcu-dev libnl-3-dev libnl-genl-3-dev
	# eth(mode = xdp): AF_XDP sockets, libxdp's default XDP program
	libxdp-dev libbpf-dev
	# seal/unseal (libsodium), vde (libvdeplug; vde2 for the tests' vde_switch)
	libsodium-dev libvdeplug-dev vde2
	# fleet: etcd's v3 JSON gateway over HTTP (libcurl), JSON (jansson);
	# etcd itself for the fleet tests
	libcurl4-openssl-dev libjansson-dev etcd-server etcd-client
	# lanad under systemd: sd_notify and socket activation (libsystemd),
	# systemd-analyze verify of the units; passwd for the tests' users
	libsystemd-dev systemd passwd
	# tests: unit tests, fuzzing with libFuzzer, DOT and man page checks
	libcmocka-dev clang libclang-rt-14-dev graphviz man-db groff-base
	# end-to-end tests: namespaces and veth pairs, traffic, captures
	iproute2 iputils-ping tcpdump iperf3 curl procps ethtool jq python3
	# offload tests: frames crafted independently (tests/unit/offload_gen.py)
	python3-scapy
	# kernel engine: build against Debian's kernel, test it in a VM
	linux-headers-amd64 linux-image-amd64 qemu-system-x86 busybox-static
	kmod cpio xz-utils zstd
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
