"""One HTTP session for an audit: bounded concurrency, a request-rate ceiling,
and bounded retries that honour ``Retry-After``.

PyPI answers 429 when asked too fast; every worker then waits, not only the
one that was told, so the audit slows down instead of hammering the index.
"""

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "pypi-guard (+https://opendev.org/openstack/pypi-guard)"


class FetchError(Exception):
    """A request that could not be completed after every allowed attempt."""


class RateLimiter:
    """Spaces requests at most ``rate`` per second across threads (0: no ceiling)."""

    def __init__(self, rate, clock=time.monotonic, sleep=time.sleep):
        self.interval = 1.0 / rate if rate and rate > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self):
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)

    def pause(self, seconds):
        """Hold every request back for ``seconds`` (the index asked us to wait)."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)


def connection_error_reason(exc):
    """The useful end of a connection error: "[Errno 111] Connection refused"."""
    match = re.search(r"\[Errno -?\d+\][^'\")]*", str(exc))
    return match.group(0).strip() if match else type(exc).__name__


def retry_after_seconds(response):
    """The ``Retry-After`` header in seconds, or None (dates are not used by PyPI)."""
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return None


class HttpClient:
    """Shared session plus the retry and rate rules; thread-safe for GET/POST."""

    def __init__(self, concurrency=8, rate_limit=10.0, timeout=30.0, retries=4,
                 backoff=1.0, max_retry_after=300.0, sleep=time.sleep):
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self.limiter = RateLimiter(rate_limit, sleep=sleep)
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=4, pool_maxsize=max(concurrency, 4), max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT

    def close(self):
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def request(self, method, url, ok_status=(200,), throttled=None, **kwargs):
        """Send one request, retrying what is worth retrying.

        Returns the response when its status is in ``ok_status``.  Retries
        429/5xx, connection errors and timeouts up to ``retries`` times with
        exponential backoff, waiting at least ``Retry-After``.  ``throttled``
        may inspect a 200 answer and return the seconds to wait when the
        index refused in the body (XML-RPC faults do that).  Anything else
        raises :class:`FetchError` saying what happened.
        """
        kwargs.setdefault("timeout", self.timeout)
        last_problem = None
        for attempt in range(self.retries + 1):
            if attempt:
                delay = self.backoff * (2 ** (attempt - 1))
                self._sleep(delay)
            self.limiter.wait()
            try:
                response = self.session.request(method, url, **kwargs)
            except requests.Timeout:
                last_problem = f"timed out after {kwargs['timeout']:g} s"
                continue
            except requests.ConnectionError as exc:
                last_problem = f"connection failed ({connection_error_reason(exc)})"
                continue
            except requests.RequestException as exc:
                raise FetchError(f"{method} {url}: {exc}") from exc
            wait = None
            if response.status_code in RETRYABLE_STATUS:
                last_problem = f"HTTP {response.status_code}"
                wait = retry_after_seconds(response)
            elif response.status_code in ok_status:
                wait = throttled(response) if throttled else None
                if wait is None:
                    return response
                last_problem = "rate limited by the index"
            else:
                response.close()
                raise FetchError(f"{method} {url}: HTTP {response.status_code}")
            # Hand the connection back before retrying (streamed answers hold it).
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

    def map(self, function, items):
        """``function(item)`` for every item, ``concurrency`` at a time, in order.

        Returns ``(item, result, error)`` triples; an exception raised by the
        function is returned as ``error``, never swallowed.
        """
        def call(item):
            try:
                return item, function(item), None
            except Exception as exc:  # noqa: BLE001 - handed back to the caller
                return item, None, exc

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(call, items))
