"""The config file: defaults for any command's options, in profiles.

``$XDG_CONFIG_HOME/threecommas-hedge/config.toml`` (``~/.config/...`` without the variable), or
``--config PATH``. ``[default]`` applies to every run, ``[profile.NAME]`` on top of it with
``--profile NAME``. Keys are long option names without the dashes (``account-id = 32000001``,
``leverage = 3``, ``funding-rate = 0.01``); ``mode = "real"`` stands for ``--real``. A key
applies to each command that has that option; options typed on the command line win, then
environment variables, then the profile, then ``[default]``.

Credentials never go in this file: keys such as ``api-secret`` are refused. They stay in the
environment (``THREECOMMAS_API_KEY`` ...).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .console import EXIT_USAGE, CliError

APP_DIR = "threecommas-hedge"
FILE_NAME = "config.toml"
MODES = ("paper", "real")
_SECRET_WORDS = ("secret", "private-key", "private_key", "api-key", "api_key", "password", "token")


def default_path() -> Path:
    """Where the config file is looked for when ``--config`` is not given."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP_DIR / FILE_NAME


def load(path: Path | None, profile: str | None) -> dict[str, Any]:
    """The settings of ``profile`` over ``[default]`` (``{}`` when there is no file).

    A ``--config`` file that does not exist, a file that is not TOML, an unknown profile, or a
    credential in the file is a usage error naming the file.
    """
    explicit = path is not None
    path = path if path is not None else default_path()
    if not path.is_file():
        if explicit:
            raise CliError(f"--config: {path} does not exist", EXIT_USAGE)
        if profile is not None:
            raise CliError(f"--profile {profile}: no config file at {path}", EXIT_USAGE)
        return {}
    if sys.version_info >= (3, 11):  # imported only when there is a file to read
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CliError(f"config {path}: {error}", EXIT_USAGE) from None
    unknown = sorted(set(document) - {"default", "profile"})
    if unknown:
        raise CliError(
            f"config {path}: unknown table {unknown[0]!r} (use [default] and [profile.NAME])",
            EXIT_USAGE,
        )
    settings = dict(_table(document, "default", path))
    if profile is not None:
        profiles = _table(document, "profile", path)
        if profile not in profiles:
            known = ", ".join(sorted(profiles)) or "none"
            raise CliError(f"--profile {profile}: not in {path} (profiles: {known})", EXIT_USAGE)
        settings.update(_table(profiles, profile, path, prefix="profile."))
    for key in settings:
        if any(word in key.lower() for word in _SECRET_WORDS):
            raise CliError(
                f"config {path}: {key!r} looks like a credential; keep credentials in the "
                "environment (THREECOMMAS_API_KEY, THREECOMMAS_API_SECRET or "
                "THREECOMMAS_PRIVATE_KEY), never in the config file",
                EXIT_USAGE,
            )
    return settings


def default_map(
    settings: Mapping[str, Any], commands: Mapping[str, Any], source: str
) -> dict[str, dict[str, Any]]:
    """click's ``default_map``: per command, the parameter name -> value of each setting that
    command has. A key that no command knows is a usage error naming it."""
    if "mode" in settings and settings["mode"] not in MODES:
        raise CliError(f"config {source}: mode must be 'paper' or 'real'", EXIT_USAGE)
    used: set[str] = set()
    result: dict[str, dict[str, Any]] = {}
    for name, command in commands.items():
        values: dict[str, Any] = {}
        for parameter in _options(command.params):
            for key in _keys(parameter):
                if key in settings:
                    values[parameter.name or key] = _text(settings[key])
                    used.add(key)
            if "--real" in parameter.opts and "mode" in settings:
                values[parameter.name or "real"] = settings["mode"] == "real"
                used.add("mode")
        if values:
            result[name] = values
    unknown = sorted(set(settings) - used)
    if unknown:
        raise CliError(
            f"config {source}: {unknown[0]!r} is not an option of any command "
            "(keys are long option names without the dashes, e.g. account-id)",
            EXIT_USAGE,
        )
    return result


def _table(document: Mapping[str, Any], name: str, path: Path, prefix: str = "") -> dict[str, Any]:
    table = document.get(name, {})
    if not isinstance(table, dict):
        raise CliError(f"config {path}: [{prefix}{name}] must be a table", EXIT_USAGE)
    return table


def _options(parameters: Iterable[Any]) -> Iterable[Any]:
    """The visible options among a command's parameters (typer's click, vendored or not)."""
    return (
        p for p in parameters if p.param_type_name == "option" and not getattr(p, "hidden", False)
    )


def _keys(parameter: Any) -> list[str]:
    return [opt[2:] for opt in parameter.opts if opt.startswith("--") and opt != "--real"]


def _text(value: Any) -> Any:
    """TOML numbers as text, so each option's own parser reads them (decimals never float)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return repr(value)  # the shortest text that reads back as the number written
    if isinstance(value, list):
        return [_text(item) for item in value]
    return value
