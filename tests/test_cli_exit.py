"""The command line's process and the garbage collector: young collections less often while it
runs, the heap frozen before the interpreter's shutdown collections, after the exit handlers
the command registered (a subprocess each: these settings are for a process that ends)."""

from __future__ import annotations

import subprocess
import sys

EXIT = """
import atexit, gc, sys
from threecommas_hedge.cli import main
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0, file=sys.stderr))
print("frozen before:", gc.get_freeze_count() > 0, file=sys.stderr)
sys.argv = ["threecommas-hedge", *{args!r}]
{during}
main()
"""


def run(args: list[str], during: str = "") -> list[str]:
    code = EXIT.format(args=args, during=during)
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stderr.strip().splitlines()


def test_main_freezes_the_heap_at_exit_not_before() -> None:
    assert run(["--help"]) == ["frozen before: False", "frozen at exit: True"]


def test_exit_handlers_of_the_command_run_before_the_freeze() -> None:
    during = (
        "import threecommas_hedge._cli.app as app\n"
        "real = app.app\n"
        "def command():\n"
        "    atexit.register(lambda: print('handler sees frozen:', gc.get_freeze_count() > 0,"
        " file=sys.stderr))\n"
        "    real()\n"
        "app.app = command\n"
    )
    lines = run(["--help"], during)
    assert lines == ["frozen before: False", "handler sees frozen: False", "frozen at exit: True"]


def test_young_collections_are_rarer_while_the_command_runs() -> None:
    during = (
        "import threecommas_hedge._cli.app as app\n"
        "real = app.app\n"
        "default = gc.get_threshold()\n"
        "def command():\n"
        "    print('thresholds:', default, gc.get_threshold(), file=sys.stderr)\n"
        "    real()\n"
        "app.app = command\n"
    )
    line = run(["--help"], during)[1]
    default, running = line.removeprefix("thresholds: ").split(") (")
    _, *older = (int(n) for n in default.strip("()").split(", "))
    assert running.strip("()").split(", ") == ["10000", *(str(n) for n in older)]
