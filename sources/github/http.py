"""One HTTP client per GitHub token: retries, rate limits, conditional requests, Link pagination.

Requests are made one at a time (GitHub's guidance for one token). Retries are declared once with tenacity:
5xx, timeouts and dropped connections back off exponentially with jitter, capped; secondary limits
(403/429 with Retry-After) are waited out; an exhausted primary limit stops the caller cleanly. With a
`stop` event, no request is sent once it is set (StopRequested) and a wait between attempts ends at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from sources.policy import RetryPolicy
from sources.records import SourceStats

log = logging.getLogger(__name__)

API_VERSION = "2022-11-28"
USER_AGENT = "openwave (+https://github.com/openwave)"
TOKEN_HINT = ("set GITHUB_TOKEN (or the variable [github] token_env names) to raise the limit to "
              "5,000 requests/hour")


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
    """The caller's stop event is set (the scheduler is shutting down): no further request is sent."""


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


class _Retryable(Exception):
    """Internal: an attempt failed in a way worth retrying."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status, self.retry_after = status, retry_after


@dataclass(slots=True)
class RateLimit:
    """The last X-RateLimit-* headers seen for one resource (core, graphql, ...)."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None
    used: int | None = None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _reset(value: str | None) -> datetime | None:
    seconds = _int(value)
    return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None


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


class GitHubHttp:
    """A sequential GitHub client for one token. Counts every request it sends in `stats`."""

    def __init__(self, api_url: str, token: str | None, retry: RetryPolicy, *,
                 max_requests: int | None = None, sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None, stop: threading.Event | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.authenticated = bool(token)
        self._secret = token or None
        self.retry = retry
        self.max_requests = max_requests
        self.stats = SourceStats()
        self.limits: dict[str, RateLimit] = {}
        self._stop = stop
        if stop is not None and sleep is time.sleep:
            sleep = stop.wait  # a wait between attempts (Retry-After, backoff) ends as soon as stop is set
        self._sleep = sleep
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION,
                   "User-Agent": USER_AGENT}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.Client(base_url=self.api_url + "/", headers=headers,
                                    timeout=retry.timeout_seconds, follow_redirects=True, transport=transport,
                                    event_hooks={"request": [self._count]})

    # -- plumbing ------------------------------------------------------------------------------------------

    def _count(self, request: httpx.Request) -> None:
        if self._stop is not None and self._stop.is_set():
            raise StopRequested("stopped: the scheduler is shutting down")
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
        log.info("retrying GitHub request after: %s", exc)

    # -- one request -----------------------------------------------------------------------------------------

    def _attempt(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        where = f"{method} /{(httpx.URL(self._url(url)).path or url).lstrip('/')}"
        try:
            response = self._client.request(method, self._url(url), **kwargs)
        except httpx.TimeoutException as exc:
            raise _Retryable(f"{where}: timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"{where}: connection failed ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:  # too many redirects, undecodable body...: not worth a retry
            raise UpstreamError(f"{where}: request failed ({type(exc).__name__})") from None
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
                seconds = float(_int(retry_after) or 0)
                if seconds > self.retry.max_retry_after_seconds:
                    raise RateLimitExhausted(f"secondary rate limit asks to wait {seconds:.0f} s, more than "
                                             f"max_retry_after_seconds; stopped", None, "secondary")
                raise _Retryable(f"{where}: secondary rate limit (Retry-After {seconds:.0f} s)",
                                 status=status, retry_after=seconds)
            if remaining == "0":
                reset_at = _reset(response.headers.get("x-ratelimit-reset"))
                resource = response.headers.get("x-ratelimit-resource", "core")
                hint = "" if self.authenticated else f"; {TOKEN_HINT}"
                raise RateLimitExhausted(f"GitHub {resource} rate limit exhausted; "
                                         f"{describe_reset(reset_at)}{hint}", reset_at, resource)
            if "secondary rate limit" in message.lower():
                raise _Retryable(f"{where}: secondary rate limit", status=status)
            raise UpstreamError(f"{where}: HTTP {status}: {message}", status)
        if status in (404, 410, 451):
            raise ItemGone(f"HTTP {status}: {_message(response, self._secret)}", status)
        if status >= 500:
            raise _Retryable(f"{where}: HTTP {status}: {_message(response, self._secret)}", status=status)
        if status >= 400:
            raise UpstreamError(f"{where}: HTTP {status}: {_message(response, self._secret)}", status)
        return response

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send one request with retries; returns a 2xx or 304 response or raises a GitHubError."""
        retrying = Retrying(stop=stop_after_attempt(self.retry.max_attempts), wait=self._wait,
                            retry=retry_if_exception_type(_Retryable), before_sleep=self._before_sleep,
                            sleep=self._sleep, reraise=True)
        try:
            return retrying(self._attempt, method, url, **kwargs)
        except _Retryable as exc:
            attempts = self.retry.max_attempts
            raise UpstreamError(f"{exc} (gave up after {attempts} attempts)", exc.status) from None

    def get(self, url: str, *, params: dict[str, Any] | None = None, etag: str | None = None,
            headers: dict[str, str] | None = None) -> httpx.Response:
        """GET a path (relative to api_url) or an absolute URL; `etag` makes it conditional (304 is free)."""
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
        """Yield every page of a list endpoint, following the Link rel="next" URL to the end."""
        response = self.get(url, params=params, headers=headers)
        yield response
        while (next_url := response.links.get("next", {}).get("url")) is not None:
            response = self.get(next_url, headers=headers)
            yield response

    def graphql(self, url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST a GraphQL query; returns the whole body ({data, errors}). RATE_LIMITED errors raise."""
        response = self.request("POST", url, json={"query": query, "variables": variables or {}})
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
