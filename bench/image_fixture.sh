#!/usr/bin/env bash
# Builds the image the pull benchmark pulls, once, into an OCI layout:
#   layer 1: a debootstrapped Debian 12 (minbase)
#   layer 2: shared libraries copied from this host, plus incompressible
#            random data
# About 125 MB compressed and 260 MB unpacked in all. Cached in
# ${BENCH_CACHE:-/var/tmp/berth-bench}/layout (tag "debian"); delete the
# directory to rebuild. Needs root, debootstrap, umoci and Debian's mirror.
set -euo pipefail
CACHE=${BENCH_CACHE:-/var/tmp/berth-bench}
LAYOUT=$CACHE/layout
[ -f "$LAYOUT/index.json" ] && grep -q '"debian"' "$LAYOUT/index.json" && { echo "$LAYOUT"; exit 0; }
mkdir -p "$CACHE"
rm -rf "$LAYOUT" "$CACHE/bundle" "$CACHE/rootfs" "$CACHE/extra"
debootstrap --variant=minbase bookworm "$CACHE/rootfs" http://deb.debian.org/debian >&2
# The downloaded .debs and package lists are not part of a Debian image.
rm -rf "$CACHE"/rootfs/var/cache/apt/archives/*.deb "$CACHE"/rootfs/var/lib/apt/lists/*
umoci init --layout "$LAYOUT"
umoci new --image "$LAYOUT:debian"
umoci unpack --image "$LAYOUT:debian" "$CACHE/bundle" >&2
cp -a "$CACHE/rootfs/." "$CACHE/bundle/rootfs/"
umoci repack --image "$LAYOUT:debian" "$CACHE/bundle" >&2
# Layer 2: libraries (compressible, ~60 MB of this host's) and random bytes
# (not compressible), inserted as a layer of its own.
rm -rf "$CACHE/bundle"
mkdir -p "$CACHE/extra/libs" "$CACHE/extra/data"
total=0
for f in /usr/lib/x86_64-linux-gnu/*.so*; do
  [ -f "$f" ] || continue
  size=$(stat -Lc %s "$f")
  [ "$size" -lt $((20 << 20)) ] || continue
  [ $((total + size)) -lt $((60 << 20)) ] || break
  cp -L "$f" "$CACHE/extra/libs/"
  total=$((total + size))
done
for i in $(seq 1 5); do head -c 10M /dev/urandom >"$CACHE/extra/data/blob$i"; done
umoci insert --image "$LAYOUT:debian" "$CACHE/extra" /opt >&2
umoci config --image "$LAYOUT:debian" --config.cmd /bin/bash >&2
umoci gc --layout "$LAYOUT"
rm -rf "$CACHE/extra" "$CACHE/rootfs"
echo "$LAYOUT"
