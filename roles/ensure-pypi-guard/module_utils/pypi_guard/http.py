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

"""One HTTP client for everything pypi-guard asks an index: bounded
concurrency, a request-rate ceiling, bounded retries that honour
``Retry-After``, and answers bounded in size and time.

PyPI answers 429 when asked too fast; every worker then waits, not only the
one that was told, so the audit slows down instead of hammering the index.

Whatever the index sends is hostile until checked:

* every body is read streaming under a cap that counts the bytes after
  decoding (a gzip bomb is refused at the cap, never inflated in memory);
* every attempt has a wall-clock deadline covering connect, headers and
  body: a server sending one byte a second is cut at the deadline, not
  kept alive by the per-read timeout;
* redirects are followed only to the same origin (scheme, host, port);
* plain ``http://`` is refused unless the host is a loopback address or
  ``allow_insecure_http`` says so.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import os
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any, TypeVar
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from ansible.module_utils.pypi_guard.errors import PypiGuardError

_T = TypeVar("_T")
_R = TypeVar("_R")

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "pypi-guard (+https://opendev.org/openstack/pypi-guard)"
DEFAULT_MAX_BODY_SIZE = 8 * 1024 * 1024
DEFAULT_DOWNLOAD_TIMEOUT = 600.0
MAX_REDIRECTS = 5
CHUNK_SIZE = 64 * 1024
# What the index may send; anything else would be decoded by no one.
ACCEPT_ENCODING = "gzip, deflate"


class FetchError(PypiGuardError):
    """A request that could not be completed after every allowed attempt."""


class TooLarge(FetchError):
    """A body or a download went over its size cap."""


class RedirectRefused(FetchError):
    """The index redirected to another origin or from https to http;
    ``location`` is where it pointed."""

    def __init__(self, message: str, location: str) -> None:
        super().__init__(message)
        self.location = location


class _Transient(Exception):
    """A transfer that went wrong in a way worth another attempt."""


class RateLimiter:
    """Spaces requests at most ``rate`` per second across threads (0: no ceiling)."""

    def __init__(self, rate: float | None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 1.0 / rate if rate and rate > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)

    def pause(self, seconds: float) -> None:
        """Hold every request back for ``seconds`` (the index asked us to wait)."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)


def connection_error_reason(exc: BaseException) -> str:
    """The useful end of a connection error: "[Errno 111] Connection refused"."""
    match = re.search(r"\[Errno -?\d+\][^'\")]*", str(exc))
    return match.group(0).strip() if match else type(exc).__name__


def retry_after_seconds(response: requests.Response | None) -> float | None:
    """The ``Retry-After`` header in seconds, or None (dates are not used by PyPI)."""
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(value))  # type: ignore[arg-type]  # None: TypeError
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------
# Which URLs may be asked


def is_loopback(host: str | None) -> bool:
    """``localhost``, 127.0.0.0/8 or ``::1``."""
    host = (host or "").lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(url: str, allow_insecure_http: bool = False) -> str | None:
    """Why ``url`` must not be asked, or None: only https, and plain http to
    a loopback address or when ``allow_insecure_http`` is set."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        return f"is not a usable URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not an http(s) URL"
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(parts.hostname):
        return f"is plain http to {parts.hostname}, which is not a loopback address"
    return None


def check_index_url(url: str, allow_insecure_http: bool = False,
                    option: str = "pypi_url") -> None:
    """Refuse (ValueError naming ``option`` and the value) an index URL the
    client would refuse, before any request."""
    problem = url_problem(url, allow_insecure_http)
    if problem:
        raise ValueError(
            f"{option} {url!r} {problem}: use https, or set allow_insecure_http: true "
            "(role variable pypi_guard_allow_insecure_http) to allow plain http")


def _origin(parts: Any) -> tuple[str, str | None, int | None]:
    return parts.scheme, parts.hostname, parts.port or {"http": 80, "https": 443}.get(
        parts.scheme)


def redirect_problem(source: str, target: str) -> str | None:
    """Why a redirect from ``source`` to ``target`` must not be followed, or
    None when both have the same scheme, host and port."""
    old, new = urlsplit(source), urlsplit(target)
    try:
        if _origin(old) == _origin(new):
            return None
    except ValueError:
        return "to a URL with a bad port"
    if old.scheme == "https" and new.scheme != "https":
        return f"from https to {new.scheme or 'a relative scheme'}"
    return "to another origin"


# --------------------------------------------------------------------------
# The wall-clock deadline of one attempt

_current = threading.local()


class _Deadline:
    """Cuts the connection of one attempt when its time is up.

    Per-read timeouts do not bound a server that sends a byte just before
    each one expires; a timer thread shuts the socket down at the deadline,
    which ends whatever read is blocked on it (headers or body).  The
    connection is the one urllib3 hands this thread (see ``_WatchedPool``).
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._connection: object = None
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        _current.deadline = None
        self._stopped.set()
        self._timer.cancel()

    def remaining(self) -> float:
        return max(0.001, self.end - time.monotonic())

    def watch(self, connection: object) -> None:
        with self._lock:
            self._connection = connection

    def _expire(self) -> None:
        self.expired = True
        # Until the attempt gives up: a connection still being made gets
        # its socket later, and is shut down then.
        while not self._stopped.is_set():
            with self._lock:
                sock = getattr(self._connection, "watched_sock", None)
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._stopped.wait(0.1)


