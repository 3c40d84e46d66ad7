"""Hugging Face source: list each configured author's models with `huggingface_hub`, map them to records.

`HfApi.list_models` (huggingface_hub 2.4.0) follows `Link: rel="next"` through one process-wide httpx2 client
whose `http_backoff` retries 408/429/5xx and network errors. A fetch installs our client factory
(`set_client_factory`), then restores the previous one: the only global touched. Its transport counts every
request, sets the RetryPolicy timeout on each (the client passes `timeout=None`), reads RateLimit headers,
caps attempts per request at `max_attempts`, stops the source when told to wait over
`max_retry_after_seconds`, and sends nothing outside the endpoint's origin (the client probes
`{HF_ENDPOINT}/api/agent-harnesses` once per process for its user-agent; elsewhere that probe fails locally).
tenacity restarts an author's listing when the stream broke. The token goes to `HfApi` only. With a `stop`
event, the transport sends nothing once it is set (StopRequested) and the authors not done are skipped;
huggingface_hub's own retry sleeps cannot be cut short, the check before the next request ends them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx2
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.hf_api import ModelInfo
from huggingface_hub.utils import _http as hf_http
from huggingface_hub.utils import parse_ratelimit_headers, set_client_factory
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from sources.licenses import card_licenses, normalize_license
from sources.records import ErrorKind, ItemError, ModelRecord, SourceStats

if TYPE_CHECKING:
    from sources.policy import RetryPolicy

log = logging.getLogger(__name__)

EXPAND = ("downloads", "downloadsAllTime", "likes", "tags", "cardData", "createdAt", "lastModified",
          "pipeline_tag", "library_name", "gated", "childrenModelCount", "baseModels")
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})  # what huggingface_hub's http_backoff retries
_CLIENT_RETRIES = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)  # same
_STREAM_BROKE = (httpx2.ReadError, httpx2.RemoteProtocolError, httpx2.DecodingError, json.JSONDecodeError)


class HubSourceError(Exception):
    """Raised by our transport; not an httpx2 error, so huggingface_hub's backoff lets it through."""


class RetriesExhausted(HubSourceError):
    """One request failed `attempts` times in a row (`status`: HTTP answer, `cause`: exception class)."""

    def __init__(self, failure: str, attempts: int, status: int | None = None,
                 cause: type[BaseException] | None = None) -> None:
        super().__init__(f"{failure} after {attempts} attempt{'s' if attempts > 1 else ''}")
        self.status, self.cause = status, cause


class RateLimitStop(HubSourceError):
    """The upstream asked us to wait longer than max_retry_after_seconds: the source stops."""


class StopRequested(HubSourceError):
    """The caller's stop event is set (the scheduler is shutting down): no further request is sent."""


STOPPED = "stopped: the scheduler is shutting down"


def _advised_wait(response: httpx2.Response) -> int | None:
    """Seconds huggingface_hub would wait before retrying this response (RateLimit t, else Retry-After)."""
    info = parse_ratelimit_headers(response.headers) if response.status_code == 429 else None
    if info is not None and info.remaining == 0:
        return info.reset_in_seconds
    value = response.headers.get("retry-after", "").strip()
    return int(value) if value.isdigit() else None


