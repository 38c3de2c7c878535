#!/usr/bin/env python3
"""seccomp_agent.py PATH OUT ERRNO: a seccomp notify agent, as the
runtime-spec's listenerPath describes one. Accepts one connection on the
unix socket PATH, records the container process state it gets (and the fd
names) in OUT as JSON, then answers every notified system call with
-ERRNO until the listener closes (the container is gone)."""
import array
import ctypes
import fcntl
import json
import os
import socket
import struct
import sys

path, out, err = sys.argv[1], sys.argv[2], int(sys.argv[3])
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
print("ready", flush=True)
conn, _ = srv.accept()
msg, fds, _, _ = socket.recv_fds(conn, 65536, 4)
state = json.loads(msg)
listener = fds[0]
with open(out, "w") as f:
    json.dump(state, f)

SECCOMP_IOCTL_NOTIF_RECV = 0xC0502100  # _IOWR('!', 0, struct seccomp_notif)
SECCOMP_IOCTL_NOTIF_SEND = 0xC0182101  # _IOWR('!', 1, struct seccomp_notif_resp)
handled = 0
while True:
    buf = bytearray(80)  # struct seccomp_notif
    try:
        fcntl.ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, buf, True)
    except OSError:
        break
    notif_id, pid, flags, nr = struct.unpack_from("<QIIi", buf, 0)
    resp = struct.pack("<QqiI", notif_id, 0, -err, 0)  # id, val, error, flags
    try:
        fcntl.ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, bytearray(resp), True)
        handled += 1
    except OSError:
        pass
    with open(out + ".count", "w") as f:
        f.write(str(handled))
