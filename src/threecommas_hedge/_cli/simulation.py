"""The paths behind ``risk``, ``sweep`` and the demo's risk section, and the progress bar.

``--vol`` draws geometric Brownian motion (annual volatility and ``--drift`` in %, 365-day year);
``--history FILE`` bootstraps blocks of the file's returns (``--block`` steps each). The horizon
is ``--days``; a GBM step is ``--step`` seconds, by default the smallest whole minute that keeps
the run within 1,440 steps; a history's step is the file's own. numpy is imported only here,
when a command runs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from .console import EXIT_USAGE, CliError, flag_error
from .options import parse_decimal

if TYPE_CHECKING:  # pragma: no cover
    from rich.progress import Progress

    from threecommas_hedge.risk.outcomes import FloatArray

_DAY = 86400
_MAX_AUTO_STEPS = 1440
_UNITS = (("day", _DAY), ("hour", 3600), ("minute", 60), ("second", 1))
_HUNDRED = Decimal(100)
SAMPLE_PATHS = 40
"""Paths kept aside for the figure."""

VolOption = Annotated[
    Decimal | None,
    typer.Option(
        "--vol",
        help="Annual volatility in % for random (GBM) paths: 60.",
        metavar="PERCENT",
        parser=parse_decimal,
    ),
]
DriftOption = Annotated[
    Decimal,
    typer.Option(
        "--drift",
        help="Annual drift in % of the GBM paths.",
        metavar="PERCENT",
        parser=parse_decimal,
        show_default=False,
    ),
]
HistoryOption = Annotated[
    Path | None,
    typer.Option(
        "--history",
        help="Bootstrap the returns of this price file (Binance kline CSV or a close column).",
        metavar="FILE",
        dir_okay=False,
    ),
]
BlockOption = Annotated[
    int, typer.Option("--block", help="Steps per bootstrap block (--history).", min=1)
]
StepOption = Annotated[
    int | None,
    typer.Option("--step", help="Seconds per GBM step (default: up to 1,440 steps).", min=1),
]
SeedOption = Annotated[
    int | None, typer.Option("--seed", help="Random seed, for a run you can repeat.")
]
PathsOption = Annotated[
    int, typer.Option("--paths", help="Number of price paths.", min=1, max=1_000_000)
]


@dataclass(frozen=True)
class PathSpec:
    """How to draw the paths: GBM (``volatility``) or a bootstrap of ``history``."""

    start: Decimal
    steps: int
    step_seconds: int
    paths: int
    seed: int | None
    volatility: Decimal | None = None
    drift: Decimal = Decimal(0)
    history: Path | None = None
    block: int = 60

    def describe(self) -> str:
        """One line: how many paths of which kind, step and horizon."""
        step = _duration(self.step_seconds, adjective=True)
        horizon = _duration(self.steps * self.step_seconds)
        seed = "" if self.seed is None else f", seed {self.seed}"
        if self.volatility is not None:
            kind = (
                f"random (GBM) paths, volatility {self.volatility:f} %/yr, "
                f"drift {self.drift:f} %/yr"
            )
        else:
            name = self.history.name if self.history is not None else "history"
            kind = f"paths bootstrapped from {name} in blocks of {self.block}"
        return f"{self.paths:,} {kind}, {step} steps over {horizon}{seed}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (decimals as strings)."""
        return {
            "kind": "gbm" if self.volatility is not None else "bootstrap",
            "paths": self.paths,
            "steps": self.steps,
            "step_seconds": self.step_seconds,
            "seed": self.seed,
            "start": str(self.start),
            "volatility_percent": None if self.volatility is None else str(self.volatility),
            "drift_percent": str(self.drift),
            "history": None if self.history is None else str(self.history),
            "block": self.block if self.history is not None else None,
        }


