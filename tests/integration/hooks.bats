#!/usr/bin/env bats
# Lifecycle hooks: each stage runs in order, in the right namespace, with the
# container's state on stdin; failures and timeouts behave as runtime-spec
# says (create/start fail and clean up; poststart/poststop only warn).

load helpers
bats_require_minimum_version 1.5.0

setup_file() { make_template; }
setup() {
  setup_bundle_from_template
  LOGD=$BUNDLE/hooklog
  mkdir -p "$LOGD"
  # The log dir is also mounted at /hooklog for the hooks that run after
  # pivot_root (startContainer), whose paths resolve inside the container.
  add_mount "{\"destination\": \"/hooklog\", \"type\": \"bind\", \"source\": \"$LOGD\",
    \"options\": [\"rbind\", \"rw\"]}"
}
teardown() { teardown_bundle; }

# host_hook STAGE NAME: a hook on the host's /bin/sh that appends NAME to the
# order file and saves its stdin (the state) as NAME.json.
host_hook() {
  config ".hooks.$1 += [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\",
    \"cat >$LOGD/$2.json; echo $2 >>$LOGD/order\"]}]"
}

@test "every hook stage runs once, in order, with the state on stdin" {
  host_hook prestart prestart
  host_hook createRuntime createRuntime
  host_hook createContainer createContainer
  # startContainer resolves and runs inside the container (busybox sh).
  config '.hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c",
    "cat >/hooklog/startContainer.json; echo startContainer >>/hooklog/order; hostname >/hooklog/uts"]}]'
  host_hook poststart poststart
  host_hook poststop poststop
  create_ctr sh -c 'sleep 100'
  pid=$(pid_of "$CID")
  [ "$(cat "$LOGD/order" | xargs)" = "prestart createRuntime createContainer" ]
  for h in prestart createRuntime createContainer; do
    [ "$(jq -r .status "$LOGD/$h.json")" = created ]
    [ "$(jq -r .id "$LOGD/$h.json")" = "$CID" ]
    [ "$(jq -r .pid "$LOGD/$h.json")" = "$pid" ]
    [ "$(jq -r .bundle "$LOGD/$h.json")" = "$BUNDLE" ]
  done
  rt start "$CID"
  [ "$(cat "$LOGD/order" | xargs)" = \
    "prestart createRuntime createContainer startContainer poststart" ]
  [ "$(jq -r .pid "$LOGD/startContainer.json")" = "$pid" ]
  [ "$(jq -r .status "$LOGD/poststart.json")" = running ]
  # startContainer ran in the container's UTS namespace.
  [ "$(cat "$LOGD/uts")" = "$(jq -r .hostname "$BUNDLE/config.json")" ]
  rt kill "$CID" KILL
  wait_status "$CID" stopped
  rt delete "$CID"
  [ "$(tail -1 "$LOGD/order")" = poststop ]
  [ "$(jq -r .status "$LOGD/poststop.json")" = stopped ]
  [ "$(jq -r .id "$LOGD/poststop.json")" = "$CID" ]
}

@test "createRuntime runs in the runtime's namespaces, createContainer in the container's" {
  config ".hooks.createRuntime = [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\",
    \"readlink /proc/self/ns/mnt >$LOGD/rt.mnt\"]}]"
  config ".hooks.createContainer = [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\",
    \"readlink /proc/self/ns/mnt >$LOGD/cc.mnt; readlink /proc/self/ns/uts >$LOGD/cc.uts\"]}]"
  create_ctr sleep 100
  pid=$(pid_of "$CID")
  [ "$(cat "$LOGD/rt.mnt")" = "$(readlink /proc/self/ns/mnt)" ]
  [ "$(cat "$LOGD/cc.mnt")" = "$(readlink "/proc/$pid/ns/mnt")" ]
  [ "$(cat "$LOGD/cc.uts")" = "$(readlink "/proc/$pid/ns/uts")" ]
  [ "$(cat "$LOGD/cc.mnt")" != "$(readlink /proc/self/ns/mnt)" ]
}

