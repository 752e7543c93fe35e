"""The package root: every public name resolves lazily, and importing it stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import threecommas_hedge


def test_every_exported_name_resolves() -> None:
    for name in threecommas_hedge.__all__:
        assert getattr(threecommas_hedge, name) is not None, name


def test_all_lists_exactly_the_lazy_exports() -> None:
    exported = set(threecommas_hedge._EXPORTS)
    assert set(threecommas_hedge.__all__) == exported | {"__version__"}


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="DoesNotExist"):
        threecommas_hedge.DoesNotExist  # noqa: B018


def test_import_loads_no_cli_or_crypto_or_plotting() -> None:
    code = (
        "import sys, threecommas_hedge\n"
        "heavy = [m for m in ('typer', 'rich', 'matplotlib', 'cryptography') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(  # noqa: S603 - runs this interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_the_version_is_written_once() -> None:
    """pyproject.toml reads the version from the package (hatch), so the two cannot drift."""
    from pathlib import Path

    import tomllib

    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["hatch"]["version"]["path"] == "src/threecommas_hedge/__init__.py"
    assert threecommas_hedge.__version__.count(".") == 2
