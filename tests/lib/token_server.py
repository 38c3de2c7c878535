#!/usr/bin/python3
"""A registry token server for tests: Docker's token protocol, as a
docker-registry configured with `auth: token:` expects it.

  token_server.py --port N --key KEY.pem --cert CERT.pem --user U --password P
                  [--issuer I] [--service S] [--anonymous pull|deny]

GET /token?service=S&scope=repository:NAME:ACTIONS[&scope=...] answers
{"token", "access_token", "expires_in": 300, "issued_at"}: a JWT signed
RS256 with KEY (by the openssl CLI, so no Python crypto module is needed),
carrying CERT in its x5c header. The registry verifies it against its
rootcertbundle (CERT itself) and checks iss, aud (= service), nbf and exp.

Basic credentials U:P get every action asked for on any repository; wrong
credentials get 401; no credentials get pull only (--anonymous pull, the
default) or 401 (--anonymous deny). Each request is logged to stderr as
"token: <user or -> <scopes> -> <status>".
"""

import argparse
import base64
import json
import subprocess
import sys
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def cert_der_b64(pem_path: str) -> str:
    """The certificate's DER, base64 (standard alphabet, as x5c has it)."""
    lines = open(pem_path).read().splitlines()
    start = lines.index("-----BEGIN CERTIFICATE-----")
    end = lines.index("-----END CERTIFICATE-----")
    return "".join(lines[start + 1:end])


def sign_rs256(key_path: str, data: bytes) -> bytes:
    """RSASSA-PKCS1-v1_5 over SHA-256: what `openssl dgst -sign` does."""
    out = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key_path],
                         input=data, capture_output=True, check=True)
    return out.stdout


def parse_scope(scope: str):
    """"repository:a/b:pull,push" -> ("repository", "a/b", ["pull", "push"]).
    The name may itself hold a colon (a registry host with a port)."""
    kind, _, rest = scope.partition(":")
    name, _, actions = rest.rpartition(":")
    return kind, name, [a for a in actions.split(",") if a]


class Handler(BaseHTTPRequestHandler):
    opts = None  # argparse.Namespace, set in main

    def log_message(self, fmt, *args):  # quiet: one line per token below
        pass

    def who(self):
        """(user, ok): the basic credentials' user and whether they are right;
        (None, True) for an anonymous request."""
        h = self.headers.get("Authorization", "")
        if not h.lower().startswith("basic "):
            return None, True
        try:
            user, _, pw = base64.b64decode(h[6:]).decode().partition(":")
        except Exception:
            return "?", False
        return user, user == self.opts.user and pw == self.opts.password

    def reply(self, status, body, extra=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path != "/token":
            self.reply(404, {"errors": [{"code": "NOT_FOUND"}]})
            return
        q = parse_qs(url.query)
        scopes = q.get("scope", [])
        user, ok = self.who()
        status = 200
        if not ok or (user is None and self.opts.anonymous == "deny"):
            status = 401
        print(f"token: {user or '-'} {' '.join(scopes) or '(none)'} -> {status}",
              file=sys.stderr, flush=True)
        if status != 200:
            self.reply(401, {"errors": [{"code": "UNAUTHORIZED",
                                         "message": "authentication required"}]},
                       {"WWW-Authenticate": 'Basic realm="test-token"'})
            return

        access = []
        for s in scopes:
            kind, name, actions = parse_scope(s)
            allowed = actions if user else [a for a in actions if a == "pull"]
            if kind == "repository" and allowed:
                access.append({"type": kind, "name": name, "actions": allowed})
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.opts.x5c]}
        claims = {"iss": self.opts.issuer, "sub": user or "",
                  "aud": q.get("service", [self.opts.service])[0],
                  "exp": now + 300, "nbf": now - 10, "iat": now,
                  "jti": uuid.uuid4().hex, "access": access}
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode()))
        sig = sign_rs256(self.opts.key, signing_input.encode())
        token = signing_input + "." + b64url(sig)
        self.reply(200, {"token": token, "access_token": token, "expires_in": 300,
                         "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))})


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--issuer", default="test-issuer")
    p.add_argument("--service", default="test-registry")
    p.add_argument("--anonymous", choices=["pull", "deny"], default="pull")
    opts = p.parse_args()
    opts.x5c = cert_der_b64(opts.cert)
    Handler.opts = opts
    ThreadingHTTPServer(("127.0.0.1", opts.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
