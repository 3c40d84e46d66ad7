"""Hugging Face source: list each configured author's models with `huggingface_hub`, map them to records.

`HfApi.list_models` (huggingface_hub 2.4.0) follows `Link: rel="next"` through one process-wide httpx2 client
whose `http_backoff` retries 408/429/5xx and network errors with its own sleeps and log lines. A fetch installs
our client factory (`set_client_factory`), then restores the previous one: the only global touched. Its
transport does every attempt of a request itself, so the client's backoff never sees a failure to retry:
- at most `max_attempts` attempts per request in all, waits by the RetryPolicy backoff or the upstream's
  Retry-After (429, or 403 with Retry-After), one `guard.log_wait` line per wait, the injected sleep;
- a total deadline per attempt (`deadline_seconds`) and a body cap (`max_body_bytes`, not retried);
- a 200 whose body is not JSON is retried; a model listing that is not a JSON array of objects is refused;
- consecutive connection failures open a `HostBreaker`: the source stops (`HostUnreachable`);
- nothing is sent outside the endpoint's origin, through redirects and next-page links alike (the client
  probes `{HF_ENDPOINT}/api/agent-harnesses` once per process for its user-agent; elsewhere that fails locally).
The token goes to `HfApi` only. With a `stop` event, nothing is sent once it is set (StopRequested), waits end
at once, and the authors not done are skipped.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpcore2
import httpx2
from httpx2._utils import URLPattern, get_environment_proxies
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.hf_api import ModelInfo
from huggingface_hub.utils import _http as hf_http
from huggingface_hub.utils import parse_ratelimit_headers, set_client_factory

from sources import guard
from sources.licenses import card_licenses, normalize_license
from sources.records import ErrorKind, ItemError, ModelRecord, SourceStats

if TYPE_CHECKING:
    from sources.policy import RetryPolicy

log = logging.getLogger(__name__)

SOURCE = "huggingface"
EXPAND = ("downloads", "downloadsAllTime", "likes", "tags", "cardData", "createdAt", "lastModified",
          "pipeline_tag", "library_name", "gated", "childrenModelCount", "baseModels")
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})  # what huggingface_hub's http_backoff retries
_DROPPED_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding"})
_HUB_CHATTER = re.compile(r"^(Retrying in |Rate limited\. Waiting |HTTP Error \d+ thrown while requesting |"
                          r"'.*' thrown while requesting )", re.DOTALL)


class HubSourceError(Exception):
    """Raised by our transport; not an httpx2 error, so huggingface_hub's backoff lets it through."""


class RetriesExhausted(HubSourceError):
    """One request failed `attempts` times in a row (`status`: HTTP answer; `kind`: the author error's kind)."""

    def __init__(self, failure: str, attempts: int, status: int | None = None, kind: ErrorKind = "error") -> None:
        super().__init__(f"{failure} after {attempts} attempt{'s' if attempts > 1 else ''}")
        self.status, self.kind = status, kind


class RateLimitStop(HubSourceError):
    """The upstream asked us to wait longer than max_retry_after_seconds: the source stops."""


class StopRequested(HubSourceError):
    """The caller's stop event is set (a signal, or the scheduler shutting down): no further request is sent."""


class OffOrigin(HubSourceError):
    """A redirect or next-page link pointing outside the configured endpoint: refused, never followed."""


class BadListing(HubSourceError):
    """A 200 listing that is JSON but not an array of model objects (not retried)."""


class _Retry(Exception):
    """One failed attempt worth another: `cause` for the log line, `wait` when the upstream named one."""

    def __init__(self, cause: str, *, wait: float | None = None, status: int | None = None,
                 kind: ErrorKind = "error") -> None:
        super().__init__(cause)
        self.cause, self.wait, self.status, self.kind = cause, wait, status, kind




def _advised_wait(response: httpx2.Response) -> int | None:
    """Seconds the upstream asks for before a retry (429 RateLimit with r=0: its t, else Retry-After)."""
    info = parse_ratelimit_headers(response.headers) if response.status_code == 429 else None
    if info is not None and info.remaining == 0:
        return info.reset_in_seconds
    value = response.headers.get("retry-after", "").strip()
    return int(value) if value.isdigit() else None


