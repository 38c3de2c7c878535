#!/usr/bin/env bats
# The security baseline of DESIGN.md, seen from inside a container whose
# config.json is the engine's (berth-spec-tool prints what BuildContainerSpec
# makes from a create request and an image config), run by berth-runtime:
# capabilities, seccomp, masked and read-only paths, mounts, the /etc files
# berthd manages, and the image's user, env and working directory.

load helpers
bats_require_minimum_version 1.5.0

SPEC_TOOL=${BERTH_SPEC_TOOL:-$SRC/build/src/engine/berth-spec-tool}
PROBE=${BATS_RUN_TMPDIR:-/tmp}/syscall_probe

setup_file() {
  make_template
  # busybox has no applet that calls keyctl; a tiny static program does.
  if [ "$(id -u)" -eq 0 ] && command -v cc >/dev/null; then
    cc -static -O -pthread -o "$PROBE" "$SRC/tests/lib/syscall_probe.c" 2>/dev/null || true
  fi
}

setup() {
  setup_bundle_from_template
  [ -x "$SPEC_TOOL" ] || skip "no berth-spec-tool at $SPEC_TOOL"
  ID=$(head -c 32 /dev/urandom | sha256sum | cut -c1-64)
  mkdir -p "$BUNDLE/ctr"
  if [ -x "$PROBE" ]; then cp "$PROBE" "$BUNDLE/rootfs/bin/syscall_probe"; fi
}

