"""The knobs a test turns on the stand-in: GitHub rate limits, the Hub quota, faults and the request log.

All are thread-safe. None ever sees a header value: the log keeps only whether Authorization was sent.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal["status", "secondary", "drop", "delay", "truncate", "trickle", "huge", "malformed", "empty",
                    "link", "redirect", "hold"]
# status     answer `status` (502) with `body` instead of the real reply
# secondary  403 (GitHub) / 429 (Hub) with Retry-After: `retry_after`
# drop       close the connection without an answer
# delay      wait `seconds`, then answer normally
# truncate   the real reply's headers (full Content-Length), half its body, then close the connection
# trickle    the real reply, its body one byte every `seconds`
# huge       200 with a `size`-byte JSON array body (`[0,0,…]`), streamed
# malformed  200 with a body that is not JSON
# empty      the real reply with its listing emptied (`[]`, or GraphQL nodes [] and totalCount 0)
# link       the real reply with `Link: <target>; rel="next"` (an off-host next page)
# redirect   302 to `target` + the request's path and query
# hold       sets `fault.reached`, waits until the test sets `fault.release` (or the server stops), then answers
#            normally: a request held open for exactly as long as a test needs, whatever the machine's load
# Any kind with `after=N` lets the first N matching requests through untouched (e.g. hold a run's 5th request).


class RateLimits:
    """GitHub's primary limits: a bucket per (resource, authenticated), all sharing one reset epoch."""

    def __init__(
        self,
        core_anonymous: int = 60,
        core_token: int = 5000,
        graphql: int = 5000,
        window_seconds: int = 3600,
    ) -> None:
        self._lock = threading.Lock()
        self.window_seconds = window_seconds
        self._limits = {
            ("core", False): core_anonymous,
            ("core", True): core_token,
            ("graphql", False): 0,
            ("graphql", True): graphql,
        }
        self._used: dict[tuple[str, bool], int] = {}
        self.reset_epoch = int(time.time()) + window_seconds

    def configure(
        self,
        *,
        core_anonymous: int | None = None,
        core_token: int | None = None,
        graphql: int | None = None,
        reset_epoch: int | None = None,
    ) -> None:
        """Change limits (None keeps a value); `reset_epoch` is when every bucket refills."""
        with self._lock:
            for key, value in (
                (("core", False), core_anonymous),
                (("core", True), core_token),
                (("graphql", True), graphql),
            ):
                if value is not None:
                    self._limits[key] = value
            if reset_epoch is not None:
                self.reset_epoch = reset_epoch

    def _roll(self) -> None:
        now = int(time.time())
        if now >= self.reset_epoch:
            self._used.clear()
            self.reset_epoch = now + self.window_seconds

    def state(self, resource: str, authenticated: bool) -> tuple[int, int, int]:
        """(limit, used, reset epoch) of a bucket."""
        with self._lock:
            self._roll()
            key = (resource, authenticated)
            return self._limits[key], self._used.get(key, 0), self.reset_epoch

    def remaining(self, resource: str, authenticated: bool) -> int:
        limit, used, _ = self.state(resource, authenticated)
        return max(limit - used, 0)

    def consume(self, resource: str, authenticated: bool) -> bool:
        """Take one request from the bucket; False (nothing taken) when it is empty."""
        with self._lock:
            self._roll()
            key = (resource, authenticated)
            if self._used.get(key, 0) >= self._limits[key]:
                return False
            self._used[key] = self._used.get(key, 0) + 1
            return True

    def set_remaining(self, resource: str, authenticated: bool, remaining: int) -> None:
        with self._lock:
            key = (resource, authenticated)
            self._used[key] = max(self._limits[key] - remaining, 0)

    def reset(self) -> None:
        with self._lock:
            self._used.clear()

    def headers(self, resource: str, authenticated: bool) -> dict[str, str]:
        limit, used, reset = self.state(resource, authenticated)
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(limit - used, 0)),
            "X-RateLimit-Reset": str(reset),
            "X-RateLimit-Used": str(used),
            "X-RateLimit-Resource": resource,
        }


