"""Real HTTP servers on 127.0.0.1 for the integrations' peers.

AgencyServer plays an agency's system receiving EIDO webhooks: it checks the signature the way
README tells agencies to, and answers as `answers` says (a list of status codes, used in turn;
the last one repeats). FeedServer serves files (a hazard feed's index and CAP files) from
`files` {path: bytes}; a path in `slow` answers only after `slow_seconds`.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from integrations import webhooks


class _Server:
    def start(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


class AgencyServer(_Server):
    def __init__(self, secret):
        self.secret = secret
        self.answers = [200]
        self.requests = []  # {"headers", "body", "signature_ok", "status"}
        self.lock = threading.Lock()

    @property
    def accepted(self):
        return [r for r in self.requests if r["status"] == 200]

    def handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                # The tests' clock is frozen for every thread, this one included.
                ok = webhooks.verify(server.secret, self.headers.get(webhooks.TIMESTAMP_HEADER, ""), raw, self.headers.get(webhooks.SIGNATURE_HEADER))
                with server.lock:
                    status = server.answers[min(len(server.requests), len(server.answers) - 1)]
                    if not ok:
                        status = 401
                    server.requests.append({"headers": dict(self.headers), "body": json.loads(raw), "signature_ok": ok, "status": status})
                body = b'{"received": true}' if status == 200 else b'{"error": "busy"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


class FeedServer(_Server):
    def __init__(self, slow_seconds=2.5):
        self.files = {}
        self.slow = set()
        self.slow_seconds = slow_seconds
        self.requests = []

    def handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append(self.path)
                if self.path in server.slow:
                    time.sleep(server.slow_seconds)
                body = server.files.get(self.path)
                status = 200 if body is not None else 404
                body = body if body is not None else b"not found"
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler
