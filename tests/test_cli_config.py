"""The config file: [default] and [profile.NAME] tables of option defaults; flags win."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from threecommas_hedge._cli.app import app

PLAN = ["plan", "--spot-qty", "1", "--price", "60000", "--ratio", "0.5", "--sl", "61800"]
PLAN += ["--tp", "55000", "--json"]


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("THREECOMMAS_PROFILE", raising=False)
    folder = tmp_path / "threecommas-hedge"
    folder.mkdir()
    return folder / "config.toml"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "80"})
    return result.exit_code, result.stdout, result.stderr


def plan_json(*args: str) -> dict[str, Any]:
    code, out, err = run(*args)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


CONFIG = """
[default]
account-id = 32000001
leverage = 2
funding-rate = 0.02

[profile.swing]
leverage = 3
margin = "cross"
wallet-balance = 20000
"""


def test_default_table_applies_to_every_run(config_home: Path) -> None:
    config_home.write_text(CONFIG)
    doc = plan_json(*PLAN)
    assert doc["payload"]["account_id"] == 32000001
    assert doc["payload"]["leverage"] == {"enabled": True, "type": "isolated", "value": 2}
    assert Decimal(doc["costs"]["funding_rate"]) == Decimal("0.0002")  # 0.02 % as typed


def test_profile_over_default_and_the_command_line_over_both(config_home: Path) -> None:
    config_home.write_text(CONFIG)
    doc = plan_json("--profile", "swing", *PLAN)
    assert doc["payload"]["leverage"] == {"enabled": True, "type": "cross", "value": 3}
    assert doc["payload"]["account_id"] == 32000001
    doc = plan_json("--profile", "swing", *PLAN, "--leverage", "5", "--account-id", "7")
    assert doc["payload"]["leverage"]["value"] == 5
    assert doc["payload"]["account_id"] == 7


def test_profile_from_the_environment(config_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_home.write_text(CONFIG)
    monkeypatch.setenv("THREECOMMAS_PROFILE", "swing")
    assert plan_json(*PLAN)["payload"]["leverage"]["value"] == 3


def test_explicit_config_path(tmp_path: Path, config_home: Path) -> None:
    other = tmp_path / "elsewhere.toml"
    other.write_text("[default]\naccount-id = 99\n")
    assert plan_json("--config", str(other), *PLAN)["payload"]["account_id"] == 99


def test_no_config_file_changes_nothing(config_home: Path) -> None:
    assert plan_json(*PLAN)["payload"]["account_id"] is None


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ('[default]\napi-secret = "abc"\n', [], "looks like a credential"),
        ("[default]\nlevrage = 3\n", [], "'levrage' is not an option of any command"),
        ('[default]\nmode = "live"\n', [], "mode must be 'paper' or 'real'"),
        ("[default\n", [], "config "),
        ("[settings]\nleverage = 3\n", [], "unknown table 'settings'"),
        ("[default]\n", ["--profile", "nope"], "--profile nope: not in"),
        ('[default]\nleverage = "x"\n', [], "--leverage"),
    ],
)
def test_bad_config_is_one_line_exit_2_naming_the_problem(
    config_home: Path, content: str, args: list[str], message: str
) -> None:
    config_home.write_text(content)
    code, out, err = run(*args, *PLAN)
    assert code == 2, (out, err)
    assert message in err and err.count("\n") == 1
    assert "abc" not in err  # a secret is never echoed


def test_missing_explicit_config_is_an_error(tmp_path: Path) -> None:
    code, _, err = run("--config", str(tmp_path / "none.toml"), *PLAN)
    assert code == 2 and "does not exist" in err


def test_mode_real_in_a_profile_means_real(config_home: Path) -> None:
    config_home.write_text('[profile.live]\nmode = "real"\n')
    code, _, err = run("--profile", "live", "list", "--fake")
    # the embedded fake has only a paper account: real mode lists nothing, but it is real mode
    assert code == 0, err
    code, out, _ = run("--profile", "live", "list", "--fake")
    assert "real mode" in out
