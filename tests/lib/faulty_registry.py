#!/usr/bin/python3
"""A registry that fails on purpose, for tests: a reverse proxy in front
of a real registry that answers STATUS to every request whose path holds
one of the --fail strings, and passes everything else through.

  faulty_registry.py --port N --upstream 127.0.0.1:M --status 503 --fail sha256:ab...

Each failed request is logged to stderr as "fail: METHOD PATH -> STATUS",
so a test can count a client's retries.
"""

import argparse
import http.client
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate"}


class Handler(BaseHTTPRequestHandler):
    opts = None
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if any(f in self.path for f in self.opts.fail):
            print(f"fail: {self.command} {self.path} -> {self.opts.status}",
                  file=sys.stderr, flush=True)
            data = json.dumps({"errors": [{"code": "UNAVAILABLE",
                                           "message": "service unavailable (test)"}]}).encode()
            self.send_response(self.opts.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            return
        conn = http.client.HTTPConnection(self.opts.upstream, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                self.send_header(k, v)
        # A HEAD's length is the upstream's; a GET's, what was read.
        length = resp.getheader("Content-Length") if self.command == "HEAD" else len(data)
        self.send_header("Content-Length", str(length or 0))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--upstream", required=True)
    p.add_argument("--status", type=int, default=503)
    p.add_argument("--fail", action="append", default=[])
    Handler.opts = p.parse_args()
    ThreadingHTTPServer(("127.0.0.1", Handler.opts.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
