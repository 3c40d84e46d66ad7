"""One HTTP client per GitHub token: retries, rate limits, conditional requests, Link pagination, and the
guards of a bad night.

Requests are made one at a time (GitHub's guidance for one token). Retries are declared once with tenacity:
5xx, timeouts, dropped connections and 2xx bodies that are not JSON back off exponentially with jitter,
capped; secondary limits (403/429 with Retry-After) are waited out; an exhausted primary limit stops the
caller cleanly. Every wait is one `guard.log_wait` line. With a `stop` event, no request is sent once it is
set (StopRequested) and a wait between attempts ends at once.

The token goes to the configured origin only: redirects are followed here (at most MAX_REDIRECTS, same origin
only) and a Link rel="next" or a redirect that leaves the origin is refused (OffOrigin, nothing sent there).
Each attempt has a total deadline (`deadline_seconds`, however slowly bytes trickle in) and a body cap
(`max_body_bytes`, not retried). Consecutive connection-level failures to a host open a `HostBreaker`
(`unreachable_after`): the request raises `guard.HostUnreachable` and the caller stops its source.
"""

from __future__ import annotations

import json as jsonlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpcore
import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from sources import guard
from sources.policy import RetryPolicy
from sources.records import SourceStats

API_VERSION = "2022-11-28"
USER_AGENT = "openwave (+https://github.com/openwave)"
TOKEN_HINT = ("set GITHUB_TOKEN (or the variable [github] token_env names) to raise the limit to "
              "5,000 requests/hour")
MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)


class GitHubError(Exception):
    """Base class: the message is one line and never contains a token."""


class RateLimitExhausted(GitHubError):
    """The primary rate limit (or a secondary one asking for too long a wait) ran out."""

    def __init__(self, message: str, reset_at: datetime | None = None, resource: str | None = None) -> None:
        super().__init__(message)
        self.reset_at, self.resource = reset_at, resource


class BudgetExhausted(GitHubError):
    """The caller's own request budget (--max-requests) is spent."""


class StopRequested(GitHubError):
    """The caller's stop event is set (a signal, or the scheduler shutting down): no further request is sent."""


class ItemGone(GitHubError):
    """404 / 410 / 451: the repo or org does not exist, was deleted, or is blocked."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class UpstreamError(GitHubError):
    """Any other failure that survived the retries (5xx, transport errors, unexpected 4xx, bad JSON)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class OffOrigin(UpstreamError):
    """A redirect or a next-page link that leaves the configured origin: refused, nothing is sent there."""


