"""pytest plugin (entry point `pytest11`): run the Wiro mock on a free loopback port.

    def test_my_client(wiro_mock):
        client = MyClient(base_url=wiro_mock.base_url, api_key=wiro_mock.api_key,
                          api_secret=wiro_mock.api_secret)
        client.run("reve/generate", prompt="a cat")
        assert wiro_mock.journal(path="*/Run/reve/generate", result=True)

Fixtures: `wiro_mock` (one server per test), `wiro_mock_session` (one per session; call
`.reset()` between tests as needed) and `wiro_mock_factory(**config)` for several or custom
servers. Per-test config: `@pytest.mark.wiro_mock(clock={"mode": "step"}, auth=False)`.

Which models it serves, first match wins: `WIRO_MOCK_SPECS` or `WIRO_MOCK_CATALOGUE` (the
environment), then the ini options `wiro_mock_specs` or `wiro_mock_catalogue`, then a `specs`
folder in the rootdir, then the catalogue of the installed `wiro_client`. Setting both a specs
folder and a catalogue at the same level is a usage error. A source with no models (a missing
or empty folder, no readable catalogue.json) fails the session at collection with one line,
before any test runs, and only when a collected test uses one of these fixtures.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # the mock itself is imported when a test first asks for a fixture
    from mockserver.testing import WiroMock

#: The installed client whose catalogue is served when no specs folder is configured.
DEFAULT_CATALOGUE = "wiro_client"
_SETTINGS = "ini wiro_mock_specs / wiro_mock_catalogue, or WIRO_MOCK_SPECS / WIRO_MOCK_CATALOGUE"
FIXTURES = frozenset({"wiro_mock", "wiro_mock_session", "wiro_mock_factory"})
#: The resolved source (`{"specs": path}` or `{"catalogue": package}`), or why there is none.
_SOURCE = pytest.StashKey[dict[str, str] | str]()


def _resolve(config: pytest.Config) -> dict[str, str]:
    """The configured source, in the order the module docstring gives."""
    levels: list[Mapping[str, object]] = [
        {"specs": os.environ.get("WIRO_MOCK_SPECS"),
         "catalogue": os.environ.get("WIRO_MOCK_CATALOGUE")},
        {"specs": config.getini("wiro_mock_specs"),
         "catalogue": config.getini("wiro_mock_catalogue")},
    ]  # fmt: skip
    for level in levels:
        specs, catalogue = (str(level[k]) if level[k] else None for k in ("specs", "catalogue"))
        if specs and catalogue:
            raise pytest.UsageError(
                f"wiro-mock: specs {specs} and catalogue {catalogue} are both configured; "
                f"set one ({_SETTINGS})"
            )
        if specs:
            return {"specs": str(Path(config.rootpath) / specs)}  # an absolute one stays
        if catalogue:
            return {"catalogue": catalogue}
    folder = Path(config.rootpath) / "specs"
    return {"specs": str(folder)} if folder.is_dir() else {"catalogue": DEFAULT_CATALOGUE}


def _checked_source(config: pytest.Config) -> dict[str, str]:
    """The source, resolved and checked once per session; raises UsageError with the line."""
    found = config.stash.get(_SOURCE, None)
    if found is None:
        from mockserver.errors import ModelSourceError
        from mockserver.models.registry import check_source

        try:
            found = _resolve(config)
            check_source(found.get("specs"), found.get("catalogue"))
        except pytest.UsageError as exc:
            found = str(exc)
        except ModelSourceError as exc:
            found = f"wiro-mock: {exc} (pytest: {_SETTINGS})"
        config.stash[_SOURCE] = found
    if isinstance(found, str):
        raise pytest.UsageError(found)
    return found


def _source(config: pytest.Config, given: dict[str, Any]) -> dict[str, Any]:
    """Fixture config with the session's source unless it names its own (`specs=...`)."""
    if "specs" in given or "catalogue" in given:
        return given
    try:
        return {**_checked_source(config), **given}
    except pytest.UsageError as exc:  # a fixture the collection check did not see
        pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)


def _start(config: pytest.Config, given: dict[str, Any]) -> WiroMock:
    try:
        from mockserver.testing import WiroMock
    except ImportError as exc:  # wirogen without its [mock] extra
        pytest.exit(f"wiro-mock: {exc}; install the mock: pip install 'wirogen[mock]'", 2)
    return WiroMock(**_source(config, given)).start()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("wiro_mock_specs", "folder of Wiro model docs served by the wiro_mock fixture")
    parser.addini(
        "wiro_mock_catalogue",
        f"installed generated client whose catalogue.json the wiro_mock fixture serves "
        f"(default when no specs folder: {DEFAULT_CATALOGUE})",
    )


@pytest.hookimpl(trylast=True)  # after `-k`/`-m` deselected what will not run
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Fail the session, before any test runs, when the mock would have no models.

    An xdist worker cannot raise a usage error (its controller reports a crash): it runs
    nothing and asks to stop with the message, which the controller prints."""
    if not any(FIXTURES.intersection(getattr(item, "fixturenames", ())) for item in items):
        return
    try:
        _checked_source(config)
    except pytest.UsageError as exc:
        if not hasattr(config, "workerinput"):
            raise
        config.hook.pytest_deselected(items=list(items))
        items.clear()
        session.shouldstop = str(exc)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Wait for the mocks the fixtures stopped without waiting (none unless one ran: the
    mock is imported only when a fixture is used)."""
    testing = sys.modules.get("mockserver.testing")
    if testing is not None:
        testing.join_stopping()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "wiro_mock(**config): configuration of the wiro_mock fixture for this test"
    )


@pytest.fixture
def wiro_mock_factory(request: pytest.FixtureRequest) -> Iterator[Callable[..., WiroMock]]:
    """Start mocks with custom config: `wiro_mock_factory(clock={"mode": "manual"})`."""
    started: list[WiroMock] = []

    def factory(**config: Any) -> WiroMock:
        mock = _start(request.config, config)
        started.append(mock)
        return mock

    yield factory
    for mock in started:
        mock.stop(wait=False)


@pytest.fixture
def wiro_mock(request: pytest.FixtureRequest) -> Iterator[WiroMock]:
    """A mock server for this test (config from `@pytest.mark.wiro_mock(...)`)."""
    marker = request.node.get_closest_marker("wiro_mock")
    mock = _start(request.config, dict(marker.kwargs) if marker else {})
    yield mock
    mock.stop(wait=False)


@pytest.fixture(scope="session")
def wiro_mock_session(pytestconfig: pytest.Config) -> Iterator[WiroMock]:
    """One mock server for the whole session."""
    mock = _start(pytestconfig, {})
    yield mock
    mock.stop()
