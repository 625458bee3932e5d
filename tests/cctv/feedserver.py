"""A real HTTP server on 127.0.0.1 that plays cameras, for health checks and the feed proxy.

Paths:
  /ok.jpg            200, a small JPEG
  /slow.jpg          answers only after `slow_seconds` (longer than the test timeout)
  /error.jpg         500
  /login.html        200 text/html (a camera's login page instead of a picture)
  /private.jpg       the JPEG behind HTTP Basic auth (user "cctv", password "s3cret")
  /stream.mjpeg      multipart/x-mixed-replace with JPEG frames
  /hls/index.m3u8    an HLS playlist; /hls/seg0.ts a segment
  /toggle.jpg        200 or 503, as `toggle_up` says
"""

import base64
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The smallest valid JPEG: start marker, a few segments, end marker (a 1×1 grey pixel).
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c20242e"
    "2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100ffc4001f0000010501010101010100000000000000"
    "000102030405060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c1"
    "1552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a"
    "838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8"
    "e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fbd3ffd9"
)
USER, PASSWORD = "cctv", "s3cret"


class FeedServer:
    def __init__(self, slow_seconds=3.0):
        self.slow_seconds = slow_seconds
        self.toggle_up = True
        self.requests = []  # (path, Authorization header)
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep the test output clean
                pass

            def do_GET(self):
                with server._lock:
                    server.requests.append((self.path, self.headers.get("Authorization")))
                    server.active += 1
                    server.max_active = max(server.max_active, server.active)
                try:
                    self.answer(self.path.split("?")[0])
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with server._lock:
                        server.active -= 1

            def send(self, status, content_type, body, **headers):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def answer(self, path):
                if path == "/ok.jpg":
                    self.send(200, "image/jpeg", JPEG)
                elif path == "/slow.jpg":
                    time.sleep(server.slow_seconds)
                    self.send(200, "image/jpeg", JPEG)
                elif path == "/error.jpg":
                    self.send(500, "text/plain", b"internal error")
                elif path == "/login.html":
                    self.send(200, "text/html; charset=utf-8", b"<html><body>Login</body></html>")
                elif path == "/private.jpg":
                    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
                    if self.headers.get("Authorization") == expected:
                        self.send(200, "image/jpeg", JPEG)
                    else:
                        self.send(401, "text/plain", b"auth", **{"WWW-Authenticate": 'Basic realm="camera"'})
                elif path == "/toggle.jpg":
                    if server.toggle_up:
                        self.send(200, "image/jpeg", JPEG)
                    else:
                        self.send(503, "text/plain", b"down")
                elif path == "/stream.mjpeg":
                    self.send_response(200)
                    self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
                    self.end_headers()
                    for _ in range(3):
                        part = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(JPEG) + JPEG + b"\r\n"
                        self.wfile.write(part)
                        self.wfile.flush()
                        time.sleep(0.05)
                    self.close_connection = True
                elif path == "/hls/index.m3u8":
                    base = f"http://127.0.0.1:{server.port}/hls/"
                    playlist = f"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg0.ts\n#EXTINF:2.0,\n{base}seg1.ts\n"
                    self.send(200, "application/vnd.apple.mpegurl", playlist.encode())
                elif path in ("/hls/seg0.ts", "/hls/seg1.ts"):
                    self.send(200, "video/mp2t", b"\x47" * 188)
                else:
                    self.send(404, "text/plain", b"not found")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="feed-server", daemon=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self):
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def hits(self, path):
        return sum(1 for p, _ in self.requests if p.split("?")[0] == path)
