# Copyright 2026 pypi-guard contributors
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""A small hostile HTTP(S) server on 127.0.0.1 for the HTTP client's tests.

Each path answers with a behaviour written byte by byte onto the socket (a
gzip bomb, an answer sent one byte a second, a transfer cut short, a
redirect, ...); every request is recorded so that tests can count attempts
at the server.
"""

import functools
import ssl
import subprocess
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@functools.cache
def gzip_bomb(inflated_mib=300):
    """A gzip body of zeros: about 300 KiB that inflate to ``inflated_mib`` MiB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * (1 << 20)
    return b"".join([compressor.compress(zeros) for _ in range(inflated_mib)]
                    + [compressor.flush()])


def _head(status, headers):
    lines = [f"HTTP/1.1 {status} {'OK' if status == 200 else 'Whatever'}"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def answer(body=b"", status=200, headers=(), content_length=True):
    """A whole answer at once."""
    def behave(handler, stop):
        extra = [("Content-Length", len(body))] if content_length else []
        handler.wfile.write(_head(status, list(headers) + extra) + body)
    return behave


def bomb(inflated_mib=300, content_type="application/json"):
    """A gzip bomb, announced honestly as gzip of its compressed length."""
    return answer(gzip_bomb(inflated_mib), headers=[("Content-Type", content_type),
                                                     ("Content-Encoding", "gzip")])


def trickle(length=30, interval=1.0, headers_too=False):
    """An answer of ``length`` bytes sent one byte every ``interval`` seconds
    (and its headers too with ``headers_too``)."""
    def behave(handler, stop):
        head = _head(200, [("Content-Length", length)])
        if not headers_too:
            handler.wfile.write(head)
            head = b""
        for byte in head + b"x" * length:
            if stop.wait(interval):
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
    return behave


def truncated(announced=1000, sent=10):
    """Announces ``announced`` bytes, sends ``sent`` and hangs up."""
    def behave(handler, stop):
        handler.wfile.write(_head(200, [("Content-Length", announced)]) + b"y" * sent)
    return behave


def redirect(location, status=302):
    return answer(b"moved", status=status, headers=[("Location", location)])


def sequence(*behaviours):
    """The n-th request gets the n-th behaviour, round and round."""
    count = iter(range(1 << 30))
    lock = threading.Lock()

    def behave(handler, stop):
        with lock:
            number = next(count)
        behaviours[number % len(behaviours)](handler, stop)
    return behave


def self_signed_cert(directory):
    """``(certfile, keyfile)`` of a throw-away certificate for 127.0.0.1."""
    cert, key = str(directory / "cert.pem"), str(directory / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


class HostileServer:
    """``{path: behaviour}`` served on 127.0.0.1 (HTTPS with ``tls=(cert, key)``);
    ``requests`` lists ``(method, path)`` of every request in order."""

    def __init__(self, routes, tls=None):
        self.routes = routes
        self.requests = []
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                path = self.path.split("?", 1)[0]
                server.requests.append((self.command, path))
                self.close_connection = True
                behave = server.routes.get(path, answer(b"not here", status=404))
                try:
                    behave(self, server._stop)
                except OSError:
                    pass  # the client hung up: that is what the client should do

            do_GET = do_POST = do_HEAD = _serve

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        scheme = "http"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
