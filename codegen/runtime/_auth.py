"""Request signing: the only place that knows how Wiro authenticates.

Signature mode (``api_secret`` set) sends ``x-api-key``, ``x-nonce`` and
``x-signature = hex(HMAC-SHA256(key=API_KEY, msg=API_SECRET + NONCE))``;
API-key-only mode sends just ``x-api-key``.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable

__all__ = ["NonceSource", "auth_headers", "sign"]


def sign(api_key: str, api_secret: str, nonce: str) -> str:
    """Lowercase hex HMAC-SHA256 of ``api_secret + nonce`` keyed with ``api_key``."""
    message = (api_secret + nonce).encode()
    return hmac.new(api_key.encode(), message, hashlib.sha256).hexdigest()


class NonceSource:
    """Integer-string nonces: unix time in milliseconds, strictly increasing.

    Two requests in the same millisecond (or a clock step backwards) still get
    distinct nonces, because each nonce is at least the previous one plus one.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._last = 0
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            self._last = max(int(self._clock() * 1000), self._last + 1)
            return str(self._last)


def auth_headers(
    api_key: str | None, api_secret: str | None, nonce: Callable[[], str]
) -> dict[str, str]:
    """Headers for one request (a fresh nonce each call in signature mode); none without
    a key (a mock that does not check them)."""
    if api_key is None:
        return {}
    if not api_secret:
        return {"x-api-key": api_key}
    value = nonce()
    return {"x-api-key": api_key, "x-nonce": value, "x-signature": sign(api_key, api_secret, value)}
