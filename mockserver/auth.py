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

RECIPE = "hex(HMAC-SHA256(key=API_KEY, msg=API_SECRET + NONCE))"
SIGNATURE = f"x-signature = {RECIPE}"
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


def shown_key(key: str) -> str:
    """An API key as an error may show it: enough to tell which, not the whole key."""
    return repr(key if len(key) <= 4 else f"{key[:4]}…")


def _signature_error(message: str, key: str, problem: str) -> AuthError:
    """Wiro's refusal, then a second error saying which project, which mode and what is
    wrong (errors[0] stays Wiro's own message, for clients that read only that one)."""
    hint = f"wiro-mock: project {shown_key(key)} is in signature mode: {problem}"
    return AuthError([message, hint])


def fingerprint(secret: str) -> str:
    """A secret's short SHA-256 fingerprint: enough to tell secrets apart, useless to sign."""
    return "sha256:" + sha256(secret.encode()).hexdigest()[:8]


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
        key = headers.get("x-api-key", "").strip()
        project = self.projects.get(key)
        if project is None:
            raise AuthError([MSG_UNKNOWN, self._unknown_hint(key)])
        if project.api_secret is None:
            return project, ""
        nonce = headers.get("x-nonce", "").strip()
        signature = headers.get("x-signature", "").strip()
        if not nonce or not signature:
            raise _signature_error(MSG_SIGNATURE_REQUIRED, key, f"send x-nonce and {SIGNATURE}")
        if not (nonce.isascii() and signature.isascii()):
            # never hex, and compare_digest refuses non-ASCII
            raise _signature_error(MSG_INVALID, key, "x-nonce and x-signature are ASCII")
        signature = signature.rpartition("= ")[2].strip().lower()
        credentials = (project.api_key, project.api_secret)
        signer = self._signers.get(credentials)
        if signer is None:
            signer = self._signers[credentials] = Signer(*credentials)
        if not hmac.compare_digest(signature, signer.hexdigest(nonce)):
            raise _signature_error(
                MSG_INVALID, key, f"the x-signature is not {RECIPE} for the x-nonce sent"
            )
        return project, nonce

    def _unknown_hint(self, key: str) -> str:
        sent = f"the x-api-key {shown_key(key)} is no project of this mock" if key else (
            "no x-api-key header was sent"
        )  # fmt: skip
        accepted = ", ".join(shown_key(k) for k in self.projects)
        return f"wiro-mock: {sent}; it accepts {accepted}"

    def describe(self) -> str:
        """One-line summary of the accepted credentials, for the start-up log line and
        `GET /__mock__`. A secret is never printed, not even the built-in development one
        (whoever reaches a mock bound to 0.0.0.0 reads both): its fingerprint tells which
        secret is configured without being one."""
        if not self.enabled:
            return "auth disabled (--no-auth)"
        parts = []
        for p in self.projects.values():
            if p.api_secret is None:
                parts.append(f"api-key={p.api_key} (key-only)")
            else:
                default = " (the default)" if p.api_secret == DEFAULT_API_SECRET else ""
                parts.append(f"api-key={p.api_key} api-secret={fingerprint(p.api_secret)}{default}")
        if self.strict_nonce:
            parts.append("strict nonce")
        return "; ".join(parts)
