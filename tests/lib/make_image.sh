#!/usr/bin/env bash
# make_image.sh LAYOUT: an OCI image layout with two images made by umoci
# from Debian's busybox-static:
#   LAYOUT:base  one layer: busybox with a link per applet, /etc/passwd
#   LAYOUT:app   base plus a layer with /app/hello, a deleted /etc/group
#                (a whiteout), Cmd, Env, WorkingDir and a label
# Tests push these to a local registry with skopeo and pull them back.
set -euo pipefail
layout=$1
work=$(mktemp -d /tmp/berth-mkimg-XXXXXX)
trap 'rm -rf "$work"' EXIT
busybox=$(command -v busybox || echo /bin/busybox)

umoci init --layout "$layout"
umoci new --image "$layout:base"
umoci unpack --rootless --image "$layout:base" "$work/b" >/dev/null
r=$work/b/rootfs
mkdir -p "$r"/{bin,etc,tmp,root}
cp "$busybox" "$r/bin/busybox"
for applet in $("$r/bin/busybox" --list); do
  [ -e "$r/bin/$applet" ] || ln -s busybox "$r/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
printf 'root:x:0:\n' >"$r/etc/group"
chmod 1777 "$r/tmp"
umoci repack --image "$layout:base" "$work/b" >/dev/null
umoci config --image "$layout:base" --config.cmd sh --os linux --architecture amd64

umoci unpack --rootless --image "$layout:base" "$work/a" >/dev/null
mkdir -p "$work/a/rootfs/app"
echo "hello from the app layer" >"$work/a/rootfs/app/hello"
rm "$work/a/rootfs/etc/group"
umoci repack --image "$layout:app" "$work/a" >/dev/null
umoci config --image "$layout:app" --config.cmd cat --config.cmd /app/hello \
  --config.env GREETING=hi --config.workingdir /app --config.label org.berth.test=app
