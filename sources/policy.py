"""How hard a source tries: timeouts, deadlines, body caps, retries with backoff, and what it waits out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    timeout_seconds: float = 30.0  # one socket operation (connect, one read, one write)
    max_attempts: int = 5
    backoff_initial_seconds: float = 1.0
    backoff_max_seconds: float = 60.0
    max_retry_after_seconds: float = 900.0  # a longer Retry-After stops the source instead of waiting
    deadline_seconds: float = 120.0  # one whole request, headers and body, however slowly bytes trickle in
    max_body_bytes: int = 64 * 1024 * 1024  # a larger response body is an error of that request
    unreachable_after: int = 3  # consecutive connection failures to one host that stop the source
    min_listing_ratio: float = 0.5  # a listing below this share of its last count is recorded as a warning
