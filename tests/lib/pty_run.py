#!/usr/bin/env python3
"""Runs a command on a fresh pseudo-terminal, the way a user's terminal would.

    pty_run.py [--size ROWSxCOLS] [--timeout S] [--stderr FILE] [STEP...] -- CMD [ARG...]

The command gets the pty's slave side as its controlling terminal and as
stdin and stdout (and stderr, unless --stderr sends that to a file), with
the window size given (default 24x80). The STEPs run in order while the
command runs:

    --expect TEXT   wait until TEXT shows in the output (after what the
                    previous --expect matched)
    --send TEXT     type TEXT (backslash escapes: \\r, \\n, \\x10 for ctrl-p)
    --sleep S       wait S seconds (a float)
    --resize RxC    change the window size (the command gets SIGWINCH)

Then it waits for the command to exit, collecting what it writes. Everything
the terminal showed goes to stdout; the exit status is the command's (128+N
for a signal), 124 when it outlived --timeout (it is then killed), 123 when
an --expect was not met in time (the output so far is still printed).
"""
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time


def set_size(fd, spec):
    rows, cols = (int(x) for x in spec.lower().split("x"))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def unescape(text):
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1")


def main(argv):
    size, timeout, stderr_path, steps = "24x80", 30.0, None, []
    i = 0
    while i < len(argv) and argv[i] != "--":
        opt = argv[i]
        if i + 1 >= len(argv):
            sys.exit(f"pty_run: {opt} needs a value")
        val = argv[i + 1]
        if opt == "--size":
            size = val
        elif opt == "--timeout":
            timeout = float(val)
        elif opt == "--stderr":
            stderr_path = val
        elif opt in ("--expect", "--send", "--sleep", "--resize"):
            steps.append((opt, val))
        else:
            sys.exit(f"pty_run: unknown option {opt}")
        i += 2
    cmd = argv[i + 1:]
    if not cmd:
        sys.exit("pty_run: no command (put it after --)")

    master, slave = os.openpty()
    set_size(slave, size)
    err = open(stderr_path, "wb") if stderr_path else slave

    def become_session_leader():
        # A new session whose controlling terminal is the pty, as a login
        # shell's would be (so the command sees a real tty and gets SIGWINCH).
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=err,
                            preexec_fn=become_session_leader, close_fds=True)
    os.close(slave)
    output = bytearray()
    deadline = time.monotonic() + timeout

    def pump(wait):
        """Reads what the command wrote within `wait` seconds; False at EOF."""
        r, _, _ = select.select([master], [], [], max(wait, 0))
        if not r:
            return True
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: every slave fd is closed
            return False
        if not data:
            return False
        output.extend(data)
        return True

    status, open_, mark = None, True, 0
    for kind, val in steps:
        if kind == "--send":
            os.write(master, unescape(val))
        elif kind == "--resize":
            set_size(master, val)
        elif kind == "--sleep":
            until = time.monotonic() + float(val)
            while open_ and time.monotonic() < until:
                open_ = pump(until - time.monotonic())
        elif kind == "--expect":
            want = unescape(val)
            while output.find(want, mark) < 0:
                if not open_ or time.monotonic() > deadline:
                    status = 123
                    break
                open_ = pump(min(0.1, deadline - time.monotonic()))
            if status is not None:
                break
            mark = output.find(want, mark) + len(want)

    # Drain until the command exits and its terminal goes quiet.
    while status is None:
        if open_:
            open_ = pump(0.05)
        rc = proc.poll()
        if rc is not None:
            # What it wrote last may still sit in the pty: read until quiet.
            while open_:
                before = len(output)
                open_ = pump(0.2)
                if len(output) == before:
                    break
            status = rc if rc >= 0 else 128 - rc
        elif time.monotonic() > deadline:
            status = 124
        elif not open_:
            time.sleep(0.05)
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    sys.stdout.buffer.write(output)
    sys.stdout.flush()
    return status


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main(sys.argv[1:]))