def _one_line(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _check_listing(body: bytes) -> None:
    """A model listing page must be a JSON array of objects, each with a string `id`."""
    payload = json.loads(body)
    if not isinstance(payload, list):
        raise BadListing(f"the model listing is not a JSON array but {type(payload).__name__}")
    for index, item in enumerate(payload):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            raise BadListing(f"items are not model objects (item {index}: {_one_line(repr(item), 60)})")


class _MeteredTransport(httpx2.BaseTransport):
    """Does every attempt of a request under the RetryPolicy and answers the client with a read, checked body.
    Shared by every client our factory builds; the inner transport is made on demand."""

    def __init__(self, endpoint: str, retry: RetryPolicy, stats: SourceStats, clock: Callable[[], datetime],
                 factory: Callable[[], httpx2.BaseTransport], sleep: Callable[[float], Any],
                 stop: threading.Event | None = None) -> None:
        self.retry, self.stats, self.clock, self.factory, self.sleep, self.stop = (
            retry, stats, clock, factory, sleep, stop)
        self.endpoint = endpoint
        self.origin = (httpx2.URL(endpoint).scheme, httpx2.URL(endpoint).netloc)
        self.timeout = httpx2.Timeout(retry.timeout_seconds).as_dict()
        self.breaker = guard.HostBreaker(retry.unreachable_after)
        self.inner: httpx2.BaseTransport | None = None
        self.item = "-"  # the author being listed, for log lines
        self.redirected_to: str | None = None  # the Location of the last redirect we answered

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        url = str(request.url)
        if (request.url.scheme, request.url.netloc) != self.origin:
            where = urlsplit(self.endpoint).netloc
            if url == self.redirected_to:
                target = urlsplit(url).netloc
                raise OffOrigin(f"redirect to {target} points outside {where}: not followed")
            raise OffOrigin(f"next page link points outside {where}: not followed")
        attempts, host = max(1, self.retry.max_attempts), request.url.host
        for attempt in range(1, attempts + 1):
            if self.stop is not None and self.stop.is_set():
                raise StopRequested(guard.STOPPED)
            self.breaker.check(host)
            self.stats.requests += 1
            try:
                return self._attempt(request, host)
            except _Retry as failure:
                if attempt >= attempts:
                    raise RetriesExhausted(failure.cause, attempt, failure.status, failure.kind) from None
                wait = failure.wait if failure.wait is not None else self._backoff(attempt)
                guard.log_wait(SOURCE, self.item, failure.cause, wait, attempt + 1, attempts)
                self.stats.retries += 1
                self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        p = self.retry
        return min(p.backoff_initial_seconds * 2 ** (attempt - 1), p.backoff_max_seconds)

    def _attempt(self, request: httpx2.Request, host: str) -> httpx2.Response:
        request.extensions = {**request.extensions, "timeout": self.timeout}
        if self.inner is None:
            self.inner = guard.install_deadline(self.factory(), httpcore2)
        try:
            with guard.request_deadline(self.retry.deadline_seconds):
                try:
                    response = self.inner.handle_request(request)
                    self.breaker.answered(host)
                    try:
                        return self._answer(request, response)
                    finally:
                        response.close()
                except httpx2.TimeoutException as exc:
                    if (left := guard.deadline_left()) is not None and left <= 0.001:
                        raise _Retry(f"no complete answer within deadline_seconds="
                                     f"{self.retry.deadline_seconds:g}") from exc
                    raise
        except httpx2.TransportError as exc:
            cause = guard.connection_cause(exc)
            if cause is not None:
                if self.breaker.failed(host, cause):
                    raise guard.HostUnreachable(host, cause) from exc
                raise _Retry(f"{host}: {cause}") from exc
            raise _Retry(_one_line(f"{type(exc).__name__}: {exc}")) from exc

    def _answer(self, request: httpx2.Request, response: httpx2.Response) -> httpx2.Response:
        """The response with its body read (capped, decoded), or _Retry / a HubSourceError."""
        status = response.status_code
        if (info := parse_ratelimit_headers(response.headers)) is not None:
            self.stats.rate_limit_remaining = info.remaining
            self.stats.rate_limit_reset = self.clock() + timedelta(seconds=info.reset_in_seconds)
            self.stats.rate_limit_limit = info.limit or self.stats.rate_limit_limit
        wait = _advised_wait(response)
        if status in RETRY_STATUSES or (status == 403 and wait is not None):
            if wait is not None and wait > self.retry.max_retry_after_seconds:
                raise RateLimitStop(f"HTTP {status}: asked to wait {wait}s, more than "
                                    f"max_retry_after_seconds={self.retry.max_retry_after_seconds:g}")
            limited = status in (403, 429)
            raise _Retry(f"HTTP {status}", wait=wait, status=status, kind="rate_limited" if limited else "error")
        try:
            body = guard.read_capped(response.iter_bytes(), self.retry.max_body_bytes,
                                     response.headers.get("content-length"))
        except httpx2.RemoteProtocolError as exc:
            if status != 200:
                raise
            raise _Retry(f"truncated body: {_one_line(str(exc))}", kind="bad_response") from exc
        except guard.BodyTooLarge as exc:
            raise BadListing(str(exc)) from exc
        if status == 200:
            try:
                json.loads(body)
            except ValueError as exc:
                raise _Retry(f"malformed JSON body: {_one_line(str(exc), 60)}", kind="bad_response") from exc
            if request.url.path == "/api/models":
                _check_listing(body)
        location = response.headers.get("location")
        self.redirected_to = str(request.url.join(location)) if 300 <= status < 400 and location else None
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _DROPPED_HEADERS]
        return httpx2.Response(status, headers=headers, content=body, extensions=response.extensions)

    def close(self) -> None:
        if self.inner is not None:
            self.inner.close()
            self.inner = None


