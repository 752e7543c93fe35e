"""The typer application: commands, and errors as one line with a meaningful exit code.

Exit codes: 0 success; 1 the API or the network failed, or a confirmation was declined; 2 a
usage error (bad or missing flag, no credentials); 130 interrupted.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from threecommas_hedge._exceptions import ThreeCommasError

from .console import EXIT_FAILURE, CliError, make_console
from .demo import demo
from .errors import describe
from .fake_server import fake_server
from .manage import accounts, cancel, close, create, edit, list_trades, show
from .plan import plan
from .risk import risk, sweep
from .watch import watch

_INTERRUPTED = 130


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
        except NoArgsIsHelpError as error:
            error.show()
            code = error.exit_code
        except UsageError as error:
            hint = f" (see '{error.ctx.command_path} --help')" if error.ctx is not None else ""
            code = _fail(f"{error.format_message()}{hint}", error.exit_code)
        except typer.TyperException as error:
            code = _fail(error.format_message(), error.exit_code)
        except typer.Abort:
            code = _fail("aborted", EXIT_FAILURE)
        except CliError as error:
            code = _fail(error.message, error.exit_code)
        except ThreeCommasError as error:
            code = _fail(*describe(error))
        except KeyboardInterrupt:
            code = _fail("interrupted", _INTERRUPTED)
        else:
            code = result if isinstance(result, int) else 0
        sys.exit(code)


def _fail(message: str, code: int) -> int:
    make_console(stderr=True).print(f"Error: {message}", soft_wrap=True, markup=False)
    return code


app = typer.Typer(
    cls=OneLineErrors,
    name="threecommas-hedge",
    help="Hedge a spot holding with a 3Commas Smart Short (paper unless --real).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("demo")(demo)
app.command("plan")(plan)
app.command("risk")(risk)
app.command("sweep")(sweep)
app.command("create")(create)
app.command("list")(list_trades)
app.command("show")(show)
app.command("edit")(edit)
app.command("close")(close)
app.command("cancel")(cancel)
app.command("watch")(watch)
app.command("accounts")(accounts)
app.command("fake-server")(fake_server)


def main() -> None:
    """Run the command line."""
    app()