def path_spec(
    *,
    start: Decimal,
    days: Decimal,
    vol: Decimal | None,
    drift: Decimal,
    history: Path | None,
    block: int,
    step: int | None,
    paths: int,
    seed: int | None,
) -> PathSpec:
    """Check the path flags together; a usage error names the flag."""
    if (vol is None) == (history is None):
        raise flag_error("--vol/--history", "give one: a volatility in %, or a price file")
    if days <= 0:
        raise flag_error("--days", f"the horizon must be positive (got {days})")
    horizon = days * _DAY
    if vol is not None:
        if vol < 0:
            raise flag_error("--vol", f"must not be negative (got {vol})")
        seconds = step or max(60, math.ceil(horizon / _MAX_AUTO_STEPS / 60) * 60)
        return PathSpec(
            start=start,
            steps=_steps(horizon, seconds),
            step_seconds=seconds,
            paths=paths,
            seed=seed,
            volatility=vol,
            drift=drift,
        )
    assert history is not None
    if drift:
        raise flag_error("--drift", "only with --vol (a bootstrap keeps the history's drift)")
    from threecommas_hedge.risk import load_closes

    try:
        series = load_closes(history)
    except ValueError as error:
        raise flag_error("--history", str(error)) from None
    own = series.step_seconds
    if own is None and step is None:
        raise flag_error("--step", f"{history.name} has no times: give the seconds per line")
    seconds = int(own) if own is not None else int(step or 0)
    if step is not None and own is not None and step != seconds:
        raise flag_error("--step", f"{history.name} has {seconds}-second steps (got {step})")
    if len(series) - 1 < block:
        raise flag_error(
            "--block", f"{history.name} has {len(series) - 1} returns, fewer than a block"
        )
    return PathSpec(
        start=start,
        steps=_steps(horizon, seconds),
        step_seconds=seconds,
        paths=paths,
        seed=seed,
        history=history,
        block=block,
    )


def _steps(horizon: Decimal, seconds: int) -> int:
    steps = int(horizon // seconds)
    if steps < 1:
        raise flag_error("--days", f"the horizon is shorter than one {seconds}-second step")
    return steps


def _duration(seconds: int, *, adjective: bool = False) -> str:
    """``5 minutes``; as an adjective ``5-minute`` (``1 minute`` either way)."""
    unit, count = next((unit, seconds // size) for unit, size in _UNITS if seconds % size == 0)
    if count == 1:
        return f"1 {unit}"
    return f"{count:,}-{unit}" if adjective else f"{count:,} {unit}s"


def chunks(spec: PathSpec) -> Iterator[FloatArray]:
    """The paths, a chunk at a time."""
    from threecommas_hedge import risk

    if spec.volatility is not None:
        return risk.gbm_chunks(
            start=spec.start,
            annual_volatility=float(spec.volatility / _HUNDRED),
            drift=float(spec.drift / _HUNDRED),
            steps=spec.steps,
            step_seconds=spec.step_seconds,
            paths=spec.paths,
            seed=spec.seed,
        )
    assert spec.history is not None
    return risk.bootstrap_chunks(
        risk.load_closes(spec.history),
        start=spec.start,
        steps=spec.steps,
        paths=spec.paths,
        block=spec.block,
        seed=spec.seed,
    )


def all_paths(spec: PathSpec) -> FloatArray:
    """The paths as one array (a sweep replays them for every combination)."""
    import numpy as np

    return np.vstack(list(chunks(spec)))


class Samples:
    """The chunks, passed through, keeping the first :data:`SAMPLE_PATHS` rows for the figure."""

    def __init__(self, source: Iterator[FloatArray]) -> None:
        self._source = source
        self.rows: FloatArray | None = None

    def __iter__(self) -> Iterator[FloatArray]:
        for chunk in self._source:
            if self.rows is None:
                self.rows = chunk[:SAMPLE_PATHS].copy()
            yield chunk


@contextmanager
def progress_bar(console: Console, label: str) -> Iterator[Callable[[int, int | None], None]]:
    """A progress callback that shows a bar once the run has taken a second, on a terminal."""
    started = time.monotonic()
    isatty = getattr(console.file, "isatty", None)
    terminal = isatty is not None and isatty()
    bar: Progress | None = None
    task = None

    def update(done: int, total: int | None) -> None:
        nonlocal bar, task
        if not terminal or time.monotonic() - started < 1.0:
            return
        if bar is None:  # rich.progress (~8 ms) only for a bar shown: not the demo's short run
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn

            bar = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                TaskProgressColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )
            bar.start()
            task = bar.add_task(label, total=total)
        assert task is not None
        bar.update(task, completed=done, total=total)

    try:
        yield update
    finally:
        if bar is not None:
            bar.stop()


def require_numpy() -> None:
    """Fail with one line when the ``risk`` extra is missing."""
    try:
        import numpy  # noqa: F401
    except ImportError:
        raise CliError(
            "this command needs numpy: pip install 'threecommas-hedge[risk]'", EXIT_USAGE
        ) from None