@test "a hook gets exactly its args and env" {
  cat >"$LOGD/hook.sh" <<EOS
tr '\\0' '|' </proc/\$\$/cmdline >$LOGD/args
env | sort >$LOGD/env
EOS
  config ".hooks.createRuntime = [{\"path\": \"/bin/sh\",
    \"args\": [\"argv0-name\", \"$LOGD/hook.sh\", \"first\"],
    \"env\": [\"BERTH_HOOK_VAR=v1\", \"PATH=/usr/bin:/bin\"]}]"
  create_ctr true
  cat "$LOGD/hook.sh" "$LOGD/args" "$LOGD/env"
  [ "$(cat "$LOGD/args")" = "argv0-name|$LOGD/hook.sh|first|" ]
  grep -qx BERTH_HOOK_VAR=v1 "$LOGD/env"
  grep -qx PATH=/usr/bin:/bin "$LOGD/env"
  # sh itself adds PWD (and may add SHLVL/_); nothing of the runtime's own.
  run grep -v -E '^(BERTH_HOOK_VAR=v1|PATH=/usr/bin:/bin|PWD=.*|SHLVL=.*|_=.*)$' "$LOGD/env"
  [ "$status" -ne 0 ]
}

@test "a failing createRuntime hook fails create, naming the hook, and leaves nothing" {
  config '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}]'
  set_args sleep 100
  run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  assert_one_line "$stderr"
  [[ "$stderr" == *createRuntime* ]]
  [[ "$stderr" == */bin/sh* ]]
  assert_no_leftovers "$CID"
  run pgrep -f "berth-runtime.*$CID"
  [ "$status" -ne 0 ]
}

@test "a failing createContainer hook fails create and leaves nothing" {
  config '.hooks.createContainer = [{"path": "/bin/false"}]'
  set_args sleep 100
  run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  assert_one_line "$stderr"
  [[ "$stderr" == *createContainer* ]]
  assert_no_leftovers "$CID"
}

@test "a hook that outlives its timeout is killed and create fails" {
  config ".hooks.createRuntime = [{\"path\": \"/bin/sh\", \"timeout\": 1,
    \"args\": [\"sh\", \"-c\", \"echo \$\$ >$LOGD/hookpid; exec sleep 60\"]}]"
  set_args sleep 100
  start=$(date +%s)
  run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  [ $(($(date +%s) - start)) -lt 10 ]
  [[ "$stderr" == *"timed out"* ]]
  pid_gone "$(cat "$LOGD/hookpid")"
  assert_no_leftovers "$CID"
}

@test "a hook whose path does not exist fails create clearly" {
  config '.hooks.prestart = [{"path": "/nonexistent/berth-hook"}]'
  set_args true
  run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == */nonexistent/berth-hook* ]]
  assert_no_leftovers "$CID"
}

@test "a failing startContainer hook fails start and stops the container" {
  config '.hooks.startContainer = [{"path": "/bin/false"}]'
  create_ctr sleep 100
  pid=$(pid_of "$CID")
  run --separate-stderr rt start "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *startContainer* ]]
  wait_status "$CID" stopped
  pid_gone "$pid"
}

@test "a failing poststart hook warns; the container keeps running" {
  config '.hooks.poststart = [{"path": "/bin/false"}]'
  create_ctr sleep 100
  run --separate-stderr rt start "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 0 ]
  [[ "$stderr" == *poststart* ]]
  [ "$(status_of "$CID")" = running ]
}

@test "a failing poststop hook warns; delete still removes the container" {
  config '.hooks.poststop = [{"path": "/bin/false"}]'
  create_ctr sleep 100
  run --separate-stderr rt delete --force "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 0 ]
  [[ "$stderr" == *poststop* ]]
  assert_no_leftovers "$CID"
}
