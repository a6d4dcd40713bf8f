#!/bin/sh
# Install the Debian packages plumb needs to build and test, when they are missing.
# As root it runs apt-get; otherwise it prints the exact command to run. libcurl4 and
# libsnappy1v5 are named although the -dev packages bring them: plumb does not link them
# but dlopens them at run time (src/lib/dynlib.h), so no binary's needs pull them in.
set -e
PKGS="build-essential pkg-config clang libclang-rt-14-dev libmicrohttpd-dev zlib1g-dev libpcre2-dev \
libprotobuf-c-dev protobuf-c-compiler libsnappy-dev libsnappy1v5 libcurl4-openssl-dev libcurl4 \
libjansson-dev libseccomp-dev \
libyaml-dev libcrypt-dev libgnutls28-dev slowhttptest cppcheck clang-tidy \
libfuse3-dev fuse3 prometheus prometheus-node-exporter valgrind python3 curl openssl iproute2 \
python3-yaml systemd libsystemd-dev libsystemd0 dbus python3-dbusmock python3-dbus python3-gi"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	# Debian starts the packaged services; plumb's tests start their own copies
	for s in prometheus prometheus-node-exporter; do
		if command -v systemctl >/dev/null 2>&1; then systemctl stop "$s" 2>/dev/null || true; fi
		if command -v service >/dev/null 2>&1; then service "$s" stop >/dev/null 2>&1 || true; fi
	done
	pkill -x prometheus-node-exporter 2>/dev/null || true
	pkill -x prometheus 2>/dev/null || true
else
	echo "deps: missing packages; run as root:"
	echo "  sudo apt-get install -y$missing"
	exit 1
fi
