#!/usr/bin/env python3
"""console_socket.py PATH OUT: a --console-socket receiver, as containerd's
shim is one. Accepts one connection on the unix socket PATH, takes the pty
master sent with SCM_RIGHTS, records the window size the runtime set, and
copies everything the container writes to OUT until the pty closes."""
import fcntl
import os
import socket
import struct
import sys
import termios

path, out = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
print("ready", flush=True)
conn, _ = srv.accept()
msg, fds, _, _ = socket.recv_fds(conn, 1024, 1)
master = fds[0]
rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(master, termios.TIOCGWINSZ, b"\0" * 8))
with open(out, "wb") as f:
    f.write(f"name={msg.decode()} size={rows}x{cols}\n".encode())
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        f.write(data)
        f.flush()
