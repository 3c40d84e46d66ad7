"""How hard a source tries: timeouts, retries with backoff, and the longest Retry-After it waits out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    timeout_seconds: float = 30.0
    max_attempts: int = 5
    backoff_initial_seconds: float = 1.0
    backoff_max_seconds: float = 60.0
    max_retry_after_seconds: float = 900.0  # a longer Retry-After stops the source instead of waiting
