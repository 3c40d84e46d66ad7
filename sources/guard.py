"""What every source does the same way on a bad night: deadlines, body caps, counts, unreachable hosts, waits.

- `request_deadline(seconds)` bounds a whole request (connect, TLS, headers, body) however slowly the upstream
  trickles bytes: `install_deadline(transport)` wraps the transport's network backend so every socket read or
  write waits at most what is left of the current request's deadline.
- `read_capped` ends a response body that grows past `max_body_bytes` (`BodyTooLarge`).
- `check_count` refuses a count outside 0..2^63-1 (DuckDB's BIGINT): an error of that item, never of the source.
- `connection_cause` names a connection-level failure ("name resolution failed", "connection refused", ...);
  `HostBreaker` opens after `unreachable_after` consecutive ones to the same host, so an unreachable upstream
  stops its source in seconds (`HostUnreachable`), not after every item's retries.
- `log_wait` is the one log line of every retry or wait, in the same format for every source.
- `same_origin` is the test a URL passes before a token may be sent to it.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import math
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger("openwave.net")

MAX_COUNT = 2**63 - 1  # the largest BIGINT: every count is stored as one
STOPPED = "stopped: asked to stop (signal or scheduler shutdown)"  # why items were skipped after a stop


class BodyTooLarge(Exception):
    """A response body grew past the configured cap."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"response body larger than {limit:,} bytes (max_body_bytes)")
        self.limit = limit


class HostUnreachable(Exception):
    """Consecutive connection-level failures to one host: the source stops instead of trying every item."""

    def __init__(self, host: str, cause: str) -> None:
        super().__init__(f"{host}: {cause}")
        self.host, self.cause = host, cause


class BadCount(ValueError):
    """A count that is not an integer in 0..2^63-1."""


# -- counts -------------------------------------------------------------------------------------------------


def check_count(value: Any, name: str, *, optional: bool = False) -> int | None:
    """`value` as a count in 0..2^63-1; BadCount naming the field otherwise (None passes when optional)."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadCount(f"{name} is not an integer: {str(value)[:40]!r}")
    if not 0 <= value <= MAX_COUNT:
        raise BadCount(f"{name} {str(value)[:40]} is outside 0..2^63-1")
    return value


# -- deadlines ------------------------------------------------------------------------------------------------

_current = threading.local()


def deadline_left() -> float | None:
    """Seconds left of this thread's current request deadline (None when none is set)."""
    deadline = getattr(_current, "deadline", None)
    return None if deadline is None else deadline - time.monotonic()


def set_deadline(seconds: float | None) -> None:
    """Start (or with None, clear) this thread's request deadline."""
    _current.deadline = None if seconds is None or math.isinf(seconds) else time.monotonic() + seconds


@contextlib.contextmanager
def request_deadline(seconds: float | None) -> Iterator[None]:
    """Every socket operation inside waits at most what is left of `seconds` (transport wrapped first)."""
    previous = getattr(_current, "deadline", None)
    set_deadline(seconds)
    try:
        yield
    finally:
        _current.deadline = previous


def _bounded(timeout: float | None, exc: type[Exception]) -> float | None:
    left = deadline_left()
    if left is None:
        return timeout
    if left <= 0:
        raise exc("the request's total deadline passed (deadline_seconds)")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream:
    """A network stream whose every read and write is bounded by the current deadline."""

    def __init__(self, inner: Any, errors: dict[str, type[Exception]]) -> None:
        self._inner, self._errors = inner, errors

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, self._errors["read"]))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, self._errors["write"]))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> _DeadlineStream:
        stream = self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout, self._errors["connect"]))
        return _DeadlineStream(stream, self._errors)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend:
    """Wraps an httpcore(2) network backend: connects and every stream it opens obey the deadline."""

    def __init__(self, inner: Any, errors: dict[str, type[Exception]]) -> None:
        self._inner, self._errors = inner, errors

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> _DeadlineStream:
        stream = self._inner.connect_tcp(host, port, _bounded(timeout, self._errors["connect"]),
                                         local_address, socket_options)
        return _DeadlineStream(stream, self._errors)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> _DeadlineStream:
        stream = self._inner.connect_unix_socket(path, _bounded(timeout, self._errors["connect"]), socket_options)
        return _DeadlineStream(stream, self._errors)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install_deadline(transport: Any, core: Any) -> Any:
    """Wrap the network backend of an httpx(2) HTTPTransport's pool (`core`: the httpcore(2) module whose
    timeout exceptions to raise). Returns the transport. A transport without a pool is left as it is."""
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if backend is None or isinstance(backend, _DeadlineBackend):
        return transport
    errors = {"read": core.ReadTimeout, "write": core.WriteTimeout, "connect": core.ConnectTimeout}
    pool._network_backend = _DeadlineBackend(backend, errors)
    return transport


