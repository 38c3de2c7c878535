#!/usr/bin/env bash
# make_bundle.sh DIR [RUNTIME]: an OCI bundle in DIR whose rootfs is Debian's
# busybox-static with a link per applet, and whose config.json is the one
# `berth-runtime spec` writes (or runc's, if RUNTIME is runc).
set -euo pipefail
dir=$1
runtime=${2:-${BERTH_RUNTIME:-}}
busybox=$(command -v busybox || echo /bin/busybox)
mkdir -p "$dir/rootfs"/{bin,etc,proc,sys,dev,tmp,root}
cp "$busybox" "$dir/rootfs/bin/busybox"
for applet in $("$dir/rootfs/bin/busybox" --list); do
  [ -e "$dir/rootfs/bin/$applet" ] || ln -s busybox "$dir/rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/rootfs/etc/group"
chmod 1777 "$dir/rootfs/tmp"
if [ -n "$runtime" ]; then
  (cd "$dir" && "$runtime" spec)
fi