class _MeteredTransport(httpx2.BaseTransport):
    """Counts, sets the timeout, enforces the RetryPolicy under the client's backoff. Shared by every client
    our factory builds (one is rebuilt after a ConnectError); the inner transport is made on demand."""

    def __init__(self, endpoint: str, retry: RetryPolicy, stats: SourceStats, clock: Callable[[], datetime],
                 factory: Callable[[], httpx2.BaseTransport], stop: threading.Event | None = None) -> None:
        self.retry, self.stats, self.clock, self.factory, self.stop = retry, stats, clock, factory, stop
        self.origin = (httpx2.URL(endpoint).scheme, httpx2.URL(endpoint).netloc)
        self.timeout = httpx2.Timeout(retry.timeout_seconds).as_dict()
        self.inner: httpx2.BaseTransport | None = None
        self.reset()

    def reset(self) -> None:
        """Forget the last request: a restarted listing counts its attempts afresh."""
        self.key: tuple[str, str] | None = None
        self.attempts, self.failed = 0, False

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        if self.stop is not None and self.stop.is_set():
            raise StopRequested(STOPPED)
        if (request.url.scheme, request.url.netloc) != self.origin:
            raise HubSourceError(f"not sent: {request.url.host} is outside the configured endpoint")
        key = (request.method, str(request.url))
        retried = key == self.key and self.failed  # huggingface_hub is retrying the request that just failed
        self.key, self.attempts = key, (self.attempts + 1 if retried else 1)
        self.stats.retries += int(retried)
        self.failed = True
        self.stats.requests += 1
        request.extensions = {**request.extensions, "timeout": self.timeout}
        self.inner = self.inner or self.factory()
        try:
            response = self.inner.handle_request(request)
        except _CLIENT_RETRIES as exc:
            if self.attempts >= self.retry.max_attempts:
                raise RetriesExhausted(type(exc).__name__, self.attempts, cause=type(exc)) from exc
            raise
        if (info := parse_ratelimit_headers(response.headers)) is not None:
            self.stats.rate_limit_remaining = info.remaining
            self.stats.rate_limit_reset = self.clock() + timedelta(seconds=info.reset_in_seconds)
            self.stats.rate_limit_limit = info.limit or self.stats.rate_limit_limit
        if response.status_code not in RETRY_STATUSES:
            self.failed = False
            return response
        wait = _advised_wait(response)
        if wait is not None and wait > self.retry.max_retry_after_seconds:
            response.close()
            raise RateLimitStop(f"HTTP {response.status_code}: asked to wait {wait}s, more than "
                                f"max_retry_after_seconds={self.retry.max_retry_after_seconds:g}")
        if self.attempts >= self.retry.max_attempts:
            response.close()
            raise RetriesExhausted(f"HTTP {response.status_code}", self.attempts, status=response.status_code)
        return response

    def close(self) -> None:
        if self.inner is not None:
            self.inner.close()
            self.inner = None


class HuggingFaceSource:
    """Lists models per author. `stats` accumulates over the life of the object (one run)."""

    def __init__(self, endpoint: str, token: str | None, retry: RetryPolicy, *,
                 transport_factory: Callable[[], httpx2.BaseTransport] = httpx2.HTTPTransport,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 sleep: Callable[[float], None] = time.sleep, stop: threading.Event | None = None) -> None:
        endpoint = endpoint.rstrip("/")
        # token=False: never fall back to a locally saved token or $HF_TOKEN behind the config's back
        self._api = HfApi(endpoint=endpoint, token=token or False, library_name="openwave")
        if stop is not None and sleep is time.sleep:
            sleep = stop.wait  # a restart's backoff ends as soon as stop is set
        self._retry, self._clock, self._sleep, self._stop = retry, clock, sleep, stop
        self.stats = SourceStats()
        self._transport = _MeteredTransport(endpoint, retry, self.stats, clock, transport_factory, stop)

    def _new_client(self) -> httpx2.Client:
        hooks = {"request": [hf_http.hf_request_event_hook]}  # the client's own: offline mode, request id
        return httpx2.Client(transport=self._transport, event_hooks=hooks, follow_redirects=True,
                             timeout=self._retry.timeout_seconds)

    @contextmanager
    def _hub_session(self) -> Iterator[None]:
        """Route huggingface_hub's shared client through our transport; restore the previous factory after."""
        previous = getattr(hf_http, "_GLOBAL_CLIENT_FACTORY", hf_http.default_client_factory)
        set_client_factory(self._new_client)  # closes the current shared client
        try:
            yield
        finally:
            set_client_factory(previous)  # closes ours

    def fetch_author(self, author: str) -> Iterator[ModelRecord]:
        """The models of one author, each once. Raises after retries; an unknown author yields nothing."""
        with self._hub_session():
            records = self._list_author(author)
        yield from records  # the global client factory is already restored

    def fetch(self, authors: Sequence[str], progress: Callable[[int], None] | None = None,
              ) -> tuple[list[ModelRecord], list[ItemError]]:
        """All models of all authors (deduplicated by id) and one ItemError per author that failed.

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
                    self.stats.stopped_reason = STOPPED
                if self.stats.stopped_reason:
                    errors.append(self._error(author, "skipped", f"not fetched: {self.stats.stopped_reason}"))
                    continue
                try:
                    listed = self._list_author(author)
                except StopRequested:  # mid-listing: this author's partial listing is dropped, the rest skipped
                    self.stats.stopped_reason = STOPPED
                    errors.append(self._error(author, "skipped", f"not fetched: {STOPPED}"))
                    continue
                except Exception as exc:  # an author that fails never stops the others
                    if isinstance(exc, RateLimitStop):
                        self.stats.stopped_reason = f"rate limited: {exc}"
                    errors.append(self._error(author, error_kind(exc), describe(exc)))
                    continue
                records.extend(r for r in listed if r.model_id not in seen)
                seen.update(r.model_id for r in listed)
                log.info("huggingface: %s: %d models listed", author, len(listed))
        if progress is not None:
            progress(len(dict.fromkeys(authors)))
        return records, errors

    def _list_author(self, author: str) -> list[ModelRecord]:
        """One author's models; the listing restarts (jittered exponential waits) when the stream broke."""
        p = self._retry
        wait = wait_random_exponential(multiplier=p.backoff_initial_seconds, max=p.backoff_max_seconds)
        retrying = Retrying(stop=stop_after_attempt(p.max_attempts), wait=wait, sleep=self._sleep,
                            retry=retry_if_exception(_stream_broke), reraise=True,
                            before_sleep=lambda state: self._on_restart(author, state))
        return retrying(self._list_once, author)

    def _list_once(self, author: str) -> list[ModelRecord]:
        self._transport.reset()
        fetched_at = self._clock()
        records: dict[str, ModelRecord] = {}
        notes: list[str] = []
        for info in self._api.list_models(author=author, expand=list(EXPAND)):
            if info.id in records:
                continue
            records[info.id] = record = model_record(info, author, fetched_at)
            if len(named := card_licenses(info.card_data)) > 1:
                notes.append(self._one_line(f"{info.id}: card names licences {', '.join(named)}; "
                                            f"kept {record.license}"))
        self.stats.notes.extend(notes)
        return list(records.values())

    def _on_restart(self, author: str, state: RetryCallState) -> None:
        self.stats.retries += 1
        failure = repr(state.outcome.exception()) if state.outcome else "?"
        log.warning("huggingface: restarting the listing of %s after %s", author, self._one_line(failure))

    def _error(self, author: str, kind: ErrorKind, message: str) -> ItemError:
        return ItemError(source="huggingface", item=author, kind=kind, message=self._one_line(message),
                         at=self._clock())

    def _one_line(self, text: str) -> str:
        token = self._api.token
        text = " ".join((text.replace(token, "***") if isinstance(token, str) and token else text).split())
        return text if len(text) <= 300 else text[:299] + "…"


