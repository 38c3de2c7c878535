#!/usr/bin/env bats
# Security properties, each checked from outside the runtime's code: from the
# host's /proc and mount table, or from inside the container.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { make_template; }
setup() { setup_bundle_from_template; }
teardown() {
  [ -n "${ESCAPE:-}" ] && { umount -l "$ESCAPE" 2>/dev/null; rm -rf "$ESCAPE"; }
  teardown_bundle
}

@test "CVE-2019-5736: the runtime binary behind the init cannot be reopened for writing" {
  create_ctr sleep 100
  pid=$(pid_of "$CID")
  sum=$(sha256sum "$RUNTIME" | cut -d' ' -f1)
  # Hold the init's /proc/PID/exe as an O_PATH fd across start (the attack
  # keeps such an fd and reopens it once the runtime is gone).
  run python3 - "$pid" "$RUNTIME" "$ROOT" "$CID" <<'PY'
import errno, os, subprocess, sys
pid, runtime, root, cid = sys.argv[1:]
fd = os.open(f"/proc/{pid}/exe", os.O_PATH)
subprocess.run([runtime, "--root", root, "start", cid], check=True)
try:
    os.open(f"/proc/self/fd/{fd}", os.O_WRONLY)
except OSError as e:
    print(errno.errorcode[e.errno])
    sys.exit(0)
print("WRITABLE")
sys.exit(1)
PY
  echo "$output"
  [ "$status" -eq 0 ]
  # Read-only mount (EROFS) or a sealed memfd (EPERM); never "busy" alone,
  # which would stop protecting the file the moment the runtime exits.
  [[ "$output" == EROFS || "$output" == EPERM ]]
  [ "$(sha256sum "$RUNTIME" | cut -d' ' -f1)" = "$sum" ]
  # No mount of the sealed copy is left on the host.
  run grep -c "berth" /proc/self/mountinfo
  [ "$output" = 0 ]
}

@test "a mount through a symlink that points outside the root lands inside it" {
  ESCAPE=$(mktemp -d /tmp/berth-escape-XXXXXX)
  mkdir -p "$BUNDLE/rootfs$ESCAPE"
  ln -s "../../../../../../../..$ESCAPE" "$BUNDLE/rootfs/evil"
  add_mount '{"destination": "/evil", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
  run_in sh -c 'echo inside >/evil/marker && cat /proc/self/mountinfo'
  echo "$output"
  [ "$status" -eq 0 ]
  # The tmpfs went to ESCAPE inside the root, not on the host's ESCAPE.
  grep -q " $ESCAPE " <<<"$output"
  [ -z "$(ls -A "$ESCAPE")" ]
  run grep -c " $ESCAPE " /proc/self/mountinfo
  [ "$output" = 0 ]
}

@test "a symlink as the target of the proc mount is refused" {
  rm -rf "$BUNDLE/rootfs/proc"
  ln -s /tmp "$BUNDLE/rootfs/proc"
  set_args true
  run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == */proc* ]]
  assert_no_leftovers "$CID"
}

@test "masked files are the host's /dev/null; masked dirs are empty read-only tmpfs" {
  # /proc/timer_list has content on the host; inside it must read as empty.
  [ "$(head -c 100 /proc/timer_list | wc -c)" -gt 0 ]
  run_in sh -c 'stat -c "%t:%T" /proc/timer_list; cat /proc/timer_list | wc -c; ls -A /proc/acpi | wc -l; touch /proc/acpi/x 2>&1; grep " /proc/acpi " /proc/self/mountinfo'
  echo "$output"
  [ "${lines[0]}" = 1:3 ]
  [ "${lines[1]}" = 0 ]
  [ "${lines[2]}" = 0 ]
  [[ "${lines[3]}" == *"Read-only file system"* ]]
  [[ "${lines[4]}" == *" ro,"* || "${lines[4]}" == *" ro "* ]]
}

@test "a seccomp filter denies the listed syscalls with the given errno" {
  config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
  run_in sh -c 'mkdir /dev/shm/d 2>&1; grep ^Seccomp: /proc/self/status; echo ok >/dev/shm/f && cat /dev/shm/f'
  echo "$output"
  [[ "${lines[0]}" == *"Permission denied"* ]]
  [ "${lines[1]}" = "Seccomp:	2" ]
  [ "${lines[2]}" = ok ]
}

@test "without a seccomp section no filter is loaded" {
  config 'del(.linux.seccomp)'
  run_in grep ^Seccomp: /proc/self/status
  [ "$output" = "Seccomp:	0" ]
}

@test "the container cannot see or signal host processes" {
  sleep 100 &
  hostpid=$!
  run_in sh -c "ls /proc | grep -c '^[0-9]'; kill -0 $hostpid 2>&1; echo rc=\$?"
  kill "$hostpid"
  echo "$output"
  [ "${lines[0]}" -le 3 ]
  [ "${lines[-1]}" = rc=1 ]
}

@test "the state dir is private to root" {
  create_ctr sleep 100
  [ "$(stat -c %a "$ROOT")" = 700 ] || [ "$(stat -c %a "$ROOT")" = 711 ]
  [ "$(stat -c %a "$ROOT/$CID")" = 700 ]
  [ "$(stat -c %a "$ROOT/$CID/state.json")" = 600 ] || [ "$(stat -c %a "$ROOT/$CID/state.json")" = 644 ]
  [ "$(stat -c %a "$ROOT/$CID/exec.fifo")" = 600 ] || [ "$(stat -c %a "$ROOT/$CID/exec.fifo")" = 622 ]
}

@test "the init holds none of the runtime's files across exec" {
  create_ctr sleep 100
  rt start "$CID"
  pid=$(pid_of "$CID")
  run ls -l "/proc/$pid/fd"
  echo "$output"
  # Only stdio (which create_ctr set to /dev/null and $BUNDLE/create.err).
  [ "$(ls "/proc/$pid/fd" | xargs)" = "0 1 2" ]
  [[ "$output" != *"$ROOT"* ]]
  [[ "$output" != *socket* ]]
  [[ "$output" != *fifo* ]]
  # Its cwd is inside the container, not a runtime directory.
  [ "$(readlink "/proc/$pid/cwd")" = / ]
}
