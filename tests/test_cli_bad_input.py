"""Every bad input to the CLI is one line on stderr and exit 2, never a traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from threecommas_hedge._cli.app import app

HEDGE = ["--spot-qty", "1", "--price", "60000", "--ratio", "0.5"]


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "THREECOMMAS_BASE_URL", "TERM"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str, **env: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "80", **env})
    return result.exit_code, result.stdout, result.stderr


def one_line_usage_error(code: int, stderr: str) -> str:
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--spot-qty", "1e999999"),
        ("--price", "1e999999"),
        ("--ratio", "1e999999"),
        ("--days", "1e999999"),
        ("--funding-rate", "1e999999"),
        ("--funding-hours", "-1e999999"),
        ("--price", "1e-999999"),
        ("--tp", "1e999999"),
        ("--sl", "1" * 200),
    ],
)
def test_a_huge_number_is_one_line_and_exit_2(flag: str, value: str) -> None:
    args = [*HEDGE]
    if flag in args:
        args[args.index(flag) + 1] = value
    else:
        args += [flag, value]
    code, _, stderr = run("plan", *args)
    line = one_line_usage_error(code, stderr)
    assert flag in line
    assert len(line) < 300


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"THREECOMMAS_PRIVATE_KEY": "garbage"}, "private_key"),
        ({"THREECOMMAS_PRIVATE_KEY": "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n"}, "private_key"),
        ({"THREECOMMAS_API_SECRET": "s", "THREECOMMAS_BASE_URL": "ftp://x.example"}, "ftp://"),
        ({"THREECOMMAS_API_SECRET": "s", "THREECOMMAS_BASE_URL": "not a url"}, "base"),
        (
            {"THREECOMMAS_API_SECRET": "s", "THREECOMMAS_PRIVATE_KEY": "p"},
            "THREECOMMAS_PRIVATE_KEY",
        ),
    ],
)
def test_a_bad_environment_is_one_line_and_exit_2(env: dict[str, str], fragment: str) -> None:
    code, _, stderr = run("accounts", THREECOMMAS_API_KEY="k", **env)
    line = one_line_usage_error(code, stderr)
    assert fragment in line
    assert "garbage" not in line and "AAAA" not in line  # the key itself is never echoed


def test_a_request_the_library_refuses_is_one_usage_line_per_field() -> None:
    from threecommas_hedge._cli.errors import describe
    from threecommas_hedge._exceptions import RequestValidationError, ThreeCommasError
    from threecommas_hedge._guard import normalize_path
    from threecommas_hedge.models import FundsRequest
    from threecommas_hedge.resources._endpoint import validated

    with pytest.raises(RequestValidationError) as info:
        validated(FundsRequest, {"order_type": "limit", "units": {"value": "-1"}})
    line, code = describe(info.value)
    assert code == 2 and "\n" not in line
    assert line.startswith("units.value: ")
    with pytest.raises(RequestValidationError) as path_info:
        normalize_path("/v2/../../x")
    assert describe(path_info.value) == (
        "path: leaves the API (its '..' climbs above the base URL)",
        2,
    )

    class Refused(ThreeCommasError, ValueError):
        pass

    assert describe(Refused("base_url:\n  must be https")) == ("base_url: must be https", 2)


def test_the_cli_imports_typer_from_public_modules_only() -> None:
    """``typer._click`` exists only in recent typer; ``typer>=0.12`` is what the extra allows."""
    import re
    from pathlib import Path

    import threecommas_hedge

    root = Path(threecommas_hedge.__file__).parent
    private = re.compile(r"^\s*(from|import)\s+(typer|click|rich)\._", re.MULTILINE)
    offenders = [p.name for p in root.rglob("*.py") if private.search(p.read_text())]
    assert offenders == []
