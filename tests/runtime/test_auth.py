"""Signing: the signature matches the docs' openssl line, nonces are fresh per request."""

from __future__ import annotations

import hashlib
import hmac
import subprocess
from types import ModuleType
from typing import Any

import pytest

from tests.system import require

KEY, SECRET, NONCE = "pk_live_3f9a", "sk_9c1e77", "1734513807123"


def expected_signature() -> str:
    return hmac.new(KEY.encode(), (SECRET + NONCE).encode(), hashlib.sha256).hexdigest()


def test_sign_matches_independent_hmac(rt: ModuleType) -> None:
    assert rt.sign(KEY, SECRET, NONCE) == expected_signature()
    # Key and message are not interchangeable: a swapped HMAC must differ.
    swapped = hmac.new((SECRET + NONCE).encode(), KEY.encode(), hashlib.sha256).hexdigest()
    assert rt.sign(KEY, SECRET, NONCE) != swapped


def test_sign_matches_openssl_cli(rt: ModuleType) -> None:
    # echo -n "${SECRET}${NONCE}" | openssl dgst -sha256 -hmac "${KEY}"
    out = subprocess.run(
        [require("openssl"), "dgst", "-sha256", "-hmac", KEY],
        input=(SECRET + NONCE).encode(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert rt.sign(KEY, SECRET, NONCE) == out.strip().split()[-1]


def test_nonces_are_unique_increasing_integers_within_one_millisecond(rt: ModuleType) -> None:
    from importlib import import_module

    auth = import_module(f"{rt.__name__}._auth")
    source = auth.NonceSource(clock=lambda: 1734513807.5)
    nonces = [source() for _ in range(5)]
    assert nonces[0] == "1734513807500"
    assert [int(n) for n in nonces] == list(range(1734513807500, 1734513807505))


def test_signature_headers_fresh_per_request(make_client: Any, fake: Any) -> None:
    client = make_client(api_key=KEY, api_secret=SECRET)
    client.task("1").refresh()
    client.task("1").refresh()
    first, second = fake.requests
    assert first.headers["x-nonce"] != second.headers["x-nonce"]
    for request in fake.requests:
        nonce = request.headers["x-nonce"]
        assert nonce.isdigit()
        assert request.headers["x-api-key"] == KEY
        want = hmac.new(KEY.encode(), (SECRET + nonce).encode(), hashlib.sha256).hexdigest()
        assert request.headers["x-signature"] == want


def test_api_key_only_mode_sends_no_signature(
    make_client: Any, fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WIRO_API_SECRET", raising=False)
    make_client(api_key=KEY, api_secret=None).task("1").refresh()
    headers = fake.requests[0].headers
    assert headers["x-api-key"] == KEY
    assert "x-signature" not in headers and "x-nonce" not in headers


def test_credentials_and_urls_from_environment(
    rt: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIRO_API_KEY", "env-key")
    monkeypatch.setenv("WIRO_API_SECRET", "env-secret")
    monkeypatch.setenv("WIRO_BASE_URL", "http://127.0.0.1:8123/v1/")
    monkeypatch.delenv("WIRO_SOCKET_URL", raising=False)
    client = rt.BaseWiro()
    try:
        assert (client.api_key, client.api_secret) == ("env-key", "env-secret")
        assert client.base_url == "http://127.0.0.1:8123/v1"
        assert client.socket_url == "ws://127.0.0.1:8123/v1"
    finally:
        client.close()


def test_default_urls(rt: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WIRO_BASE_URL", "WIRO_SOCKET_URL"):
        monkeypatch.delenv(name, raising=False)
    client = rt.BaseWiro(api_key="k")
    try:
        assert client.base_url == "https://api.wiro.ai/v1"
        assert client.socket_url == "wss://socket.wiro.ai/v1"
    finally:
        client.close()
    assert rt.derive_socket_url("https://mock.example:9000/v1") == "wss://mock.example:9000/v1"


def test_missing_api_key_fails_at_construction(
    rt: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WIRO_API_KEY", raising=False)
    with pytest.raises(rt.AuthenticationError, match="WIRO_API_KEY"):
        rt.BaseWiro()
    with pytest.raises(rt.AuthenticationError):
        rt.BaseAsyncWiro(api_key="")
