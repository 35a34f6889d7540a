"""A configuration the mock cannot run is refused at start, one line per problem, naming the
file (or the command line), the key and what was expected; never a pydantic dump."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mockserver.config import load_config
from mockserver.errors import ConfigError
from tests.mock.conftest import ROOT

pytestmark = pytest.mark.no_store


def _problems(path: Path | None = None, **overrides: object) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path, **overrides)
    return info.value.messages


def test_each_bad_value_is_one_line_with_file_key_and_expectation(tmp_path: Path) -> None:
    toml = tmp_path / "mock.toml"
    toml.write_text('[clock]\nmode = "fast"\n[[faults]]\nkind = "http"\nrate = 2\nbogus = 1\n')
    assert _problems(toml) == [
        f"{toml}: clock.mode: Input should be 'realtime', 'step' or 'manual' (got 'fast')",
        f"{toml}: faults[0].rate: Input should be less than or equal to 1 (got 2)",
        f"{toml}: faults[0].bogus: unknown key",
    ]


def test_a_bad_override_names_the_command_line_not_the_file(tmp_path: Path) -> None:
    toml = tmp_path / "mock.toml"
    toml.write_text("seed = 3\n")
    (problem,) = _problems(toml, clock={"speed": -1})
    assert problem.startswith("the command line (or create_app arguments): clock.speed: ")
    assert problem.endswith("greater than 0 (got -1)")


def test_unreadable_and_invalid_toml_say_so(tmp_path: Path) -> None:
    missing = tmp_path / "absent.toml"
    assert _problems(missing) == [f"{missing}: cannot read it: No such file or directory"]
    broken = tmp_path / "broken.toml"
    broken.write_text("seed = \n")
    assert _problems(broken) == [f"{broken}: not valid TOML: Invalid value (at line 1, column 8)"]


def test_wiro_mock_prints_the_lines_and_exits_2(tmp_path: Path) -> None:
    toml = tmp_path / "mock.toml"
    toml.write_text('[clock]\nmode = "fast"\n')
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "--config", str(toml)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr == (
        f"wiro-mock: bad configuration: {toml}: clock.mode: "
        "Input should be 'realtime', 'step' or 'manual' (got 'fast')\n"
    )
