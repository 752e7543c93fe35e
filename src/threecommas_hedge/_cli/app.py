"""The typer application: commands, and errors as one line with a meaningful exit code.

Exit codes: 0 success; 1 the API or the network failed, or a confirmation was declined; 2 a
usage error (bad or missing flag, no credentials); 130 interrupted.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from . import config
from .console import EXIT_FAILURE, CliError, make_console

_INTERRUPTED = 130


def _click_class(name: str) -> type[Exception]:
    """A class of the click typer runs on (its own copy in recent typer, the click package
    before), found among the public ``typer.BadParameter``'s bases: no private module."""
    return next(c for c in typer.BadParameter.__mro__ if c.__name__ == name)


_USAGE_ERROR = _click_class("UsageError")
_CLICK_ERROR = _click_class("ClickException")


class OneLineErrors(TyperGroup):
    """A group whose failures print ``Error: <message>`` on one line instead of a traceback
    or a boxed panel."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            result = super().main(
                args, prog_name, complete_var, False, windows_expand_args, **extra
            )
        except _USAGE_ERROR as caught:
            error: Any = caught
            if type(error).__name__ == "NoArgsIsHelpError":  # click >= 8.2: help, then exit 2
                error.show()
                code = error.exit_code
            else:
                hint = f" (see '{error.ctx.command_path} --help')" if error.ctx is not None else ""
                code = _fail(f"{error.format_message()}{hint}", error.exit_code)
        except _CLICK_ERROR as caught:
            error = caught
            code = _fail(error.format_message(), error.exit_code)
        except typer.Abort:
            code = _fail("aborted", EXIT_FAILURE)
        except CliError as error:
            code = _fail(error.message, error.exit_code)
        except KeyboardInterrupt:
            code = _fail("interrupted", _INTERRUPTED)
        except Exception as error:
            code = _library_error(error)
        else:
            code = result if isinstance(result, int) else 0
        sys.exit(code)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command, its module imported only now; a stub with the static one-line help
        while the group's own help lists the commands (so ``--help`` imports none of them)."""
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        if self._listing:
            return TyperCommand(cmd_name, help=entry.summary)
        return _load(cmd_name, entry)

    _listing = False

    def get_params(self, ctx: Any) -> list[Any]:
        return _unset_first(super().get_params(ctx))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def _unset_first(params: list[Any]) -> list[Any]:
    """``params`` with :class:`_UnsetFirst` coercion (typer >= 0.25 coerces every option through
    a pydantic adapter, built on first use; older typer has none of this and is left alone)."""
    for param in params:
        if getattr(param, "_runtime_param", False) is None:
            param._runtime_param = _UnsetFirst()
    return params


class _UnsetFirst:
    """The coercion of an option: an option left unset (``None``, or a flag's bool) stays as it
    is without typer building its pydantic adapter, so ``plan --help`` does not import pydantic
    for the group's --config and --profile (about a third of its start-up) and a command pays
    only for the options it is given."""

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None or isinstance(value, bool):
            return value
        param._runtime_param = None  # typer's own coercion, built on first use
        return param.get_runtime_param().coerce(value, param=param, ctx=ctx)


@dataclass(frozen=True)
class Entry:
    """Where a command lives and its one-line help (the first line of its docstring)."""

    module: str
    function: str
    summary: str