class HubQuota:
    """The Hub's fixed-window `api` bucket, announced with the IETF RateLimit headers."""

    def __init__(self, quota: int = 100_000, window_seconds: int = 300) -> None:
        self._lock = threading.Lock()
        self.quota, self.window_seconds = quota, window_seconds
        self.ends_after_refusal: int | None = None
        self._used, self._start, self._refused = 0, time.monotonic(), False

    def configure(self, *, quota: int | None = None, window_seconds: int | None = None,
                  ends_after_refusal: int | None = None) -> None:
        """Change the quota or window; the current window restarts empty.

        `ends_after_refusal=n`: the window's first refusal ends it `n` seconds later (announced as t=n), so a
        test gets exactly one 429 however slowly its requests arrive (with a long window), and a short wait.
        """
        with self._lock:
            self.quota = self.quota if quota is None else quota
            self.window_seconds = self.window_seconds if window_seconds is None else window_seconds
            self.ends_after_refusal = ends_after_refusal
            self._used, self._start, self._refused = 0, time.monotonic(), False

    def _roll(self) -> int:
        """Seconds left in the current window (a new one starts when it runs out)."""
        elapsed = time.monotonic() - self._start
        if elapsed >= self.window_seconds:
            self._used, self._start, self._refused, elapsed = 0, time.monotonic(), False, 0.0
        return max(int(self.window_seconds - elapsed + 0.999), 1)

    def consume(self) -> bool:
        with self._lock:
            self._roll()
            if self._used >= self.quota:
                if self.ends_after_refusal is not None and not self._refused:
                    self._refused = True
                    self._start = time.monotonic() + self.ends_after_refusal - self.window_seconds
                return False
            self._used += 1
            return True

    def headers(self, retry_after: int | None = None) -> dict[str, str]:
        """`RateLimit` and `RateLimit-Policy`; with `retry_after`, the 429 form (r=0, t=Retry-After)."""
        with self._lock:
            left = self._roll() if retry_after is None else retry_after
            remaining = max(self.quota - self._used, 0) if retry_after is None else 0
            headers = {
                "RateLimit": f'"api";r={remaining};t={left}',
                "RateLimit-Policy": f'"fixed window";"api";q={self.quota};w={self.window_seconds}',
            }
        return headers if retry_after is None else {**headers, "Retry-After": str(retry_after)}

    def seconds_left(self) -> int:
        with self._lock:
            return self._roll()


@dataclass
class Fault:
    """A scripted misbehaviour for requests whose path+query matches `pattern` (re.search)."""

    pattern: re.Pattern[str]
    kind: FaultKind
    method: str | None = None
    times: int = 1
    status: int | None = None  # status: default 502; secondary: default 403 (GitHub) / 429 (Hub)
    retry_after: int = 1
    seconds: float = 5.0  # delay
    body: Any = None  # JSON payload replacing the default body of a status fault
    target: str | None = None  # link / redirect: the absolute URL (an origin, for redirect) to point at
    size: int = 0  # huge: the body's size in bytes
    after: int = 0  # matching requests still to let through before this fault applies
    reached: threading.Event = field(default_factory=threading.Event)  # set when a request takes it
    release: threading.Event = field(default_factory=threading.Event)  # hold: set by the test to answer


class Faults:
    """Per-request latency plus a queue of scripted faults, each applied `times` times then consumed."""

    def __init__(self, latency: float = 0.0) -> None:
        self._lock = threading.Lock()
        self.latency = latency
        self._queue: list[Fault] = []

    def add(
        self,
        path_regex: str,
        kind: FaultKind = "status",
        *,
        method: str | None = None,
        times: int = 1,
        status: int | None = None,
        retry_after: int = 1,
        seconds: float = 5.0,
        body: Any = None,
        target: str | None = None,
        size: int = 0,
        after: int = 0,
    ) -> Fault:
        fault = Fault(re.compile(path_regex), kind, method, times, status, retry_after, seconds, body, target, size,
                      after)
        with self._lock:
            self._queue.append(fault)
        return fault

    def take(self, method: str, target: str) -> Fault | None:
        """The first pending fault matching this request (one of its `times` is used up)."""
        with self._lock:
            for fault in self._queue:
                if fault.method in (None, method) and fault.pattern.search(target):
                    if fault.after > 0:
                        fault.after -= 1
                        return None
                    fault.times -= 1
                    if fault.times <= 0:
                        self._queue.remove(fault)
                    fault.reached.set()
                    return fault
        return None

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._queue)

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    method: str
    target: str  # path + query as sent
    status: int  # 0 when the connection was dropped
    authenticated: bool
    resource: str  # core, graphql, hub
    counted: bool  # whether it consumed rate limit


@dataclass
class RequestLog:
    """Every request the stand-in answered (or dropped), without any header value."""

    entries: list[LoggedRequest] = field(default_factory=list)
    legacy_stargazer_calls: int = 0  # GET …/stargazers (the list closed in 2026)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.entries.append(entry)
            if re.search(
                r"^/repos/[^/]+/[^/]+/stargazers(\?|$)|^/repositories/\d+/stargazers(\?|$)", entry.target
            ):
                self.legacy_stargazer_calls += 1

    def count(
        self,
        path_regex: str | None = None,
        method: str | None = None,
        status: int | None = None,
        authenticated: bool | None = None,
        resource: str | None = None,
    ) -> int:
        """How many logged requests match every given filter (path_regex: re.search on path+query)."""
        pattern = re.compile(path_regex) if path_regex else None
        with self._lock:
            return sum(
                1
                for e in self.entries
                if (pattern is None or pattern.search(e.target))
                and method in (None, e.method)
                and status in (None, e.status)
                and authenticated in (None, e.authenticated)
                and resource in (None, e.resource)
            )

    @property
    def tokens_seen(self) -> bool:
        with self._lock:
            return any(e.authenticated for e in self.entries)

    def reset(self) -> None:
        with self._lock:
            self.entries.clear()
            self.legacy_stargazer_calls = 0