def environment_transport(endpoint: str) -> httpx2.HTTPTransport:
    """httpx2's transport, through the proxy HTTPS_PROXY / HTTP_PROXY / ALL_PROXY name for `endpoint` (NO_PROXY
    honoured), as a client would pick it: a client given a transport of its own ignores those variables."""
    url = httpx2.URL(endpoint)
    mounts = sorted(((URLPattern(key), proxy) for key, proxy in get_environment_proxies().items()),
                    key=lambda mount: mount[0])
    proxy = next((proxy for pattern, proxy in mounts if pattern.matches(url)), None)
    return httpx2.HTTPTransport(proxy=proxy)


class _HubChatter(logging.Filter):
    """Drops huggingface_hub's own retry lines ("Retrying in 1s [Retry 1/5]."): our log_wait line replaces them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _HUB_CHATTER.match(record.getMessage())


class HuggingFaceSource:
    """Lists models per author. `stats` accumulates over the life of the object (one run)."""

    def __init__(self, endpoint: str, token: str | None, retry: RetryPolicy, *,
                 transport_factory: Callable[[], httpx2.BaseTransport] | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 sleep: Callable[[float], Any] = time.sleep, stop: threading.Event | None = None) -> None:
        endpoint = endpoint.rstrip("/")
        # token=False: never fall back to a locally saved token or $HF_TOKEN behind the config's back
        self._api = HfApi(endpoint=endpoint, token=token or False, library_name="openwave")
        if stop is not None and sleep is time.sleep:
            sleep = stop.wait  # a wait ends as soon as stop is set
        self._retry, self._clock, self._sleep, self._stop = retry, clock, sleep, stop
        self.stats = SourceStats()
        factory = transport_factory or (lambda: environment_transport(endpoint))
        self._transport = _MeteredTransport(endpoint, retry, self.stats, clock, factory, sleep, stop)

    def _new_client(self) -> httpx2.Client:
        hooks = {"request": [hf_http.hf_request_event_hook]}  # the client's own: offline mode, request id
        return httpx2.Client(transport=self._transport, event_hooks=hooks, follow_redirects=True,
                             timeout=self._retry.timeout_seconds)

    @contextmanager
    def _hub_session(self) -> Iterator[None]:
        """Route huggingface_hub's shared client through our transport and silence its retry lines; restore
        the previous factory and logging after."""
        previous = getattr(hf_http, "_GLOBAL_CLIENT_FACTORY", hf_http.default_client_factory)
        chatter = _HubChatter()
        hf_http.logger.addFilter(chatter)
        set_client_factory(self._new_client)  # closes the current shared client
        try:
            yield
        finally:
            set_client_factory(previous)  # closes ours
            hf_http.logger.removeFilter(chatter)

    def fetch(self, authors: Sequence[str], progress: Callable[[int], None] | None = None,
              expected: Mapping[str, int] | None = None) -> tuple[list[ModelRecord], list[ItemError]]:
        """All models of all authors (deduplicated by id) and the errors: one per author that failed, one per
        model with a bad count, one "suspect_listing" per author listing far fewer models than `expected`
        (lower-case author -> models listed last time).

        `progress`, when given, is called after each author with the number of authors done.
        """
        records: list[ModelRecord] = []
        errors: list[ItemError] = []
        seen: set[str] = set()  # a model listed twice (two authors, overlapping pages) is kept once
        with self._hub_session():
            for done, author in enumerate(dict.fromkeys(authors)):
                if progress is not None and done:
                    progress(done)
                if self._stop is not None and self._stop.is_set() and not self.stats.stopped_reason:
                    self.stats.stopped_reason = guard.STOPPED
                if self.stats.stopped_reason:
                    errors.append(self._error(author, "skipped", f"not fetched: {self.stats.stopped_reason}"))
                    continue
                try:
                    listed, problems = self._list_checked(author, (expected or {}).get(author.lower()))
                except (StopRequested, guard.HostUnreachable) as exc:  # this author and the rest: skipped
                    self.stats.stopped_reason = guard.STOPPED if isinstance(exc, StopRequested) else str(exc)
                    errors.append(self._error(author, "skipped", f"not fetched: {self.stats.stopped_reason}"))
                    continue
                except Exception as exc:  # an author that fails never stops the others
                    if isinstance(exc, RateLimitStop):
                        self.stats.stopped_reason = f"rate limited: {exc}"
                    errors.append(self._error(author, error_kind(exc), describe(exc)))
                    continue
                records.extend(r for r in listed if r.model_id not in seen)
                seen.update(r.model_id for r in listed)
                errors.extend(problems)
                log.info("huggingface: %s: %d models listed", author, len(listed))
        if progress is not None:
            progress(len(dict.fromkeys(authors)))
        return records, errors

    def _list_checked(self, author: str, expected: int | None) -> tuple[list[ModelRecord], list[ItemError]]:
        """One author's listing; one far below `expected` is listed once more, then kept with a warning."""
        listed = self._list_once(author)
        count = len(listed[0]) + len(listed[1])
        if not expected or expected < 1 or count >= self._retry.min_listing_ratio * expected:
            return listed
        wait = self._retry.backoff_initial_seconds
        guard.log_wait(SOURCE, author, f"listed {count}, {expected} last time", wait, 2, 2)
        self.stats.retries += 1
        self._sleep(wait)
        try:
            again = self._list_once(author)
        except (StopRequested, guard.HostUnreachable, RateLimitStop):
            raise
        except Exception as exc:  # the first listing stands
            log.info("huggingface: %s: listing again failed: %s", author, self._one_line(describe(exc)))
            again = ([], [])
        if (recount := len(again[0]) + len(again[1])) >= count:
            listed, count = again, recount
        if count >= self._retry.min_listing_ratio * expected:
            return listed
        warning = self._error(author, "suspect_listing", f"listed {count}, {expected} last time: recorded as a "
                                                         "warning, not taken as the truth")
        return listed[0], [*listed[1], warning]

    def _list_once(self, author: str) -> tuple[list[ModelRecord], list[ItemError]]:
        """One pass over an author's listing: its models, and an error per model whose counts are refused."""
        self._transport.item = author
        fetched_at = self._clock()
        records: dict[str, ModelRecord] = {}
        refused: dict[str, ItemError] = {}
        notes: list[str] = []
        for info in self._api.list_models(author=author, expand=list(EXPAND)):
            if info.id in records or info.id in refused:
                continue
            try:
                records[info.id] = record = model_record(info, author, fetched_at)
            except guard.BadCount as exc:
                refused[info.id] = self._error(info.id, "bad_response", str(exc))
                continue
            if len(named := card_licenses(info.card_data)) > 1:
                notes.append(self._one_line(f"{info.id}: card names licences {', '.join(named)}; "
                                            f"kept {record.license}"))
        for note in notes:  # logged (INFO: stderr and openwave.log) once per run, however often it is listed
            if note not in self.stats.notes:
                self.stats.notes.append(note)
                log.info("huggingface: %s", note)
        return list(records.values()), list(refused.values())

    def _error(self, item: str, kind: ErrorKind, message: str) -> ItemError:
        return ItemError(source=SOURCE, item=item, kind=kind, message=self._one_line(message), at=self._clock())

    def _one_line(self, text: str) -> str:
        token = self._api.token
        text = " ".join((text.replace(token, "***") if isinstance(token, str) and token else text).split())
        return text if len(text) <= 300 else text[:299] + "…"