teardown() {
  teardown_bundle
  # The runtime removes the container's cgroup; its parent is this test's.
  for d in /sys/fs/cgroup/berth-it /sys/fs/cgroup/*/berth-it; do
    [ -d "$d" ] && rmdir "$d" 2>/dev/null
  done
  return 0
}

# engine_spec CREATE-JSON [IMAGE-CONFIG-JSON]: the bundle's config.json, as
# the engine makes it.
engine_spec() {
  printf '%s' "$1" >"$BUNDLE/create.json"
  printf '%s' "${2:-{\}}" >"$BUNDLE/image.json"
  "$SPEC_TOOL" --id "$ID" --rootfs "$BUNDLE/rootfs" --dir "$BUNDLE/ctr" \
    --create "$BUNDLE/create.json" --image-config "$BUNDLE/image.json" \
    --cgroups-path "/berth-it/$CID" >"$BUNDLE/config.json"
}

# run_engine ARGS...: runs ARGS (as Cmd) in a container with the engine's
# spec; output in $output, exit code in $status.
run_engine() {
  local args a
  # One JSON string per argument, newlines and all.
  args=$(for a in "$@"; do printf '%s' "$a" | jq -Rs .; done | jq -sc .)
  engine_spec "{\"Cmd\": $args}"
  run rt run --bundle "$BUNDLE" "$CID"
}

@test "capabilities are docker's 14; nothing inheritable or ambient" {
  run_engine grep ^Cap /proc/self/status
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(cap_field CapEff)" = 00000000a80425fb ]
  [ "$(cap_field CapPrm)" = 00000000a80425fb ]
  [ "$(cap_field CapBnd)" = 00000000a80425fb ]
  [ "$(cap_field CapInh)" = 0000000000000000 ]
  [ "$(cap_field CapAmb)" = 0000000000000000 ]
  # The same 14, by name.
  [ "$(cap_mask CAP_CHOWN CAP_DAC_OVERRIDE CAP_FSETID CAP_FOWNER CAP_MKNOD CAP_NET_RAW \
    CAP_SETGID CAP_SETUID CAP_SETFCAP CAP_SETPCAP CAP_NET_BIND_SERVICE CAP_SYS_CHROOT \
    CAP_KILL CAP_AUDIT_WRITE)" = 00000000a80425fb ]
}

@test "seccomp: unshare and mount fail with EPERM (busybox)" {
  run_engine sh -c 'grep ^Seccomp: /proc/self/status; unshare -U true 2>&1; echo rc=$?;
    mount -t tmpfs none /mnt 2>&1; echo rc=$?'
  echo "$output"
  [ "${lines[0]}" = "Seccomp:	2" ]
  [[ "${lines[1]}" == *"Operation not permitted"* ]]
  [[ "$output" == *"mount: permission denied"* ]]
  [[ "$output" != *"rc=0"* ]]
}

@test "seccomp: keyctl, add_key, request_key, unshare, mount, bpf, clone(CLONE_NEWNS) get EPERM" {
  [ -x "$BUNDLE/rootfs/bin/syscall_probe" ] || skip "no C compiler to build the probe"
  run_engine syscall_probe keyctl add_key request_key unshare mount bpf open_by_handle_at \
    kexec_load init_module clone_newns getpid
  echo "$output"
  [ "$status" -eq 0 ]
  for call in keyctl add_key request_key unshare mount bpf open_by_handle_at kexec_load \
    init_module clone_newns; do
    grep -qx "$call EPERM" <<<"$output" || { echo "$call not EPERM"; return 1; }
  done
  # Outside the container the probe's keyctl works: the denial is seccomp's.
  run "$PROBE" keyctl getpid
  [ "${lines[0]}" = "keyctl ok" ]
  [ "${lines[1]}" = "getpid ok" ]
}

@test "masked paths are /dev/null or an empty directory (/proc/kcore where the kernel has it)" {
  local p present=()
  for p in /proc/asound /proc/acpi /proc/kcore /proc/keys /proc/latency_stats \
    /proc/timer_list /proc/timer_stats /proc/sched_debug /proc/scsi /sys/firmware \
    /sys/devices/virtual/powercap; do
    [ -e "$p" ] && present+=("$p")
  done
  [ "${#present[@]}" -gt 0 ]
  run_engine sh -c 'for p in "$@"; do
      if [ -d "$p" ]; then [ -z "$(ls -A "$p")" ] && echo "$p empty-dir";
      elif [ -c "$p" ]; then [ "$(stat -c %t:%T "$p")" = 1:3 ] && [ "$(wc -c <"$p")" = 0 ] && echo "$p null";
      else echo "$p VISIBLE"; fi
    done' sh "${present[@]}"
  echo "present on the host: ${present[*]}"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq "${#present[@]}" ]
  [[ "$output" != *VISIBLE* ]]
}

@test "read-only paths, /sys and the cgroup tree refuse writes" {
  run_engine sh -c 'for f in /proc/sys/vm/drop_caches /proc/sysrq-trigger /proc/sys/kernel/hostname; do
      [ -e "$f" ] || continue; (echo 1 >"$f") 2>&1; done; touch /sys/berth 2>&1; mkdir /sys/fs/cgroup/x 2>&1; true'
  echo "$output"
  [ "${#lines[@]}" -ge 4 ]  # /proc/sysrq-trigger only where the kernel has it
  for l in "${lines[@]}"; do [[ "$l" == *"Read-only file system"* ]]; done
}

@test "/proc is nosuid,noexec,nodev; /sys ro; /dev is a tmpfs with the standard devices; /dev/shm is 64m" {
  run_engine sh -c 'grep -E " /proc | /sys | /dev | /dev/shm | /dev/pts | /dev/mqueue " /proc/mounts; ls /dev | tr "\n" " "'
  echo "$output"
  [ "$status" -eq 0 ]
  local proc sys dev shm
  proc=$(awk '$2 == "/proc" {print $4}' <<<"$output")
  sys=$(awk '$2 == "/sys" {print $4}' <<<"$output")
  dev=$(awk '$2 == "/dev" {print $3}' <<<"$output")
  shm=$(awk '$2 == "/dev/shm" {print $4}' <<<"$output")
  [[ ",$proc," == *,nosuid,* && ",$proc," == *,nodev,* && ",$proc," == *,noexec,* ]]
  [[ ",$sys," == *,ro,* ]]
  [ "$dev" = tmpfs ]
  [[ ",$shm," == *,size=65536k,* ]]
  grep -q " /dev/pts devpts " <<<"$output"
  grep -q " /dev/mqueue mqueue " <<<"$output"
  for d in null zero full random urandom tty ptmx; do [[ "${lines[-1]}" == *" $d "* || "${lines[-1]}" == "$d "* ]]; done
}

@test "/etc/hostname, /etc/hosts and /etc/resolv.conf are the engine's files" {
  run_engine sh -c 'cat /etc/hostname; hostname; grep -c . /etc/hosts; grep -E "^127.0.0.1|^::1" /etc/hosts; grep -c "^nameserver 127\." /etc/resolv.conf; grep -E " /etc/(hostname|hosts|resolv.conf) " /proc/mounts | wc -l'
  echo "$output"
  [ "${lines[0]}" = "${ID:0:12}" ]
  [ "${lines[1]}" = "${ID:0:12}" ]
  [[ "${lines[3]}" == "127.0.0.1"*localhost* ]]
  [[ "${lines[4]}" == "::1"*localhost* ]]
  [ "${lines[5]}" = 0 ]  # no loopback nameserver: it could not answer here
  [ "${lines[6]}" = 3 ]
  [ "$(cat "$BUNDLE/ctr/hostname")" = "${ID:0:12}" ]

  engine_spec '{"Hostname": "web1", "Cmd": ["sh", "-c", "hostname; cat /etc/hostname; grep -w web1 /etc/hosts"]}'
  run rt run --bundle "$BUNDLE" "$CID"
  echo "$output"
  [ "${lines[0]}" = web1 ]
  [ "${lines[1]}" = web1 ]
  [[ "${lines[2]}" == *web1 ]]
}

@test "the image's user, env and working directory, with the options winning" {
  engine_spec '{"Env": ["B=user"], "Cmd": ["sh", "-c", "id; pwd; echo $A $B; echo $HOSTNAME"]}' \
    '{"User": "nobody", "Env": ["A=image", "B=image"], "WorkingDir": "/srv/app"}'
  run rt run --bundle "$BUNDLE" "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "uid=65534(nobody) gid=65534(nogroup)"* ]]
  [ "${lines[1]}" = /srv/app ]
  [ "${lines[2]}" = "image user" ]
  [ "${lines[3]}" = "${ID:0:12}" ]
  [ -d "$BUNDLE/rootfs/srv/app" ]

  printf '%s' '{"User": "nosuchuser", "Cmd": ["true"]}' >"$BUNDLE/create.json"
  run -1 "$SPEC_TOOL" --id "$ID" --rootfs "$BUNDLE/rootfs" --dir "$BUNDLE/ctr" --create "$BUNDLE/create.json"
  [[ "$output" == *"unable to find user nosuchuser: no matching entries in passwd file"* ]]
}

@test "threads start under the profile (clone3 answers ENOSYS, clone without CLONE_NEW* is allowed)" {
  [ -x "$BUNDLE/rootfs/bin/syscall_probe" ] || skip "no C compiler to build the probe"
  run_engine syscall_probe thread getpid
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "thread ok" ]
}

@test "network and UTS modes host: the host's namespaces, hostname and hosts file" {
  engine_spec '{"Cmd": ["sh", "-c", "readlink /proc/self/ns/net; readlink /proc/self/ns/uts; hostname"],
    "HostConfig": {"NetworkMode": "host", "UTSMode": "host"}}'
  run rt run --bundle "$BUNDLE" "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(readlink /proc/self/ns/net)" ]
  [ "${lines[1]}" = "$(readlink /proc/self/ns/uts)" ]
  [ "${lines[2]}" = "$(hostname)" ]
  cmp "$BUNDLE/ctr/hosts" /etc/hosts

  # The default: namespaces of its own.
  run_engine sh -c 'readlink /proc/self/ns/net; readlink /proc/self/ns/uts'
  [ "${lines[0]}" != "$(readlink /proc/self/ns/net)" ]
  [ "${lines[1]}" != "$(readlink /proc/self/ns/uts)" ]
}

@test "PidMode container:X joins X's PID namespace" {
  engine_spec '{"Cmd": ["sleep", "30"]}'
  rt run --detach --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
  local pid
  pid=$(pid_of "$CID")
  mkdir -p "$BUNDLE/second/ctr"
  printf '%s' '{"Cmd": ["sh", "-c", "readlink /proc/self/ns/pid; ps -o comm | grep -c sleep"],
    "HostConfig": {"PidMode": "container:first"}}' >"$BUNDLE/second/create.json"
  "$SPEC_TOOL" --id "$ID" --rootfs "$BUNDLE/rootfs" --dir "$BUNDLE/second/ctr" \
    --create "$BUNDLE/second/create.json" --pid-ns "/proc/$pid/ns/pid" \
    --cgroups-path "/berth-it/$CID-2" >"$BUNDLE/second/config.json"
  run rt run --bundle "$BUNDLE/second" "$CID-2"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(readlink "/proc/$pid/ns/pid")" ]
  [ "${lines[1]}" = 1 ]
}

@test "Init runs the command under a static init (docker-init / tini-static / catatonit)" {
  [ -x /usr/bin/tini-static ] || [ -x /usr/bin/docker-init ] || [ -x /usr/bin/catatonit ] ||
    skip "no static init installed"
  engine_spec '{"Cmd": ["sh", "-c", "tr \"\\0\" \" \" </proc/1/cmdline; echo; echo $$"],
    "HostConfig": {"Init": true}}'
  run rt run --bundle "$BUNDLE" "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "/sbin/docker-init -- sh -c "* ]]
  [ "${lines[1]}" != 1 ]  # the shell is not PID 1: the init is
}

@test "an image with nothing but one binary (no /etc, no passwd) runs as root with the /etc files" {
  rm -rf "$BUNDLE/rootfs"
  mkdir -p "$BUNDLE/rootfs"
  cp "$(command -v busybox)" "$BUNDLE/rootfs/busybox"
  engine_spec '{"Cmd": ["/busybox", "sh", "-c", "/busybox id -u; /busybox cat /etc/hostname; /busybox grep -c ^ /proc/self/status >/dev/null && echo ok"]}'
  run rt run --bundle "$BUNDLE" "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ]
  [ "${lines[1]}" = "${ID:0:12}" ]
  [ "${lines[2]}" = ok ]
}
