# userns-remap test helpers: a subordinate range for an existing system
# user, added to /etc/subuid and /etc/subgid and removed again exactly
# (the files are left as they were, or absent if they were), and a berthd
# started with a daemon.json holding "userns-remap".

# add_subids USER START COUNT: appends USER:START:COUNT to both files,
# remembering what to undo in $T/subid.undo.
add_subids() {
  local f line="$1:$2:$3"
  for f in /etc/subuid /etc/subgid; do
    if [ -e "$f" ]; then
      echo "line $f $line" >>"$T/subid.undo"
    else
      echo "file $f $line" >>"$T/subid.undo"
    fi
    # A file without a final newline gets one first, so the line stands alone.
    if [ -s "$f" ] && [ "$(tail -c1 "$f" | od -An -c | tr -d ' ')" != '\n' ]; then
      echo >>"$f"
    fi
    echo "$line" >>"$f"
  done
}

# remove_subids: undoes add_subids: the added line removed (its last copy
# only), and a file that did not exist before removed when empty again.
remove_subids() {
  [ -f "$T/subid.undo" ] || return 0
  local kind f line
  while read -r kind f line; do
    [ -e "$f" ] || continue
    /usr/bin/python3 - "$f" "$line" <<'PY'
import sys
path, line = sys.argv[1], sys.argv[2] + "\n"
text = open(path).read()
i = text.rfind(line)
if i >= 0 and (i == 0 or text[i - 1] == "\n"):
    text = text[:i] + text[i + len(line):]
    open(path, "w").write(text)
PY
    if [ "$kind" = file ] && [ ! -s "$f" ]; then rm -f "$f"; fi
  done <"$T/subid.undo"
  rm -f "$T/subid.undo"
}

# start_berthd_remap SETTING: berthd on $SOCK with {"userns-remap": SETTING}.
start_berthd_remap() {
  DATA=$T/data
  SOCK=$T/berth.sock
  printf '{"userns-remap": "%s"}\n' "$1" >"$T/daemon.json"
  "$BERTHD" --config-file "$T/daemon.json" --data-root "$DATA" --exec-root "$T/run" \
    -H "unix://$SOCK" >>"$T/berthd.log" 2>&1 &
  echo $! >"$T/berthd.pid"
  wait_for curl -sf --unix-socket "$SOCK" http://x/_ping
}