# -- body size ------------------------------------------------------------------------------------------------


def read_capped(chunks: Iterator[bytes] | Any, limit: int, content_length: str | None = None) -> bytes:
    """The whole body, refusing early when Content-Length already says it is too large."""
    if content_length is not None and content_length.strip().isdigit() and int(content_length) > limit:
        raise BodyTooLarge(limit)
    out = bytearray()
    for chunk in chunks:
        out += chunk
        if len(out) > limit:
            raise BodyTooLarge(limit)
    return bytes(out)


# -- unreachable hosts ----------------------------------------------------------------------------------------


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def connection_cause(exc: BaseException) -> str | None:
    """'name resolution failed', 'connection refused', 'TLS failed: …', 'network unreachable', 'connect timed
    out', 'connection failed: …' for a failure to connect; None for anything else (a reset mid-body, a 5xx)."""
    chain = list(_chain(exc))
    names = {type(e).__name__ for e in chain}
    if not names & {"ConnectError", "ConnectTimeout", "ProxyError"} and not any(
            isinstance(e, socket.gaierror | ConnectionRefusedError) for e in chain):
        return None
    for e in chain:
        if isinstance(e, socket.gaierror):
            return "name resolution failed"
        if isinstance(e, ConnectionRefusedError):
            return "connection refused"
        if isinstance(e, ssl.SSLError):
            return f"TLS failed: {getattr(e, 'reason', None) or type(e).__name__}"
        if isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "network unreachable" if e.errno == errno.ENETUNREACH else "host unreachable"
    text = " ".join(str(chain[0]).split()).lower()
    for needle, cause in (("name or service not known", "name resolution failed"),
                          ("temporary failure in name resolution", "name resolution failed"),
                          ("nodename nor servname", "name resolution failed"),
                          ("connection refused", "connection refused"),
                          ("network is unreachable", "network unreachable"),
                          ("certificate", "TLS failed: certificate"), ("ssl", "TLS failed")):
        if needle in text:
            return cause
    if "ConnectTimeout" in names:
        return "connect timed out"
    if "ProxyError" in names:
        return "proxy failed"
    return f"connection failed: {type(chain[-1]).__name__}"


class HostBreaker:
    """Counts consecutive connection-level failures per host; opens at `threshold` (then every request to that
    host fails at once with HostUnreachable). Any answer from the host (even a 5xx) closes it again."""

    def __init__(self, threshold: int = 3) -> None:
        self.threshold = max(1, threshold)
        self._failures: dict[str, tuple[int, str]] = {}
        self._lock = threading.Lock()

    def check(self, host: str) -> None:
        """Raise HostUnreachable when the breaker for `host` is open."""
        with self._lock:
            count, cause = self._failures.get(host, (0, ""))
        if count >= self.threshold:
            raise HostUnreachable(host, cause)

    def failed(self, host: str, cause: str) -> bool:
        """Record a connection failure; True when this one opened the breaker."""
        with self._lock:
            count = self._failures.get(host, (0, ""))[0] + 1
            self._failures[host] = (count, cause)
        return count >= self.threshold

    def answered(self, host: str) -> None:
        with self._lock:
            self._failures.pop(host, None)

    def is_open(self, host: str) -> bool:
        with self._lock:
            return self._failures.get(host, (0, ""))[0] >= self.threshold


# -- waits ----------------------------------------------------------------------------------------------------


def log_wait(source: str, item: str, cause: str, wait: float, attempt: int | None = None,
             attempts: int | None = None, logger: logging.Logger | None = None) -> None:
    """The one line logged for every retry or wait: `github: deepseek-ai/DeepSeek-V3: HTTP 502; retrying in
    2.0 s (attempt 2 of 5)`. Upstream text in `cause` is collapsed to one line and cut."""
    text = " ".join(str(cause).split())
    text = text if len(text) <= 200 else text[:199] + "…"
    tail = f" (attempt {attempt} of {attempts})" if attempt is not None and attempts is not None else ""
    (logger or log).warning("%s: %s: %s; retrying in %.1f s%s", source, item, text, wait, tail)


# -- origins --------------------------------------------------------------------------------------------------


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def same_origin(url: str, base: str) -> bool:
    """True when `url` (absolute) is on the configured origin `base`; a token may be sent only then."""
    return origin(url) == origin(base)
