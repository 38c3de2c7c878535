#!/usr/bin/env python3
"""shim_client.py SOCKET REQUEST-JSON...: a client of berth-shim's socket.

Sends the request lines one by one, printing each answer line. After an
"attach" request, or an "exec" without "detach", the connection is a
stream: this script's stdin goes to the process's stdin (its end of file
as shutdown(SHUT_WR)), and the stream is printed (multiplexed frames
decoded as "STREAM: text" lines without a tty, raw bytes with one) until
the shim ends it; requests after it are not sent. --timeout N gives up
after N seconds (exit 2). --raw prints the stream's bytes undecoded.
--pipeline sends all requests at once (no streams) and then reads their
answers: a request queued behind a "wait" is answered after the exit.
"""
import json
import os
import select
import socket
import struct
import sys
import time


def read_line(s, buf, deadline):
    """One answer line and what followed it; exits 2 on timeout."""
    while b"\n" not in buf:
        r, _, _ = select.select([s], [], [], max(0, deadline - time.time()))
        if not r:
            sys.exit(2)
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    line, _, rest = buf.partition(b"\n")
    return line, rest


def main():
    args = sys.argv[1:]
    timeout = 10.0
    raw = False
    if "--timeout" in args:
        i = args.index("--timeout")
        timeout = float(args[i + 1])
        del args[i:i + 2]
    if "--raw" in args:
        args.remove("--raw")
        raw = True
    pipeline = "--pipeline" in args
    if pipeline:
        args.remove("--pipeline")
    path, requests = args[0], args[1:]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    deadline = time.time() + timeout
    rest = b""
    if pipeline:
        s.sendall(b"".join(r.encode() + b"\n" for r in requests))
        for _ in requests:
            line, rest = read_line(s, rest, deadline)
            print(line.decode())
            sys.stdout.flush()
        return
    for request in requests:
        s.sendall(request.encode() + b"\n")
        line, rest = read_line(s, rest, deadline)
        print(line.decode())
        sys.stdout.flush()
        if not line:
            return
        answer = json.loads(line)
        req = json.loads(request)
        op = req.get("op")
        if not answer.get("ok"):
            continue
        if op == "attach":
            stream(s, rest, answer.get("tty"), raw, deadline)
            return
        if op == "exec" and not req.get("detach"):
            stream(s, rest, req["process"].get("terminal", False), raw, deadline)
            return


def stream(s, stream, tty, raw, deadline):
    stdin_open = True
    out = sys.stdout.buffer
    while True:
        # Decode whole frames as they arrive.
        while not tty and not raw and len(stream) >= 8:
            kind, size = stream[0], struct.unpack(">I", stream[4:8])[0]
            if len(stream) < 8 + size:
                break
            name = {1: "stdout", 2: "stderr"}.get(kind, str(kind))
            out.write(b"%s: %s" % (name.encode(), stream[8:8 + size]))
            out.flush()
            stream = stream[8 + size:]
        if (tty or raw) and stream:
            out.write(stream)
            out.flush()
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
                if stream:
                    out.write(b"<partial: %r>" % stream)
                    out.flush()
                return
            stream += chunk


main()