def error_kind(exc: BaseException) -> ErrorKind:
    """The ItemError kind of a failed author listing."""
    if isinstance(exc, RateLimitStop):
        return "rate_limited"
    if isinstance(exc, RetriesExhausted):
        return exc.kind
    if isinstance(exc, BadListing | ValueError | KeyError | TypeError):
        return "bad_response"
    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        status = exc.response.status_code
        return {404: "not_found", 410: "not_found", 451: "blocked", 429: "rate_limited"}.get(status, "error")
    return "error"


def describe(exc: BaseException) -> str:
    """A failure in words: HTTP errors by status, path and the server's own (untrusted) message."""
    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code} from {exc.response.url.path}: {exc.server_message or '-'}"
    return f"{type(exc).__name__}: {exc}"


def model_record(info: ModelInfo, author: str, fetched_at: datetime) -> ModelRecord:
    """Map one `ModelInfo` of an expanded listing to a ModelRecord; upstream values are checked (a count
    outside 0..2^63-1 or not an integer raises guard.BadCount naming the field)."""
    tags = tuple(t for t in info.tags if isinstance(t, str)) if isinstance(info.tags, list) else ()
    license_id, license_name, license_source = normalize_license(tags, info.card_data)
    return ModelRecord(
        model_id=info.id, hub_id=_text(getattr(info, "_id", None)), author=author,
        downloads_30d=guard.check_count(info.downloads, "downloads", optional=True),
        downloads_all_time=guard.check_count(info.downloads_all_time, "downloadsAllTime", optional=True),
        likes=guard.check_count(info.likes, "likes", optional=True),
        license=license_id, license_name=license_name, license_source=license_source,
        tags=tags, pipeline_tag=_text(info.pipeline_tag), library_name=_text(info.library_name),
        gated=gated_value(info.gated), created_at=_utc(info.created_at),
        last_modified=_utc(info.last_modified),
        children_count=guard.check_count(info.children_model_count, "childrenModelCount", optional=True),
        base_models=base_model_ids(info.base_models), fetched_at=fetched_at,
    )


def base_model_ids(value: Any) -> tuple[str, ...]:
    """Ids from `baseModels`. Its wire shape is not recorded anywhere we could read, so accept `["a/b"]`,
    `[{"id": "a/b"}]` and `{"relation": "finetune", "models": [{"id": "a/b"}]}`, or lists of these."""
    ids: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list | tuple):
            stack[:0] = item  # depth-first, in order
        elif isinstance(item, dict):
            stack.insert(0, item["models"] if "models" in item else item.get("id"))
        elif isinstance(item, str) and item.strip():
            ids.append(item.strip())
    return tuple(dict.fromkeys(ids))


def gated_value(value: Any) -> str | None:
    """`false`, `auto` or `manual` as text (the Hub sends the boolean false or a string)."""
    return None if value is None else str(value).strip().lower() or None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
