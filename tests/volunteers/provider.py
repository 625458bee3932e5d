"""A real HTTP server on 127.0.0.1 playing an SMS/WhatsApp provider's API.

`mode` decides each answer to POST /send:
  "accept"   200 {"data": {"id": "prov-<n>"}}
  "reject"   400 {"error": "invalid destination"}   (the provider refuses this message)
  "down"     503 "maintenance"                       (try again later), with Retry-After if `retry_after`
  "slow"     answers only after `slow_seconds` (longer than the gateway's timeout)
Every request is recorded (headers and JSON body), accepted ones in `delivered`.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ProviderServer:
    def __init__(self, port=0, slow_seconds=2.5):
        self.mode = "accept"
        self.slow_seconds = slow_seconds
        self.retry_after = None
        self.requests = []
        self.delivered = []
        self._lock = threading.Lock()
        self._port = port
        self._make()

    def _make(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw.decode("utf-8"))
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                with server._lock:
                    server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body, "mode": server.mode})
                    mode = server.mode
                try:
                    if mode == "slow":
                        time.sleep(server.slow_seconds)
                        self.answer(200, {"data": {"id": "late"}})
                    elif mode == "reject":
                        self.answer(400, {"error": "invalid destination"})
                    elif mode == "down":
                        headers = {"Retry-After": str(server.retry_after)} if server.retry_after else {}
                        self.answer(503, "maintenance", **headers)
                    else:
                        with server._lock:
                            server.delivered.append(body)
                            number = len(server.delivered)
                        self.answer(200, {"data": {"id": f"prov-{number}"}, "status": "queued"})
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def answer(self, status, payload, **headers):
                data = json.dumps(payload).encode() if not isinstance(payload, str) else payload.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if not isinstance(payload, str) else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="sms-provider", daemon=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self):
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def restart(self):
        """Back up on the same port after stop(): the provider's outage is over."""
        self._port = self.port
        self._make()
        self.start()
