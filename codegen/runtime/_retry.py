"""When to retry a request, and how long to wait first.

Pure functions shared by the sync and async clients. Task/* and File calls are
idempotent and retried on connection errors, timeouts, 429 and 5xx. Run is not
idempotent (a retry could start a second, billed task), so it is only retried
when the connection failed before anything was sent. Only the HTTP status marks
an answer as transient (408, 429, 5xx): Wiro's ``"result": false`` at HTTP 200 (or
its 4xx twin under ``--http-errors``) is a definite refusal, never retried,
whatever its error code.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from ._errors import APIError, RateLimitError

__all__ = ["RetryPolicy", "parse_retry_after", "retry_delay"]

#: Transport errors that prove the request never left the client.
NOT_SENT_ERRORS: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: ``base * 2**attempt`` capped at ``cap``, minus up to ``jitter``."""

    max_retries: int = 2
    base: float = 0.5
    cap: float = 8.0
    jitter: float = 0.25
    max_retry_after: float = 60.0

    def backoff(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        delay = min(self.cap, self.base * float(2**attempt))
        return delay * (1 - self.jitter * rand())


def parse_retry_after(
    headers: Mapping[str, str], now: Callable[[], float] = time.time
) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date), if valid."""
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


def is_retryable(failure: BaseException, *, idempotent: bool) -> bool:
    """Whether ``failure`` (an httpx transport error or an ``APIError``) may be retried."""
    if isinstance(failure, NOT_SENT_ERRORS):
        return True
    if not idempotent:
        return False
    if isinstance(failure, httpx.TransportError):
        return True
    return isinstance(failure, APIError) and failure.status_code in RETRY_STATUSES


def retry_delay(
    policy: RetryPolicy,
    attempt: int,
    failure: BaseException,
    *,
    idempotent: bool,
    rand: Callable[[], float] = random.random,
) -> float | None:
    """Seconds to sleep before retry number ``attempt + 1``, or ``None`` to give up."""
    if attempt >= policy.max_retries or not is_retryable(failure, idempotent=idempotent):
        return None
    if isinstance(failure, RateLimitError) and failure.retry_after is not None:
        return min(failure.retry_after, policy.max_retry_after)
    return policy.backoff(attempt, rand)
