#!/usr/bin/env python3
"""shim_client.py SOCKET REQUEST-JSON: a client of berth-shim's socket.

Sends one request line and prints the answer line. With an "attach"
request, then sends this script's stdin as the container's stdin and
prints the stream (multiplexed frames decoded as "STREAM: text" lines
without a tty, raw bytes with one) until the shim ends it. --timeout N
gives up after N seconds (exit 2).
"""
import json
import os
import select
import socket
import struct
import sys
import time


def main():
    args = sys.argv[1:]
    timeout = 10.0
    if "--timeout" in args:
        i = args.index("--timeout")
        timeout = float(args[i + 1])
        del args[i:i + 2]
    path, request = args
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(request.encode() + b"\n")
    deadline = time.time() + timeout
    buf = b""
    while b"\n" not in buf:
        r, _, _ = select.select([s], [], [], max(0, deadline - time.time()))
        if not r:
            sys.exit(2)
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    line, _, rest = buf.partition(b"\n")
    print(line.decode())
    sys.stdout.flush()
    answer = json.loads(line)
    if json.loads(request).get("op") != "attach" or not answer.get("ok"):
        return
    tty = answer.get("tty")
    stdin_open = True
    stream = rest
    while True:
        # Decode whole frames as they arrive.
        while not tty and len(stream) >= 8:
            kind, size = stream[0], struct.unpack(">I", stream[4:8])[0]
            if len(stream) < 8 + size:
                break
            name = {1: "stdout", 2: "stderr"}.get(kind, str(kind))
            sys.stdout.write("%s: %s" % (name, stream[8:8 + size].decode(errors="replace")))
            sys.stdout.flush()
            stream = stream[8 + size:]
        if tty and stream:
            sys.stdout.write(stream.decode(errors="replace"))
            sys.stdout.flush()
            stream = b""
        fds = [s] + ([sys.stdin] if stdin_open else [])
        r, _, _ = select.select(fds, [], [], max(0, deadline - time.time()))
        if not r:
            sys.exit(2)
        if sys.stdin in r:
            data = os.read(sys.stdin.fileno(), 65536)
            if data:
                s.sendall(data)
            else:
                stdin_open = False
                s.shutdown(socket.SHUT_WR)
        if s in r:
            chunk = s.recv(65536)
            if not chunk:
                return
            stream += chunk


main()