class _Retryable(Exception):
    """Internal: an attempt failed in a way worth retrying (`where` names the request, `cause` what failed)."""

    def __init__(self, where: str, cause: str, *, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{where}: {cause}")
        self.where, self.cause, self.status, self.retry_after = where, cause, status, retry_after


@dataclass(slots=True)
class RateLimit:
    """The last X-RateLimit-* headers seen for one resource (core, graphql, ...)."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None
    used: int | None = None


def _int(value: str | None) -> int | None:
    """A header count in 0..2^63-1, or None (absent, not a number, out of range: never stored as is)."""
    try:
        number = int(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and 0 <= number <= guard.MAX_COUNT else None


def _reset(value: str | None) -> datetime | None:
    seconds = _int(value)
    try:
        return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None
    except (ValueError, OverflowError, OSError):
        return None


def _message(response: httpx.Response, secret: str | None = None) -> str:
    """GitHub's error message, shortened to one line; upstream text, so never trusted for anything else.

    An upstream that echoes the request back must not leak the token: `secret` is masked.
    """
    try:
        body = response.json()
        text = (body.get("message") or body.get("error")) if isinstance(body, dict) else None
    except ValueError:
        text = None
    text = str(text or response.text or response.reason_phrase)
    if secret:
        text = text.replace(secret, "***")
    return " ".join(text.split())[:200]


def describe_reset(reset_at: datetime | None) -> str:
    if reset_at is None:
        return "the reset time is unknown"
    minutes = max(0, round((reset_at - datetime.now(UTC)).total_seconds() / 60))
    return f"it resets at {reset_at:%Y-%m-%d %H:%M} UTC (in {minutes} min)"


def netloc(url: str | httpx.URL) -> str:
    """host[:port] of a URL, as a message names it."""
    return httpx.URL(str(url)).netloc.decode("ascii", "replace") or str(url)


class GitHubHttp:
    """A sequential GitHub client for one token. Counts every request it sends in `stats`."""

    def __init__(self, api_url: str, token: str | None, retry: RetryPolicy, *,
                 max_requests: int | None = None, sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None, stop: threading.Event | None = None,
                 breaker: guard.HostBreaker | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.authenticated = bool(token)
        self._secret = token or None
        self.retry = retry
        self.max_requests = max_requests
        self.stats = SourceStats()
        self.limits: dict[str, RateLimit] = {}
        self.breaker = breaker or guard.HostBreaker(retry.unreachable_after)
        self._stop = stop
        if stop is not None and sleep is time.sleep:
            sleep = stop.wait  # a wait between attempts (Retry-After, backoff) ends as soon as stop is set
        self._sleep = sleep
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION,
                   "User-Agent": USER_AGENT}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.Client(base_url=self.api_url + "/", headers=headers,
                                    timeout=retry.timeout_seconds, follow_redirects=False, transport=transport,
                                    event_hooks={"request": [self._count]})
        # the client's own transports (and any proxy one from HTTPS_PROXY): every socket op obeys the deadline
        for pool in (self._client._transport, *self._client._mounts.values()):
            if pool is not None:
                guard.install_deadline(pool, httpcore)

    # -- plumbing ------------------------------------------------------------------------------------------

    def _count(self, request: httpx.Request) -> None:
        if self._stop is not None and self._stop.is_set():
            raise StopRequested(guard.STOPPED)
        if self.max_requests is not None and self.stats.requests >= self.max_requests:
            raise BudgetExhausted(f"request budget of {self.max_requests} spent")
        self.stats.requests += 1

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> GitHubHttp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _url(self, url: str) -> str:
        return url if url.startswith(("http://", "https://")) else url.lstrip("/")

    def _note_limits(self, response: httpx.Response) -> None:
        headers = response.headers
        if "x-ratelimit-limit" not in headers:
            return
        resource = headers.get("x-ratelimit-resource", "core")
        self.limits[resource] = RateLimit(limit=_int(headers.get("x-ratelimit-limit")),
                                          remaining=_int(headers.get("x-ratelimit-remaining")),
                                          reset_at=_reset(headers.get("x-ratelimit-reset")),
                                          used=_int(headers.get("x-ratelimit-used")))

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return exc.retry_after
        backoff = wait_random_exponential(multiplier=self.retry.backoff_initial_seconds,
                                          max=self.retry.backoff_max_seconds)
        return backoff(state)

    def _before_sleep(self, state: RetryCallState) -> None:
        self.stats.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        where, cause = (exc.where, exc.cause) if isinstance(exc, _Retryable) else ("request", str(exc))
        guard.log_wait("github", where, self._masked(cause), wait, state.attempt_number + 1,
                       self.retry.max_attempts)

    def _masked(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    def check_next(self, url: str) -> str:
        """The absolute URL of a Link rel="next"; OffOrigin when it leaves the configured origin."""
        absolute = str(httpx.URL(self.api_url + "/").join(url))
        if not guard.same_origin(absolute, self.api_url):
            raise OffOrigin(f"next page link points outside {netloc(self.api_url)}: not followed "
                            f"(it points to {netloc(absolute)})")
        return absolute

    # -- one attempt ---------------------------------------------------------------------------------------

    def _attempt(self, request: httpx.Request, where: str) -> httpx.Response:
        """Send one request under the deadline and read its body under the cap; classify the answer."""
        host = request.url.host
        self.breaker.check(host)
        with guard.request_deadline(self.retry.deadline_seconds):
            try:
                response = self._client.send(request, stream=True)
                try:
                    self.breaker.answered(host)
                    response._content = guard.read_capped(response.iter_bytes(), self.retry.max_body_bytes,
                                                          response.headers.get("content-length"))
                finally:
                    response.close()
            except guard.BodyTooLarge as exc:
                raise UpstreamError(f"{where}: {exc}") from None
            except httpx.TransportError as exc:
                raise self._transport_error(exc, host, where) from None
            except httpx.DecodingError as exc:  # a garbled compressed body: transient, like a 5xx
                raise _Retryable(where, f"undecodable body ({type(exc).__name__})") from None
            except httpx.HTTPError as exc:
                raise UpstreamError(f"{where}: request failed ({type(exc).__name__})") from None
        return self._classify(response, where)

    def _transport_error(self, exc: httpx.TransportError, host: str, where: str) -> Exception:
        """What a transport failure becomes: a retry, HostUnreachable (the breaker opened) or an error."""
        left = guard.deadline_left()
        if isinstance(exc, httpx.TimeoutException) and left is not None and left <= 0.01:  # a read bounded by it
            seconds = f"{self.retry.deadline_seconds:g}"
            return _Retryable(where, f"timed out: no complete answer within deadline_seconds ({seconds} s)")
        cause = guard.connection_cause(exc)
        if cause is not None:
            if self.breaker.failed(host, cause):
                return guard.HostUnreachable(host, cause)
            return _Retryable(where, f"{host}: {cause}")
        if isinstance(exc, httpx.TimeoutException):
            return _Retryable(where, f"timed out ({type(exc).__name__})")
        if isinstance(exc, httpx.UnsupportedProtocol):
            return UpstreamError(f"{where}: request failed ({type(exc).__name__})")
        return _Retryable(where, f"connection failed ({type(exc).__name__})")

    def _classify(self, response: httpx.Response, where: str) -> httpx.Response:
        self._note_limits(response)
        status = response.status_code
        if status == 304:
            self.stats.not_modified += 1
            return response
        if status in (403, 429):
            retry_after = response.headers.get("retry-after")
            remaining = response.headers.get("x-ratelimit-remaining")
            message = _message(response, self._secret)
            if retry_after is not None:
                seconds = float(_int(retry_after.strip()) or 0)
                if seconds > self.retry.max_retry_after_seconds:
                    raise RateLimitExhausted(f"secondary rate limit asks to wait {seconds:.0f} s, more than "
                                             f"max_retry_after_seconds; stopped", None, "secondary")
                raise _Retryable(where, f"secondary rate limit (Retry-After {seconds:.0f} s)",
                                 status=status, retry_after=seconds)
            if remaining == "0":
                reset_at = _reset(response.headers.get("x-ratelimit-reset"))
                resource = response.headers.get("x-ratelimit-resource", "core")
                hint = "" if self.authenticated else f"; {TOKEN_HINT}"
                raise RateLimitExhausted(f"GitHub {resource} rate limit exhausted; "
                                         f"{describe_reset(reset_at)}{hint}", reset_at, resource)
            if "secondary rate limit" in message.lower():
                raise _Retryable(where, "secondary rate limit", status=status)
            raise UpstreamError(f"{where}: HTTP {status}: {message}", status)
        if status in (404, 410, 451):
            raise ItemGone(f"HTTP {status}: {_message(response, self._secret)}", status)
        if status >= 500:
            raise _Retryable(where, f"HTTP {status}: {_message(response, self._secret)}", status=status)
        if status >= 400:
            raise UpstreamError(f"{where}: HTTP {status}: {_message(response, self._secret)}", status)
        if 200 <= status < 300 and status != 204:
            try:
                jsonlib.loads(response.content)
            except ValueError:  # a truncated or garbled body is transient, like a 5xx
                raise _Retryable(where, f"HTTP {status} with a body that is not JSON", status=status) from None
        return response

    # -- one request -----------------------------------------------------------------------------------------

    def _send(self, request: httpx.Request, where: str) -> httpx.Response:
        retrying = Retrying(stop=stop_after_attempt(self.retry.max_attempts), wait=self._wait,
                            retry=retry_if_exception_type(_Retryable), before_sleep=self._before_sleep,
                            sleep=self._sleep, reraise=True)
        try:
            return retrying(self._attempt, request, where)
        except _Retryable as exc:
            attempts = self.retry.max_attempts
            raise UpstreamError(self._masked(f"{exc} (gave up after {attempts} attempts)"), exc.status) from None

    def request(self, method: str, url: str, *, origin: str | None = None, **kwargs: Any) -> httpx.Response:
        """Send one request with retries, following same-origin redirects; returns a 2xx or 304 response or
        raises a GitHubError (OffOrigin for a URL or redirect outside `origin`, by default api_url)."""
        base = origin or self.api_url
        request = self._client.build_request(method, self._url(url), **kwargs)
        where = f"{method} {request.url.path or '/'}"
        for _ in range(MAX_REDIRECTS + 1):
            if not guard.same_origin(str(request.url), base):
                raise OffOrigin(f"{where}: {netloc(request.url)} is outside {netloc(base)}: not sent")
            response = self._send(request, where)
            if response.status_code not in REDIRECTS:
                return response
            location = response.headers.get("location")
            if not location:
                raise UpstreamError(f"{where}: HTTP {response.status_code} without a Location", response.status_code)
            target = request.url.join(location)
            if not guard.same_origin(str(target), base):
                raise OffOrigin(f"{where}: redirected to {netloc(target)}, outside {netloc(base)}: not followed")
            request = self._redirected(request, response.status_code, target)
        raise UpstreamError(f"{where}: more than {MAX_REDIRECTS} redirects")

    def _redirected(self, request: httpx.Request, status: int, target: httpx.URL) -> httpx.Request:
        """The next hop: same headers (the token stays: same origin); 303, and 301/302 after a POST, become GET."""
        method, content = request.method, request.content
        if status == 303 or (status in (301, 302) and method == "POST"):
            method, content = "GET", b""
        dropped = {"host"} if content else {"host", "content-length", "content-type"}
        headers = {k: v for k, v in request.headers.items() if k.lower() not in dropped}
        return self._client.build_request(method, target, headers=headers, content=content or None)

    def get(self, url: str, *, params: dict[str, Any] | None = None, etag: str | None = None,
            headers: dict[str, str] | None = None) -> httpx.Response:
        """GET a path (relative to api_url) or an absolute URL on its origin; `etag` makes it conditional (a
        304 costs no rate limit only when the request is authorised)."""
        merged = dict(headers or {})
        if etag:
            merged["If-None-Match"] = etag
        return self.request("GET", url, params=params, headers=merged)

    def json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise UpstreamError(f"GET {response.request.url.path}: the body is not JSON") from None

    def pages(self, url: str, params: dict[str, Any] | None = None,
              headers: dict[str, str] | None = None) -> Iterator[httpx.Response]:
        """Yield every page of a list endpoint, following the Link rel="next" URL (same origin only) to the end."""
        response = self.get(url, params=params, headers=headers)
        yield response
        while (next_url := response.links.get("next", {}).get("url")) is not None:
            response = self.get(self.check_next(next_url), headers=headers)
            yield response

    def graphql(self, url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST a GraphQL query to the configured `url`; returns the whole body ({data, errors}).
        RATE_LIMITED errors raise."""
        response = self.request("POST", url, origin=url, json={"query": query, "variables": variables or {}})
        body = self.json(response)
        if not isinstance(body, dict):
            raise UpstreamError("POST graphql: the body is not a JSON object")
        for error in body.get("errors") or []:
            if isinstance(error, dict) and error.get("type") == "RATE_LIMITED":
                limit = self.limits.get("graphql")
                reset_at = limit.reset_at if limit else None
                raise RateLimitExhausted(f"GitHub graphql rate limit exhausted; {describe_reset(reset_at)}",
                                         reset_at, "graphql")
        return body