COMMANDS: dict[str, Entry] = {
    "demo": Entry(
        "demo",
        "demo",
        "Replay the article's hedge offline, on a simulated exchange (no account needed).",
    ),
    "plan": Entry(
        "plan",
        "plan",
        "Review a hedge offline: payload, estimated PnL, risk/reward, liquidation, scenarios.",
    ),
    "replay": Entry(
        "replay",
        "replay",
        "Replay a hedge along a file of prices: its fills, then spot, hedge and net at the end.",
    ),
    "risk": Entry(
        "risk",
        "risk",
        "How much risk does the hedge remove? Replay it over thousands of price paths.",
    ),
    "sweep": Entry(
        "risk",
        "sweep",
        "Which ratio, stop loss and take profit remove the most risk? Replay each on the same "
        "paths.",
    ),
    "create": Entry(
        "manage",
        "create",
        "Create the hedge (a Smart Short) on your futures account: paper unless --real.",
    ),
    "list": Entry("manage", "list_trades", "List your hedges (Smart Shorts), newest first."),
    "show": Entry(
        "manage", "show", "Show one SmartTrade: status, position, targets, liquidation, profit."
    ),
    "edit": Entry(
        "manage",
        "edit",
        "Move the take profit and/or the stop loss of a hedge (checked before sending).",
    ),
    "close": Entry(
        "manage",
        "close",
        "Close a hedge now at market (the short is bought back; your spot stays).",
    ),
    "cancel": Entry(
        "manage",
        "cancel",
        "Cancel a SmartTrade (an entered short stays open, unmanaged: `close` buys it back).",
    ),
    "portfolio": Entry(
        "portfolio",
        "portfolio",
        "Plan, open, follow or close one Smart Short per coin of a spot account.",
    ),
    "keep": Entry(
        "keep",
        "keep",
        "Keep a spot account hedged: follow the bag, re-arm after exits, survive restarts.",
    ),
    "watch": Entry(
        "watch",
        "watch",
        "Watch a hedge until it is closed: status, fills, targets and PnL (read only).",
    ),
    "accounts": Entry(
        "manage",
        "accounts",
        "List your connected exchange accounts (use a futures account id for `create`).",
    ),
    "fake-server": Entry(
        "fake_server",
        "fake_server",
        "Serve a fake 3Commas on loopback HTTP (Ctrl-C stops it); prints its URL and credentials.",
    ),
    "fake-price": Entry(
        "fake_server",
        "fake_price",
        "Move a market of a running `fake-server` (TP and SL fill as the price passes them).",
    ),
}
"""Every command, in the order ``--help`` lists them."""


def _load(name: str, entry: Entry) -> Any:
    function = getattr(importlib.import_module(f"{__package__}.{entry.module}"), entry.function)
    single = typer.Typer(**_SETTINGS)
    single.command(name, cls=_Command)(function)
    command = typer.main.get_command(single)
    command.name = name
    return command


class _Command(TyperCommand):
    """A loaded command whose options, its ``--help`` flag included, use :class:`_UnsetFirst`."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _unset_first(super().get_params(ctx))


def _library_error(error: Exception) -> int:
    """One line for an error of the library (imported only when one happens); else re-raise."""
    from threecommas_hedge._exceptions import ThreeCommasError

    from .errors import describe

    if not isinstance(error, ThreeCommasError):
        raise error
    return _fail(*describe(error))


def _fail(message: str, code: int) -> int:
    make_console(stderr=True).print(f"Error: {message}", soft_wrap=True, markup=False)
    return code


_SETTINGS: dict[str, Any] = {
    "add_completion": False,
    "pretty_exceptions_enable": False,
    "context_settings": {"help_option_names": ["-h", "--help"]},
}

app = typer.Typer(
    cls=OneLineErrors,
    name="threecommas-hedge",
    help="Hedge a spot holding with a 3Commas Smart Short (paper unless --real).",
    no_args_is_help=True,
    **_SETTINGS,
)


@app.callback()
def _settings(
    ctx: typer.Context,
    config_file: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Config file with option defaults in profiles "
            "(default: $XDG_CONFIG_HOME/threecommas-hedge/config.toml).",
            metavar="PATH",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            envvar="THREECOMMAS_PROFILE",
            help="Use the profile.NAME table of the config file over its default table.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Hedge a spot holding with a 3Commas Smart Short (paper unless --real)."""
    settings = config.load(config_file, profile)
    if settings:
        group: Any = ctx.command
        commands = {name: group.get_command(ctx, name) for name in group.list_commands(ctx)}
        source = str(config_file or config.default_path())
        ctx.default_map = config.default_map(settings, commands, source)


_GC_YOUNG_THRESHOLD = 10_000
"""Allocations between two young-generation collections in a CLI process (Python's default:
700). Start-up creates some 60,000 long-lived objects (typer, rich, pydantic's schemas, numpy)
and few cycles: at 700 the collector walks them about 150 times during the demo (~50 ms), at
10,000 about 10 times (~25 ms)."""


def tune_gc() -> None:
    """The garbage collector for a CLI process: young collections every
    :data:`_GC_YOUNG_THRESHOLD` allocations, and the heap frozen at exit."""
    gc.set_threshold(_GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    # At exit, freeze the heap: the interpreter's shutdown collections then skip it instead of
    # walking it several times (about 70 ms of the demo's exit), and the OS frees the memory.
    # Registered here, it runs after the exit handlers registered while the command ran.
    atexit.register(gc.freeze)


def main() -> None:
    """Run the command line."""
    tune_gc()
    app()
