#!/usr/bin/env bash
# Builds dist/akashi-verify: the offline verifier as one self-contained executable
# to hand to a company (docs/VERIFIER.md).
#
#   scripts/build-verifier.sh        (what `make verifier` runs)
#
# A release build with the Swift standard library and Foundation linked statically
# (--static-swift-stdlib), and every C library statically from the archives Debian's
# -dev packages ship: libcrypto (libssl-dev), libzbar (libzbar-dev), libpng16
# (libpng-dev), libjpeg (libjpeg-dev), zlib (zlib1g-dev), and what libzbar.a itself
# needs, libdbus-1 (libdbus-1-dev); libstdc++ and libgcc from gcc. Only glibc (libc,
# libm) and its loader stay dynamic. Debian ships no libsystemd.a: libdbus-1.a refers to
# two functions of libsystemd for a server's socket activation, which a D-Bus client
# never reaches, so they are linked as stubs (below) that answer "no sockets passed".
#
# How, without touching Package.swift or the module maps: the modules ask for -lcrypto,
# -lzbar, ... as always; pkg-config files of this build (PKG_CONFIG_PATH) put first a
# directory that holds only the static archives, so each -l finds the .a. There
# libzbar.a and libpng16.a are linker scripts naming the archive together with the
# archives it depends on.
#
# The build has its own scratch path (default .build/static), so it neither waits for
# nor disturbs the debug build in .build. Afterwards it strips the executable, fails
# unless readelf shows it asks for nothing but glibc, and prints ldd's view and its size.
#
# Environment:
#   SWIFT=swift                   the Swift driver
#   VERIFIER_SCRATCH=DIR          SwiftPM scratch path (default .build/static)
#   VERIFIER_OUT=FILE             the executable (default dist/akashi-verify)
set -euo pipefail

cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=${VERIFIER_SCRATCH:-.build/static}
OUT=${VERIFIER_OUT:-dist/akashi-verify}
MULTIARCH=$(uname -m)-linux-gnu
LIBDIR=/usr/lib/$MULTIARCH

say() { echo "build-verifier: $*" >&2; }

# The archives, and the -dev package each comes from (libstdc++.a from gcc's libstdc++-dev).
declare -A ARCHIVE_PACKAGE=(
  [libcrypto.a]=libssl-dev [libzbar.a]=libzbar-dev [libdbus-1.a]=libdbus-1-dev
  [libpng16.a]=libpng-dev [libjpeg.a]=libjpeg-dev [libz.a]=zlib1g-dev
)
missing=()
for a in "${!ARCHIVE_PACKAGE[@]}"; do
  [ -f "$LIBDIR/$a" ] || missing+=("${ARCHIVE_PACKAGE[$a]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} (for their static archives)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
# The toolchain's clang compiles the stub below and knows where GCC's libstdc++.a is
# (libstdc++-12-dev, which Swift itself needs on Debian 12).
CLANG=$(dirname "$(readlink -f "$(command -v "$SWIFT")")")/clang
[ -x "$CLANG" ] || CLANG=cc
STDCXX=$("$CLANG" -print-file-name=libstdc++.a)
[ -f "$STDCXX" ] || { say "no libstdc++.a (install libstdc++-12-dev)"; exit 2; }

STATIC=$PWD/$SCRATCH/static-libs
rm -rf "$STATIC"
mkdir -p "$STATIC"
for a in libcrypto.a libjpeg.a libz.a; do ln -s "$LIBDIR/$a" "$STATIC/$a"; done
ln -s "$STDCXX" "$STATIC/libstdc++.a"
# A linker script in place of an archive lists the archives it needs with it, so the
# order in which SwiftPM passes the -l flags does not matter.
echo "GROUP ( $LIBDIR/libpng16.a $LIBDIR/libz.a )" > "$STATIC/libpng16.a"
# -lzbar: Debian's zbar is built with D-Bus (its image scanner can send results over
# the bus when asked, which akashi-verify never does) and reads JPEG frames itself.
cat > "$STATIC/libzbar.a" <<EOF
/* Written by scripts/build-verifier.sh: libzbar and the archives it needs. */
GROUP ( $LIBDIR/libzbar.a $LIBDIR/libdbus-1.a $LIBDIR/libjpeg.a $STATIC/libsdstub.a )
EOF
# libdbus-1.a's dbus-sysdeps-unix.o refers to sd_listen_fds and sd_is_socket (a bus
# daemon's socket activation). Debian ships libsystemd only as a shared library; these
# stubs give libsystemd's own answers for a process that systemd passed no sockets.
cat > "$STATIC/sdstub.c" <<'EOF'
#include <errno.h>
int sd_listen_fds(int unset_environment) { (void)unset_environment; return 0; }
int sd_is_socket(int fd, int family, int type, int listening) {
    (void)fd; (void)family; (void)type; (void)listening; return -EBADF;
}
EOF
"$CLANG" -O2 -fPIC -c "$STATIC/sdstub.c" -o "$STATIC/sdstub.o"
ar rcs "$STATIC/libsdstub.a" "$STATIC/sdstub.o"

# SwiftPM takes each module's -L and -l from pkg-config, with -L/usr/lib/<multiarch>
# first, where the shared libraries are. The same .pc files with libdir pointing here,
# found first through PKG_CONFIG_PATH, make every -l find the archive instead.
PC=$STATIC/pkgconfig
mkdir -p "$PC"
for p in libcrypto zbar libpng libjpeg zlib; do
  pc=$(pkg-config --variable=pcfiledir "$p")/$p.pc
  [ -f "$pc" ] || { say "no $p.pc"; exit 2; }
  sed "s|^libdir=.*|libdir=$STATIC|" "$pc" > "$PC/$p.pc"
done
export PKG_CONFIG_PATH=$PC${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}

say "swift build -c release --product akashi-verify --static-swift-stdlib --scratch-path $SCRATCH"
start=$(date +%s)
"$SWIFT" build -c release --product akashi-verify --static-swift-stdlib --scratch-path "$SCRATCH" \
  -Xswiftc -Xclang-linker -Xswiftc -static-libgcc
say "built in $(( $(date +%s) - start )) s"

bin=$("$SWIFT" build -c release --scratch-path "$SCRATCH" --show-bin-path)/akashi-verify
mkdir -p "$(dirname "$OUT")"
cp "$bin" "$OUT.tmp"
strip "$OUT.tmp"
mv "$OUT.tmp" "$OUT"

# What the executable asks the loader for: glibc's libc and libm, nothing else.
needed=$(readelf -d "$OUT" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
say "NEEDED: $needed"
for lib in $needed; do
  case "$lib" in
    libc.so.6 | libm.so.6 | ld-linux-*.so.*) ;;
    *) say "FAIL: $OUT needs $lib (only glibc may stay dynamic)"; exit 1 ;;
  esac
done
ldd "$OUT" >&2 || true
say "$OUT: $(stat -c %s "$OUT") bytes ($(du -h "$OUT" | cut -f1)), stripped"