def _stream_broke(exc: BaseException) -> bool:
    """Worth restarting the listing: the connection or the body broke, not the server's answer."""
    cause = exc.cause if isinstance(exc, RetriesExhausted) else type(exc)
    return cause is not None and issubclass(cause, _STREAM_BROKE)


def error_kind(exc: BaseException) -> ErrorKind:
    """The ItemError kind of a failed author listing."""
    if isinstance(exc, RateLimitStop):
        return "rate_limited"
    if isinstance(exc, ValueError | KeyError | TypeError):
        return "bad_response"
    status = exc.status if isinstance(exc, RetriesExhausted) else None
    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        status = exc.response.status_code
    return {404: "not_found", 410: "not_found", 451: "blocked", 429: "rate_limited"}.get(status or 0, "error")


def describe(exc: BaseException) -> str:
    """A failure in words: HTTP errors by status, path and the server's own (untrusted) message."""
    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code} from {exc.response.url.path}: {exc.server_message or '-'}"
    return f"{type(exc).__name__}: {exc}"


def model_record(info: ModelInfo, author: str, fetched_at: datetime) -> ModelRecord:
    """Map one `ModelInfo` of an expanded listing to a ModelRecord; upstream values are checked."""
    tags = tuple(t for t in info.tags if isinstance(t, str)) if isinstance(info.tags, list) else ()
    license_id, license_name, license_source = normalize_license(tags, info.card_data)
    return ModelRecord(
        model_id=info.id, hub_id=_text(getattr(info, "_id", None)), author=author,
        downloads_30d=_int(info.downloads), downloads_all_time=_int(info.downloads_all_time),
        likes=_int(info.likes), license=license_id, license_name=license_name, license_source=license_source,
        tags=tags, pipeline_tag=_text(info.pipeline_tag), library_name=_text(info.library_name),
        gated=gated_value(info.gated), created_at=_utc(info.created_at),
        last_modified=_utc(info.last_modified), children_count=_int(info.children_model_count),
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


def _int(value: Any) -> int | None:  # a bool is an int in Python: not a count
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
