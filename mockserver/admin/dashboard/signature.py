"""Why a journaled request passed or failed authentication, for the dashboard's journal.

Computed when the journal is *shown*, from the headers the journal recorded and the
configured projects, so the request path pays nothing for it. The decision mirrors
`Authenticator.check` step for step (same header names, same trimming, same `openssl dgst`
prefix handling, same messages) and the expected signature is computed by `auth.sign`
from the request's own nonce. Secrets are never part of the result.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from mockserver.auth import (
    MSG_INVALID,
    MSG_SIGNATURE_REQUIRED,
    MSG_UNKNOWN,
    RECIPE,
    Authenticator,
    sign,
)


def explain(headers: Mapping[str, str], auth: Authenticator) -> dict[str, Any]:
    """`{"ok": bool, "reason": ..., "message": ...}` plus what explains the reason:
    `missing` (header names), `api_key`, `nonce`, `expected` and `received` signatures."""
    if not auth.enabled:
        return {"ok": True, "reason": "disabled", "message": "Authentication is off (--no-auth)."}
    api_key = headers.get("x-api-key", "").strip()
    if not api_key:
        return {"ok": False, "reason": "missing", "missing": ["x-api-key"], "message": MSG_UNKNOWN}
    project = auth.projects.get(api_key)
    if project is None:
        return {
            "ok": False,
            "reason": "unknown_key",
            "api_key": api_key,
            "message": MSG_UNKNOWN,
            "detail": f"No configured project has the API key {api_key!r}.",
        }
    if project.api_secret is None:
        return {"ok": True, "reason": "api_key", "message": f"API key of project {project.name}."}
    nonce = headers.get("x-nonce", "").strip()
    raw = headers.get("x-signature", "").strip()
    missing = [name for name, value in (("x-nonce", nonce), ("x-signature", raw)) if not value]
    if missing:
        return {
            "ok": False,
            "reason": "missing",
            "missing": missing,
            "message": MSG_SIGNATURE_REQUIRED,
            "detail": f"Header(s) {', '.join(missing)} missing or empty.",
        }
    received = raw.rpartition("= ")[2].strip().lower()
    expected = sign(project.api_key, project.api_secret, nonce)
    if not hmac.compare_digest(received.encode(), expected.encode()):  # bytes: any header
        return {
            "ok": False,
            "reason": "mismatch",
            "api_key": api_key,
            "nonce": nonce,
            "expected": expected,
            "received": received,
            "message": MSG_INVALID,
            "detail": f"x-signature is not {RECIPE} for x-nonce {nonce!r}.",
        }
    return {
        "ok": True,
        "reason": "signature",
        "nonce": nonce,
        "message": f"Signature of project {project.name} verified.",
    }
