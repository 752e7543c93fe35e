"""The CLI stays optional: importing the package loads neither typer, rich nor matplotlib.

httpx itself imports rich (for its own command line) when rich is installed, so rich is checked
against what ``import httpx`` alone loads: the package must add none of those modules.
"""

from __future__ import annotations

import os
import subprocess
import sys

CHECK = """
import sys
import httpx, pydantic
before = set(sys.modules)
import threecommas_hedge
from threecommas_hedge import HedgeBuilder, HedgeScenario, SmartTradeCreate, ThreeCommas
from threecommas_hedge import SpotPosition, liquidation_price, simulate
import threecommas_hedge.cli
added = set(sys.modules) - before
heavy = ("typer", "rich", "matplotlib", "click")
print(sorted(m for m in added if m.split(".")[0] in heavy) or "none")
print(sorted(m for m in ("typer", "matplotlib") if m in sys.modules) or "none")
"""

PLAN = """
import sys
from threecommas_hedge.cli import main
sys.argv = ["threecommas-hedge", "plan", "--spot-qty", "1", "--price", "60000", "--ratio", "0.5"]
try:
    main()
except SystemExit as exit:
    assert exit.code == 0, exit.code
print("matplotlib" in sys.modules, "typer" in sys.modules, file=sys.stderr)
"""


def python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_importing_the_package_loads_no_cli_dependency() -> None:
    result = python(CHECK)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["none", "none"]


def test_plan_without_plot_does_not_import_matplotlib() -> None:
    result = python(PLAN)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "False True"
    assert "Short (Smart Short)" in result.stdout


HELP = """
import sys
from threecommas_hedge.cli import main
sys.argv = ["threecommas-hedge", *{args!r}]
try:
    main()
except SystemExit as exit:
    assert exit.code == 0, exit.code
ours = sorted(m for m in sys.modules if m.startswith("threecommas_hedge._cli.") or m in
              ("httpx", "pydantic", "typer._adapters", "threecommas_hedge._client",
               "threecommas_hedge.hedge.builder"))
print(" ".join(ours), file=sys.stderr)
"""


def test_help_loads_no_command_module_and_no_library() -> None:
    result = python(HELP.format(args=["--help"]))
    assert result.returncode == 0, result.stderr
    loaded = set(result.stderr.split())
    assert loaded <= {
        "threecommas_hedge._cli.app",
        "threecommas_hedge._cli.config",
        "threecommas_hedge._cli.console",
    }, loaded
    assert "plan" in result.stdout and "fake-price" in result.stdout


def test_plan_help_loads_only_the_plan_command() -> None:
    result = python(HELP.format(args=["plan", "--help"]))
    assert result.returncode == 0, result.stderr
    loaded = set(result.stderr.split())
    assert "threecommas_hedge._cli.plan" in loaded
    assert not loaded & {
        "httpx",
        "threecommas_hedge._client",
        "threecommas_hedge.hedge.builder",
        "threecommas_hedge._cli.manage",
        "threecommas_hedge._cli.planning",
    }


def test_plan_help_builds_no_pydantic_adapter_for_unset_group_options() -> None:
    """typer >= 0.25 coerces each option through a pydantic TypeAdapter: --config and --profile
    left unset must not load pydantic (a third of ``plan --help``'s start-up); given, they
    still are coerced and checked (the script's exit-code assertion fails then: exit 2)."""
    result = python(HELP.format(args=["plan", "--help"]))
    assert result.returncode == 0, result.stderr
    loaded = set(result.stderr.split())
    assert not loaded & {"pydantic", "typer._adapters"}, loaded
    given = python(HELP.format(args=["--config", "/nonexistent/config.toml", "plan", "--help"]))
    assert "Error: --config: /nonexistent/config.toml does not exist" in given.stderr


def test_listed_summaries_are_the_commands_own_first_docstring_lines() -> None:
    from typer.main import get_command

    from threecommas_hedge._cli.app import COMMANDS, OneLineErrors, app

    group = get_command(app)
    assert isinstance(group, OneLineErrors)
    for name, entry in COMMANDS.items():
        command = group.get_command(None, name)
        assert command is not None and command.name == name
        assert (command.help or "").strip().splitlines()[0] == entry.summary, name


def test_replay_help_loads_only_the_replay_command() -> None:
    result = python(HELP.format(args=["replay", "--help"]))
    assert result.returncode == 0, result.stderr
    loaded = set(result.stderr.split())
    assert "threecommas_hedge._cli.replay" in loaded
    assert not loaded & {
        "httpx",
        "threecommas_hedge._client",
        "threecommas_hedge.hedge.builder",
        "threecommas_hedge._cli.planning",
    }


DEMO = """
import os, sys
from threecommas_hedge.cli import main
os.environ["XDG_CONFIG_HOME"] = "/nonexistent-threecommas-hedge-test"  # no config file
sys.argv = ["threecommas-hedge", "demo"]
try:
    main()
except SystemExit as exit:
    assert exit.code == 0, exit.code
import httpx, os
print(os.environ.get("OPENBLAS_NUM_THREADS"), file=sys.stderr)
print(httpx.main.__module__, file=sys.stderr)
print(" ".join(sorted(m for m, mod in sys.modules.items() if mod is not None)), file=sys.stderr)
"""


def test_demo_loads_only_what_it_prints() -> None:
    """The demo's start (issue 18): no RSA crypto for the fake's HMAC key, no httpx command line
    (click's pygments, rich.progress and rich.syntax), no progress bar for its short replay, no
    typer adapter for its unset options (``--help`` included), only the risk modules it uses,
    one OpenBLAS thread unless the user chose a number; no TOML parser without a config file,
    no loopback HTTP server for the in-process fake, no wait machinery of live hedges, no price
    file loader for GBM paths, no ``numpy.ma`` (numpy's quantile loads it), no httpcore."""
    result = python(DEMO)
    assert result.returncode == 0, result.stderr
    assert "Paths:" in result.stdout  # the risk section ran
    blas_threads, httpx_main_module, modules = result.stderr.strip().splitlines()[-3:]
    assert blas_threads == os.environ.get("OPENBLAS_NUM_THREADS", "1")
    loaded = set(modules.split())
    assert httpx_main_module == "httpx"  # httpx's stub `main`, not httpx._main's command line
    assert "httpx._main" not in loaded
    assert "threecommas_hedge.risk.evaluate" in loaded
    assert not loaded & {
        "cryptography",
        "pygments",
        "rich.progress",
        "rich.syntax",
        "typer._adapters",
        "threecommas_hedge.risk.ratio",
        "threecommas_hedge.risk.sweep",
        "threecommas_hedge.risk.loader",
        "tomllib",
        "http.server",
        "threecommas_hedge.testing._http_server",
        "threecommas_hedge.live.wait",
        "numpy.ma",
    }, loaded
    # httpcore loads only with the sync client's own transport (the demo lends a mock), unless
    # httpx itself imports it (httpx before 0.28, as in the lowest-versions CI run)
    if python("import sys, httpx; print('httpcore' in sys.modules)").stdout.strip() == "False":
        assert "httpcore" not in loaded
