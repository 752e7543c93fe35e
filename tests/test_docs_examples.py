"""Every Python block of docs/ and README.md runs here, so the docs cannot drift from the code.

The conventions (also in docs/guides/docs-examples.md):

- A block is a script of its own: it runs in a fresh namespace and carries its imports.
- A block fenced ``{.py .continue title="..."}`` continues the block before it on the same page
  and runs in the namespace that block left; its title tells the reader so.
- Printed output is checked in docs/: each ``print(...)`` is followed by the output it gives, as
  a ``#> ...`` comment or a triple-quoted block (``pytest --update-examples`` rewrites them).
  README.md's blocks only run: the front page writes its output as plain comments.
- ``console`` blocks are command-line sessions: every ``$ threecommas-hedge ...`` line runs (in
  process, one fake per block) and the lines shown under it must appear in its output (stdout, then
  stderr) in that order (``...`` elides). It must exit 0, or fail if it shows an ``Error: ...``.
  Other shell commands go in ``bash`` blocks, which do not run.
- Blocks written for a real account run against a fake: https://api.3commas.io is routed to a
  ``FakeThreeCommas`` whose credentials are the docs' placeholders (``...``), also set as
  ``THREECOMMAS_API_KEY`` / ``THREECOMMAS_API_SECRET``. Nothing reaches the network: respx refuses
  every other request. A block that sets up respx itself is left to its own routes.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import respx
from pytest_examples import CodeExample, EvalExample, find_examples

from threecommas_hedge.cli import main as cli_main
from threecommas_hedge.testing import FakeThreeCommas

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
API_HOST = "api.3commas.io"
PLACEHOLDER = "..."
CONSOLE = re.compile(r"^```console\n(.*?)^```", re.MULTILINE | re.DOTALL)
PROMPT = "$ "
PROGRAM = "threecommas-hedge"
PYTHON = frozenset({"py", "python"})


def _language(example: CodeExample) -> str:
    return example.prefix.split()[0].strip("{.") if example.prefix.strip() else ""


def _chains(examples: list[CodeExample]) -> list[list[CodeExample]]:
    """Blocks grouped so that each ``.continue`` block follows the one it continues."""
    chains: list[list[CodeExample]] = []
    for example in examples:
        if "continue" in example.prefix_tags():
            if not chains or chains[-1][-1].path != example.path:
                raise ValueError(
                    f"{example}: a .continue block needs a block before it on its page"
                )
            if "title=" not in example.prefix:
                raise ValueError(
                    f"{example}: a .continue block needs a title saying what it continues"
                )
            chains[-1].append(example)
        else:
            chains.append([example])
    return chains


def _examples() -> list[CodeExample]:
    found = find_examples(ROOT / "docs", README)
    return [example for example in found if _language(example) in PYTHON]


EXAMPLES = _examples()
CHAINS = _chains(EXAMPLES)


def _chain_id(chain: list[CodeExample]) -> str:
    first = chain[0]
    return f"{first.path.relative_to(ROOT)}:{first.start_line}"


@contextlib.contextmanager
def _api_is_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeThreeCommas]:
    """https://api.3commas.io answered by a fake; every other request refused.

    The fake's credentials are the docs' placeholders (``...``), also put in the environment, so
    a block written for a real account runs unchanged. It has a paper futures account and BTC at
    60,000 USDT.
    """
    fake = FakeThreeCommas(api_key=PLACEHOLDER, api_secret=PLACEHOLDER)
    fake.add_account()
    fake.set_price("USDT_BTCUSDT", Decimal("60000"))
    monkeypatch.setenv("THREECOMMAS_API_KEY", PLACEHOLDER)
    monkeypatch.setenv("THREECOMMAS_API_SECRET", PLACEHOLDER)
    with respx.mock(assert_all_called=False) as router:
        router.route(host=API_HOST).mock(side_effect=fake.transport.handle_request)
        yield fake


def _mocks_http_itself(chain: list[CodeExample]) -> bool:
    """Whether the blocks set up respx themselves (an outer respx router would answer first)."""
    return any("respx.mock" in example.source for example in chain)


def _run(
    eval_example: EvalExample, example: CodeExample, namespace: dict[str, Any] | None
) -> dict[str, Any]:
    """Run one block (checking its printed output) in ``namespace``; return the namespace left."""
    if example.path == README:
        run = eval_example.run  # the front page shows its output as plain comments: run only
    elif eval_example.update_examples:
        run = eval_example.run_print_update
    else:
        run = eval_example.run_print_check
    try:
        return run(example, module_globals=namespace)
    except Exception as exc:  # a block failed: report where, without pytest-examples' traceback
        error = exc
    pytest.fail(_where(example, error), pytrace=False)


def _where(example: CodeExample, error: BaseException) -> str:
    """``page.md:line: Error: message``, the line being the block's deepest line in the trace.

    pytest-examples rewrites the traceback onto the Markdown file in a way pytest cannot format
    on Python 3.11, so the failure is described from the line numbers alone.
    """
    lines = [
        line
        for frame, line in traceback.walk_tb(error.__traceback__)
        if frame.f_code.co_filename == str(example.path)
    ]
    where = f"{example.path.relative_to(ROOT)}:{lines[-1] if lines else example.start_line}"
    return f"{where}: {type(error).__name__}: {error}"


@pytest.mark.parametrize("chain", CHAINS, ids=[_chain_id(chain) for chain in CHAINS])
def test_docs_example(
    chain: list[CodeExample], eval_example: EvalExample, monkeypatch: pytest.MonkeyPatch
) -> None:
    eval_example.set_config(line_length=100)
    with contextlib.ExitStack() as stack:
        if not _mocks_http_itself(chain):
            stack.enter_context(_api_is_fake(monkeypatch))
        namespace: dict[str, Any] | None = None
        for example in chain:
            namespace = _run(eval_example, example, namespace)


@dataclass(frozen=True)
class Command:
    """One ``$ threecommas-hedge ...`` line of a console block and the output shown under it."""

    argv: tuple[str, ...]
    shown: tuple[str, ...]


@dataclass(frozen=True)
class ConsoleBlock:
    path: Path
    line: int
    commands: tuple[Command, ...]


def _console_blocks(path: Path) -> list[ConsoleBlock]:
    text = path.read_text("utf-8")
    blocks = []
    for match in CONSOLE.finditer(text):
        line = text[: match.start()].count("\n") + 1
        commands: list[Command] = []
        for row in match.group(1).splitlines():
            if row.startswith(PROMPT):
                argv = shlex.split(row.removeprefix(PROMPT))
                if argv[:1] != [PROGRAM]:
                    raise ValueError(f"{path}:{line}: console blocks run {PROGRAM} only: {row}")
                commands.append(Command(tuple(argv[1:]), ()))
            elif commands:
                last = commands[-1]
                commands[-1] = Command(last.argv, (*last.shown, row.rstrip()))
            else:
                raise ValueError(f"{path}:{line}: output before any command: {row}")
        blocks.append(ConsoleBlock(path, line, tuple(commands)))
    return blocks


CONSOLE_BLOCKS = [
    block for page in sorted((ROOT / "docs").glob("**/*.md")) for block in _console_blocks(page)
]


def _shown_in_order(shown: tuple[str, ...], output: str) -> str | None:
    """The first shown line missing from ``output`` (in order, ``...`` skipped), else None."""
    lines = iter(line.rstrip() for line in output.splitlines())
    for expected in shown:
        if expected in ("...", ""):
            continue
        if not any(line == expected for line in lines):
            return expected
    return None


@pytest.mark.parametrize(
    "block",
    CONSOLE_BLOCKS,
    ids=[f"{block.path.relative_to(ROOT)}:{block.line}" for block in CONSOLE_BLOCKS],
)
def test_docs_command_line(
    block: ConsoleBlock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")
    with _api_is_fake(monkeypatch):
        for command in block.commands:
            monkeypatch.setattr(sys, "argv", [PROGRAM, *command.argv])
            with pytest.raises(SystemExit) as exited:
                cli_main()
            captured = capsys.readouterr()
            where = (
                f"{block.path.relative_to(ROOT)}:{block.line}: {PROGRAM} {shlex.join(command.argv)}"
            )
            shows_error = any(line.startswith("Error: ") for line in command.shown)
            if shows_error:
                assert exited.value.code not in (0, None), (
                    f"{where} succeeded, the docs say it fails"
                )
            else:
                assert exited.value.code in (0, None), f"{where} failed:\n{captured.err}"
            missing = _shown_in_order(command.shown, f"{captured.out}\n{captured.err}")
            assert missing is None, (
                f"{where}: the docs show a line it no longer prints: {missing!r}"
            )


def test_docs_have_examples() -> None:
    """The collection above found the pages' blocks (a broken glob would pass silently)."""
    pages = {example.path.relative_to(ROOT).as_posix() for example in EXAMPLES}
    assert {"docs/index.md", "docs/tutorial.md", "docs/guides/builder.md"} <= pages
    sessions = {block.path.relative_to(ROOT).as_posix() for block in CONSOLE_BLOCKS}
    assert {"docs/tutorial.md", "docs/guides/cli.md"} <= sessions


