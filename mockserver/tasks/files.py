"""The mock's file URLs, `{base}/File/{token}/{name}`: uploads and task outputs alike.

One scheme, built and read here only, so a URL the mock handed out (an upload used as a Run
input, a task's output fed to the next model, an input InputOutputDelete removes) is
recognised wherever it comes back. Tokens are 30 alphanumeric characters, like Wiro's.
"""

from __future__ import annotations

import secrets

MARKER = "/File/"


def file_url(base: str, token: str, name: str) -> str:
    return f"{base}{MARKER}{token}/{name}"


def file_ref(url: str) -> tuple[str, str] | None:
    """`(token, name)` of a URL in the mock's scheme (`name` "" when it has none), else None."""
    if MARKER not in url:
        return None
    token, _, name = url.split(MARKER, 1)[1].partition("/")
    return token, name


def new_token() -> str:
    """A fresh, unguessable upload token."""
    return secrets.token_urlsafe(22).replace("-", "x").replace("_", "y")[:30]
