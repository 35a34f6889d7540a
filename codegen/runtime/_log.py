"""Logging through the standard ``logging`` module, switched on by ``WIRO_LOG``.

The logger is named after the package (``wiro_client``), so applications configure
it like any other; ``WIRO_LOG=info`` (request lines, statuses, retry decisions,
task status changes) or ``WIRO_LOG=debug`` (plus request headers and bodies)
attaches a stderr handler for a quick look. Nothing here ever formats the API
secret, the signature or the key: headers pass through ``redact`` first.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from ._errors import ConfigurationError

__all__ = ["LEVELS", "logger", "redact", "setup_from_env"]

logger = logging.getLogger(__name__.split(".", 1)[0])

LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}
#: Headers whose values are credentials (compared lowercase).
SECRET_HEADERS = frozenset({"x-api-key", "x-signature", "x-nonce", "authorization", "cookie"})
_HANDLER_NAME = "wiro-log-env"


def redact(headers: Mapping[str, str]) -> dict[str, str]:
    """``headers`` with every credential replaced by ``***``."""
    return {k: "***" if k.lower() in SECRET_HEADERS else v for k, v in headers.items()}


def setup_from_env(environ: Mapping[str, str] | None = None) -> None:
    """Apply ``WIRO_LOG`` (once per process); an unknown level is a ConfigurationError."""
    value = (environ if environ is not None else os.environ).get("WIRO_LOG", "").strip().lower()
    if not value:
        return
    level = LEVELS.get(value)
    if level is None:
        choices = "|".join(LEVELS)
        raise ConfigurationError(f"WIRO_LOG must be one of {choices}, got {value!r}")
    logger.setLevel(level)
    if not any(h.get_name() == _HANDLER_NAME for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
        logger.addHandler(handler)


def body_summary(body: Any, limit: int = 2000) -> str:
    """A request body for debug logs, cut at ``limit`` characters."""
    text = repr(body)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"