def _block(prefix: str, page: str = "docs/page.md") -> CodeExample:
    return CodeExample.create("x = 1\n", path=ROOT / page, prefix=prefix)


def test_a_continue_block_joins_the_block_before_it() -> None:
    first, second = _block("python"), _block('{.py .continue title="continued from above"}')
    third = _block("py")
    assert _chains([first, second, third]) == [[first, second], [third]]


def test_a_continue_block_needs_a_block_before_it_on_its_page() -> None:
    first = _block("python", "docs/other.md")
    second = _block('{.py .continue title="continued from above"}')
    with pytest.raises(ValueError, match="needs a block before it"):
        _chains([first, second])
    with pytest.raises(ValueError, match="needs a block before it"):
        _chains([second])


def test_a_continue_block_needs_a_title() -> None:
    with pytest.raises(ValueError, match="needs a title"):
        _chains([_block("python"), _block("{.py .continue}")])


def test_only_python_blocks_run() -> None:
    assert [_language(_block(prefix)) for prefix in ("python", "py", "{.py .continue}")] == [
        "python",
        "py",
        "py",
    ]
    assert _language(_block("pycon")) not in PYTHON
    assert _language(_block("")) not in PYTHON


def test_blocks_with_their_own_respx_routes_are_left_to_them() -> None:
    own = CodeExample.create("with respx.mock(base_url=API) as api:\n    pass\n", prefix="python")
    assert _mocks_http_itself([_block("python"), own])
    assert not _mocks_http_itself([_block("python")])