class _SocketMixin:
    # http.client drops ``sock`` from a connection whose answer says
    # "Connection: close" (the response then owns it): keep it for the deadline.
    watched_sock: socket.socket | None = None
    sock: socket.socket | None

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]  # a mixin: the connection class has it
        self.watched_sock = self.sock


class _WatchedHTTPConnection(_SocketMixin, urllib3.connection.HTTPConnection):
    pass


class _WatchedHTTPSConnection(_SocketMixin, urllib3.connection.HTTPSConnection):
    pass


class _WatchMixin:
    def _get_conn(self, timeout: float | None = None) -> Any:
        connection = super()._get_conn(timeout)  # type: ignore[misc]  # a mixin, as above
        deadline = getattr(_current, "deadline", None)
        if deadline is not None:
            deadline.watch(connection)
        return connection


class _WatchedHTTPPool(_WatchMixin, urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(_WatchMixin, urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class _Adapter(requests.adapters.HTTPAdapter):
    """requests' adapter, with pools whose connections a deadline can cut."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if type(manager) is urllib3.ProxyManager:
            manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager


class _Session(requests.Session):
    """requests' session without its own redirect handling: even when told
    not to follow, it reads a redirect's whole body, unbounded and inflated.
    :meth:`HttpClient._send` follows redirects itself."""

    def resolve_redirects(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        return iter(())


# --------------------------------------------------------------------------
# Bodies


class _Decoder:
    """Content-Encoding decoding that never makes more than CHUNK_SIZE bytes
    at once, whatever the compression ratio."""

    def __init__(self, encoding: str | None, where: str) -> None:
        encoding = (encoding or "").strip().lower()
        self._where = where
        if encoding in ("", "identity"):
            self._wbits: int | None = None
        elif encoding in ("gzip", "x-gzip"):
            self._wbits = 16 + zlib.MAX_WBITS
        elif encoding == "deflate":
            self._wbits = zlib.MAX_WBITS
        else:
            raise FetchError(f"{where}: the answer is encoded as {encoding!r}, "
                             f"not one of the {ACCEPT_ENCODING} asked for")
        self._zlib = zlib.decompressobj(self._wbits) if self._wbits else None
        self._fed = False

    def decode(self, data: bytes) -> Iterator[bytes]:
        if self._zlib is None:
            yield data
            return
        self._fed = True
        try:
            while data:
                piece = self._zlib.decompress(data, CHUNK_SIZE)
                if piece:
                    yield piece
                data = self._zlib.unconsumed_tail
                if self._zlib.eof and self._zlib.unused_data:  # another gzip member
                    data = self._zlib.unused_data
                    self._zlib = zlib.decompressobj(self._wbits)  # type: ignore[arg-type]  # set with _zlib
        except zlib.error as exc:
            raise FetchError(f"{self._where}: the compressed answer is not valid "
                             f"({exc})") from exc

    def finish(self) -> None:
        if self._zlib is not None and self._fed and not self._zlib.eof:
            raise _Transient("the compressed answer ends early")


def _open_new(path: str) -> IO[bytes]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    return os.fdopen(os.open(path, flags, 0o600), "wb")


class HttpClient:
    """Shared session plus the retry, rate, size, time and redirect rules;
    thread-safe.

    ``timeout`` is the wall-clock time one attempt of a request may take,
    connect, headers and body together (and so also the longest wait for
    any one read); ``download_timeout`` the same for one attempt of a
    :meth:`download`.  ``max_body_size`` caps every body :meth:`request`
    reads, after decoding.
    """

    def __init__(self, concurrency: int = 8, rate_limit: float | None = 10.0,
                 timeout: float = 30.0, retries: int = 4, backoff: float = 1.0,
                 max_retry_after: float = 300.0,
                 sleep: Callable[[float], None] = time.sleep,
                 max_body_size: int = DEFAULT_MAX_BODY_SIZE,
                 allow_insecure_http: bool = False,
                 download_timeout: float = DEFAULT_DOWNLOAD_TIMEOUT) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if max_body_size < 1:
            raise ValueError(f"max_body_size must be at least 1 byte, not {max_body_size}")
        if timeout <= 0 or download_timeout <= 0:
            raise ValueError("timeout and download_timeout must be more than 0 seconds, not "
                             f"{timeout:g} and {download_timeout:g}")
        self.concurrency = concurrency
        self.timeout = timeout
        self.download_timeout = download_timeout
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.max_body_size = max_body_size
        self.allow_insecure_http = allow_insecure_http
        self._sleep = sleep
        self.limiter = RateLimiter(rate_limit, sleep=sleep)
        self.session = _Session()
        adapter = _Adapter(pool_connections=4, pool_maxsize=max(concurrency, 4),
                           max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept-Encoding"] = ACCEPT_ENCODING

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------

    def request(self, method: str, url: str, ok_status: Sequence[int] = (200,),
                throttled: Callable[[requests.Response], float | None] | None = None,
                max_size: int | None = None, **kwargs: Any) -> requests.Response:
        """Send one request, retrying what is worth retrying; return the response.

        The response's body is already read, at most ``max_size`` bytes after
        decoding (default ``max_body_size``; more raises :class:`TooLarge`),
        so ``.content``, ``.text`` and ``.json()`` work as usual.

        Returns the response when its status is in ``ok_status``.  Retries
        429/5xx, connection errors, timeouts and transfers cut short up to
        ``retries`` times with exponential backoff, waiting at least
        ``Retry-After``.  ``throttled`` may inspect a 200 answer and return
        the seconds to wait when the index refused in the body (XML-RPC
        faults do that).  Redirects are followed for GET and HEAD within the
        same origin; others raise :class:`RedirectRefused`.  With
        ``allow_redirects=False`` none is followed: a 3xx in ``ok_status`` is
        returned to the caller.  Anything else raises :class:`FetchError`
        saying what happened.
        """
        cap = self.max_body_size if max_size is None else max_size

        def read(response: requests.Response, deadline: _Deadline) -> requests.Response:
            body = bytearray()
            if method != "HEAD":
                for piece in self._body(response, deadline, method, url, cap,
                                        "max_body_size"):
                    body += piece
            response._content = bytes(body)
            response._content_consumed = True  # type: ignore[attr-defined]
            return response

        return self._attempts(method, url, ok_status, throttled, self.timeout, read,
                              **kwargs)

    def get_body(self, url: str, ok_status: Sequence[int] = (200,), max_size: int | None = None,
                 **kwargs: Any) -> tuple[int, bytes]:
        """``(status, body bytes)`` of a GET, under the same rules as :meth:`request`."""
        response = self.request("GET", url, ok_status=ok_status, max_size=max_size,
                                **kwargs)
        return response.status_code, response.content

    def download(self, url: str, destination: str, max_size: int, missing_ok: bool = False,
                 cap_name: str = "max_file_size", **kwargs: Any) -> str | None:
        """Stream ``url`` into the new file ``destination``; return its sha256.

        Refuses (:class:`TooLarge`) as soon as the announced or received size
        goes over ``max_size``.  With ``missing_ok``, a 404 returns None.
        Each attempt has ``download_timeout`` seconds; there are at most
        ``retries + 1`` attempts in all, whatever went wrong.
        """
        def save(response: requests.Response, deadline: _Deadline) -> str | None:
            if response.status_code == 404:
                return None
            digest = hashlib.sha256()
            if os.path.lexists(destination):
                os.unlink(destination)  # what an earlier attempt left
            with _open_new(destination) as output:
                for piece in self._body(response, deadline, "GET", url, max_size, cap_name):
                    digest.update(piece)
                    output.write(piece)
            return digest.hexdigest()

        return self._attempts("GET", url, (200, 404) if missing_ok else (200,), None,
                              self.download_timeout, save, **kwargs)

    # ------------------------------------------------------------------

    def _check_url(self, method: str, url: str) -> None:
        problem = url_problem(url, self.allow_insecure_http)
        if problem:
            raise FetchError(f"{method} {url}: refused: the URL {problem} "
                             "(allow_insecure_http is not set)")

    def _send(self, method: str, url: str, deadline: _Deadline, allow_redirects: bool = True,
              **kwargs: Any) -> requests.Response:
        """The response to one attempt, same-origin redirects followed (unless
        ``allow_redirects`` is false); its body is not read yet."""
        follow = allow_redirects and method in ("GET", "HEAD")
        for _hop in range(MAX_REDIRECTS + 1):
            self._check_url(method, url)
            response = self.session.request(
                method, url, allow_redirects=False, stream=True,
                timeout=(min(self.timeout, deadline.remaining()), self.timeout), **kwargs)
            if not (follow and response.is_redirect):
                return response
            target = urljoin(url, response.headers["Location"])
            response.close()
            problem = redirect_problem(url, target)
            if problem:
                raise RedirectRefused(f"{method} {url}: refused to follow a redirect "
                                      f"{problem}: {target}", target)
            url = target
        raise FetchError(f"{method} {url}: more than {MAX_REDIRECTS} redirects")

    def _body(self, response: requests.Response, deadline: _Deadline, method: str, url: str,
              cap: int, cap_name: str) -> Iterator[bytes]:
        """The decoded body in pieces, refused over ``cap`` bytes."""
        where = f"{method} {url}"
        encoding = response.headers.get("Content-Encoding", "")
        announced = response.headers.get("Content-Length", "").strip()
        if encoding.strip().lower() in ("", "identity") and announced.isdigit() \
                and int(announced) > cap:
            raise TooLarge(f"{where}: {int(announced)} bytes, more than the {cap} "
                           f"allowed ({cap_name})")
        decoder = _Decoder(encoding, where)
        received = size = 0
        while True:
            data = response.raw.read(CHUNK_SIZE, decode_content=False)
            if deadline.expired:
                raise _Transient("deadline")
            if not data:
                break
            received += len(data)
            for piece in decoder.decode(data):
                size += len(piece)
                if size > cap:
                    raise TooLarge(f"{where}: more than the {cap} bytes allowed ({cap_name})")
                yield piece
        decoder.finish()
        if announced.isdigit() and received < int(announced):
            raise _Transient(f"the transfer ended after {received} of {announced} bytes")

    def _attempts(self, method: str, url: str, ok_status: Iterable[int],
                  throttled: Callable[[requests.Response], float | None] | None,
                  seconds: float, consume: Callable[[requests.Response, _Deadline], _R],
                  **kwargs: Any) -> _R:
        """``consume(response, deadline)`` of the first good answer, in at
        most ``retries + 1`` attempts of at most ``seconds`` each."""
        last_problem: str | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(self.backoff * (2 ** (attempt - 1)))
            self.limiter.wait()
            wait: float | None = None
            response: requests.Response | None = None
            deadline = _Deadline(seconds)
            try:
                with deadline:
                    response = self._send(method, url, deadline, **kwargs)
                    status = response.status_code
                    if status in RETRYABLE_STATUS:
                        last_problem = f"HTTP {status}"
                        wait = retry_after_seconds(response)
                    elif status in ok_status:
                        result = consume(response, deadline)
                        if deadline.expired:
                            raise _Transient("deadline")
                        wait = throttled(response) if throttled else None
                        if wait is None:
                            return result
                        last_problem = "rate limited by the index"
                    else:
                        raise FetchError(f"{method} {url}: HTTP {status}")
            except FetchError:
                raise
            except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                    requests.exceptions.InvalidSchema) as exc:
                raise FetchError(f"{method} {url}: {exc}") from exc
            except (_Transient, requests.RequestException, urllib3.exceptions.HTTPError,
                    http.client.HTTPException, ConnectionError, TimeoutError) as exc:
                if deadline.expired or isinstance(
                        exc, (requests.Timeout, urllib3.exceptions.TimeoutError,
                              TimeoutError)):
                    last_problem = f"timed out after {seconds:g} s"
                elif isinstance(exc, _Transient):
                    last_problem = f"the transfer failed ({exc})"
                elif isinstance(exc, urllib3.exceptions.ProtocolError):
                    # "Connection broken: IncompleteRead(10 bytes read, 990 more expected)"
                    last_problem = f"the transfer failed ({str(exc.args[0])[:200]})"
                elif isinstance(exc, requests.ConnectionError) and response is None:
                    last_problem = f"connection failed ({connection_error_reason(exc)})"
                else:
                    last_problem = f"the transfer failed ({type(exc).__name__})"
                continue
            finally:
                # The deadline is stopped first: a connection handed back to
                # the pool must not be cut by an old timer.
                deadline.stop()
                if response is not None:
                    response.close()
            if wait is not None:
                if wait > self.max_retry_after:
                    raise FetchError(
                        f"{method} {url}: {last_problem}, asked to wait {wait:g} s, "
                        f"more than the {self.max_retry_after:g} s allowed")
                if attempt < self.retries:
                    self.limiter.pause(wait)
        raise FetchError(
            f"{method} {url}: {last_problem} after {self.retries + 1} attempts")

    def map(self, function: Callable[[_T], _R],
            items: Iterable[_T]) -> list[tuple[_T, _R | None, Exception | None]]:
        """``function(item)`` for every item, ``concurrency`` at a time, in order.

        Returns ``(item, result, error)`` triples; an exception raised by the
        function is returned as ``error``, never swallowed.
        """
        def call(item: _T) -> tuple[_T, _R | None, Exception | None]:
            try:
                return item, function(item), None
            except Exception as exc:  # noqa: BLE001 - handed back to the caller
                return item, None, exc

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(call, items))
