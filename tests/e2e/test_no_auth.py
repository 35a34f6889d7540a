"""The generated client against a mock that checks no credentials (`wiro-mock --no-auth`)."""

from __future__ import annotations

import pytest
from wiro_client import AuthenticationError, Wiro

from mockserver.testing import WiroMock
from tests.paths import SPECS

IMAGE = "https://example.com/a.png"


def test_a_no_auth_mock_takes_the_client_without_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """`wiro-mock --no-auth` accepts requests without credentials, and so does the client at
    its base_url: no key, no auth headers. Against Wiro itself a key is still required."""
    monkeypatch.delenv("WIRO_API_KEY", raising=False)
    monkeypatch.delenv("WIRO_API_SECRET", raising=False)
    monkeypatch.delenv("WIRO_BASE_URL", raising=False)
    open_mock = WiroMock(SPECS, auth=False, clock={"mode": "step"}).start()
    try:
        with Wiro(base_url=open_mock.base_url) as client:
            task = client.wiro.cartoonify.run(input_image_url=IMAGE)
            assert task.wait(poll_interval=0.01).status == "task_postprocess_end"
        (entry,) = open_mock.requests(path="/v1/Run/*")
        assert not {"x-api-key", "x-nonce", "x-signature"} & set(entry["headers"])
    finally:
        open_mock.stop()
    with pytest.raises(AuthenticationError, match="WIRO_API_KEY"):
        Wiro()  # api.wiro.ai: fail now, not with a 401 after the uploads