def test_console_blocks_are_parsed_into_commands_and_shown_output(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "Text\n\n```console\n$ threecommas-hedge plan --tp 55000\nRisk/reward  1 : 2.78\n...\n"
        "$ threecommas-hedge list\n```\n\n```bash\n$ pip install .\n```\n"
    )
    (block,) = _console_blocks(page)
    assert block.line == 3
    assert block.commands == (
        Command(("plan", "--tp", "55000"), ("Risk/reward  1 : 2.78", "...")),
        Command(("list",), ()),
    )


def test_console_blocks_run_the_command_line_only(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```console\n$ pip install .\n```\n")
    with pytest.raises(ValueError, match="run threecommas-hedge only"):
        _console_blocks(page)
    page.write_text("```console\noutput first\n$ threecommas-hedge list\n```\n")
    with pytest.raises(ValueError, match="output before any command"):
        _console_blocks(page)


def test_shown_lines_must_appear_in_order() -> None:
    output = "a  \nb\nc\n"
    assert _shown_in_order(("a", "...", "c"), output) is None
    assert _shown_in_order(("c", "a"), output) == "a"
    assert _shown_in_order(("d",), output) == "d"


def test_a_failing_block_fails_with_its_page_and_line(eval_example: EvalExample) -> None:
    broken = CodeExample.create(
        "x = 1\nraise ValueError('boom')\n", path=ROOT / "docs/page.md", prefix="python"
    )
    with pytest.raises(pytest.fail.Exception, match=r"^docs/page\.md:2: ValueError: boom$"):
        _run(eval_example, broken, None)


def test_a_block_whose_output_changed_fails(eval_example: EvalExample) -> None:
    if eval_example.update_examples:
        pytest.skip("--update-examples rewrites outputs instead of checking them")
    stale = CodeExample.create("print(1 + 1)\n#> 3\n", path=ROOT / "docs/page.md", prefix="python")
    with pytest.raises(pytest.fail.Exception, match="Print output changed"):
        _run(eval_example, stale, None)
