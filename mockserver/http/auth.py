"""Wiro's project authentication: HMAC signature mode and API-key-only mode.

`x-signature = hex(HMAC-SHA256(key=API_KEY, msg=API_SECRET + NONCE))`. The docs' bash
recipe pipes through `openssl dgst`, whose output is `SHA2-256(stdin)= <hex>`; users
paste that variable as the header, so the part after the last `= ` is what is compared.

Signatures are compared with `hmac.compare_digest` (constant time); a nonce or signature
with a non-ASCII byte is refused as invalid before the comparison (no hex digest has one, and
`compare_digest` raises on non-ASCII text). Wiro documents no
freshness window for the nonce, so by default a nonce may be reused; `--strict-nonce`
(config `strict_nonce = true`) rejects a signed request whose `(api_key, nonce)` pair was
already accepted, remembering the last `limits.nonce_memory` pairs (oldest forgotten first).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from hashlib import sha256

from mockserver.config import ANONYMOUS, DEFAULT_API_SECRET, Project
from mockserver.errors import AuthError

MSG_UNKNOWN = "Project authorization is not founded."
MSG_SIGNATURE_REQUIRED = (
    "Project requires signature authentication. x-signature and x-nonce headers are required."
)
MSG_INVALID = "Project authorization is not valid."
MSG_NONCE_REUSED = (
    "Project authorization is not valid. x-nonce has already been used; send a fresh nonce "
    "with each request."
)


def sign(api_key: str, api_secret: str, nonce: str | int) -> str:
    """The signature a client sends, as the docs compute it."""
    return hmac.new(api_key.encode(), f"{api_secret}{nonce}".encode(), sha256).hexdigest()


def signed_headers(api_key: str, api_secret: str | None, nonce: str | int) -> dict[str, str]:
    """Headers for one request (API-key-only projects get just `x-api-key`)."""
    headers = {"x-api-key": api_key}
    if api_secret is not None:
        headers["x-nonce"] = str(nonce)
        headers["x-signature"] = sign(api_key, api_secret, nonce)
    return headers


_BLOCK = sha256().block_size
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


class Signer:
    """`sign(api_key, api_secret, nonce)` for one project, with the fixed part precomputed.

    HMAC is `H((K^opad) || H((K^ipad) || msg))` (RFC 2104) and the message starts with the
    secret, so the inner hash of `K^ipad || secret` and the outer hash of `K^opad` are computed
    once; a check copies both and feeds the nonce: no per-request HMAC object set-up.
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, api_key: str, api_secret: str) -> None:
        key = api_key.encode()
        if len(key) > _BLOCK:
            key = sha256(key).digest()
        key = key.ljust(_BLOCK, b"\0")
        self._inner = sha256(key.translate(_IPAD) + api_secret.encode())
        self._outer = sha256(key.translate(_OPAD))

    def hexdigest(self, nonce: str) -> str:
        inner = self._inner.copy()
        inner.update(nonce.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


class Authenticator:
    """Maps `x-api-key` to a project and checks the signature when the project needs one."""

    def __init__(
        self,
        projects: list[Project],
        enabled: bool = True,
        *,
        strict_nonce: bool = False,
    ) -> None:
        self.enabled = enabled
        self.projects = {p.api_key: p for p in projects}
        self._signers: dict[tuple[str, str], Signer] = {}
        self.strict_nonce = strict_nonce

    def check(self, headers: Mapping[str, str]) -> tuple[Project, str]:
        """The project of a request, and the nonce it signed with ("" when it signed none):
        the caller, which knows where used nonces are kept, enforces `strict_nonce`."""
        if not self.enabled:
            return ANONYMOUS, ""
        project = self.projects.get(headers.get("x-api-key", "").strip())
        if project is None:
            raise AuthError(MSG_UNKNOWN)
        if project.api_secret is None:
            return project, ""
        nonce = headers.get("x-nonce", "").strip()
        signature = headers.get("x-signature", "").strip()
        if not nonce or not signature:
            raise AuthError(MSG_SIGNATURE_REQUIRED)
        if not (nonce.isascii() and signature.isascii()):
            raise AuthError(MSG_INVALID)  # never hex, and compare_digest refuses non-ASCII
        signature = signature.rpartition("= ")[2].strip().lower()
        credentials = (project.api_key, project.api_secret)
        signer = self._signers.get(credentials)
        if signer is None:
            signer = self._signers[credentials] = Signer(*credentials)
        if not hmac.compare_digest(signature, signer.hexdigest(nonce)):
            raise AuthError(MSG_INVALID)
        return project, nonce

    def describe(self) -> str:
        """One-line summary of the accepted credentials, for the start-up log line. A secret
        is never printed, except the built-in development one (public: it is in the docs)."""
        if not self.enabled:
            return "auth disabled (--no-auth)"
        parts = []
        for p in self.projects.values():
            if p.api_secret is None:
                parts.append(f"api-key={p.api_key} (key-only)")
            else:
                shown = p.api_secret if p.api_secret == DEFAULT_API_SECRET else "(set, not shown)"
                parts.append(f"api-key={p.api_key} api-secret={shown}")
        if self.strict_nonce:
            parts.append("strict nonce")
        return "; ".join(parts)
