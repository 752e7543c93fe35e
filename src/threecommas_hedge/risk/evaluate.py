"""``evaluate``: replay one hedge over many price paths and report the risk it removes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

import numpy as np

from threecommas_hedge.hedge.builder import SpotPosition
from threecommas_hedge.hedge.liquidation import Exchange, LeverageBracket
from threecommas_hedge.models.smart_trade_params import SmartTradeCreate

from ._plan import engine_plan
from ._run import DEFAULT_CHUNK_PATHS, Progress, replay, split
from .outcomes import FloatArray
from .report import RiskReport

__all__ = ["evaluate"]

Chunk = tuple[FloatArray, FloatArray | None, FloatArray | None]


def evaluate(
    spot: SpotPosition,
    payload: SmartTradeCreate,
    paths: FloatArray | Iterable[FloatArray],
    *,
    maker_fee_rate: Decimal = Decimal(0),
    taker_fee_rate: Decimal = Decimal(0),
    entry_fee_rate: Decimal | None = None,
    exit_fee_rate: Decimal | None = None,
    funding_rate: Decimal = Decimal(0),
    funding_interval_hours: Decimal = Decimal(8),
    brackets: Sequence[LeverageBracket] = (),
    exchange: Exchange = "binance",
    wallet_balance: Decimal | None = None,
    breakeven_with_fees: bool = False,
    horizon_seconds: float | None = None,
    step_seconds: float = 60,
    highs: FloatArray | None = None,
    lows: FloatArray | None = None,
    chunk_paths: int = DEFAULT_CHUNK_PATHS,
    progress: Progress | None = None,
) -> RiskReport:
    """Replay ``payload`` (the hedge of ``spot``) along every path; a :class:`RiskReport`.

    ``paths`` is an array ``(paths, steps + 1)`` of prices one ``step_seconds`` apart (each row
    starting where the hedge is placed), or an iterable of such arrays (chunks, e.g.
    :func:`gbm_chunks`, so that many paths never sit in memory at once). The hedge enters on the
    first step by the payload's entry rules; at the end of the path, or after
    ``horizon_seconds``, what is still open is marked to the price there (no closing fee).

    The spot leg of a path is ``spot.quantity * (last - first)``; the hedge leg is the replayed
    SmartTrade's gross PnL minus fees (maker for resting limit orders, taker for market orders;
    ``entry_fee_rate``/``exit_fee_rate``, when given, override them for every entry or exit fill)
    plus funding (``funding_rate`` per ``funding_interval_hours``, positive: shorts receive).
    ``brackets``, ``exchange`` and ``wallet_balance`` drive liquidation as in
    :class:`~threecommas_hedge.hedge.simulate.SmartTradeEngine`.

    ``highs``/``lows`` (same shape as ``paths``) make each bar after the first three prices in
    the order most adverse to the position: for a short, the high (stops and liquidation fire
    there, a market stop fills at the high), then the low (take profits), then the close.
    ``progress`` is called with the path-steps done and the total.
    """
    if not isinstance(spot, SpotPosition):
        raise TypeError("spot must be a SpotPosition")
    plan = engine_plan(
        payload,
        maker_fee_rate=_rate("maker_fee_rate", maker_fee_rate),
        taker_fee_rate=_rate("taker_fee_rate", taker_fee_rate),
        entry_fee_rate=None if entry_fee_rate is None else _rate("entry_fee_rate", entry_fee_rate),
        exit_fee_rate=None if exit_fee_rate is None else _rate("exit_fee_rate", exit_fee_rate),
        funding_rate=_rate("funding_rate", funding_rate, signed=True),
        funding_interval_hours=_rate("funding_interval_hours", funding_interval_hours, signed=True),
        brackets=brackets,
        exchange=exchange,
        wallet_balance=wallet_balance,
        breakeven_with_fees=breakeven_with_fees,
    )
    if isinstance(step_seconds, bool) or not isinstance(step_seconds, (int, float)):
        raise TypeError("step_seconds must be a number of seconds")
    if not step_seconds > 0:
        raise ValueError(f"step_seconds must be positive, got {step_seconds}")
    if isinstance(chunk_paths, bool) or not isinstance(chunk_paths, int) or chunk_paths < 1:
        raise ValueError(f"chunk_paths must be a whole number >= 1, got {chunk_paths!r}")
    if isinstance(paths, np.ndarray):
        _check_prices("paths", paths)
        _check_bars(paths, highs, lows)
        chunks: Iterable[Chunk] = split(paths, highs, lows, chunk_paths)
        total: int | None = len(paths)
    else:
        if highs is not None or lows is not None:
            raise ValueError("highs/lows: give them with paths as one array, not as chunks")
        chunks, total = _stream(paths, chunk_paths), None
    source = _SpotLeg(chunks, spot.quantity)
    steps = source.peek()[0].shape[1] - 1
    source.last = last = _last_step(steps, horizon_seconds, float(step_seconds))
    outcomes = replay(
        plan,
        source,
        step_seconds=float(step_seconds),
        last=last,
        total_paths=total,
        progress=progress,
    )
    return RiskReport.build(source.pnl(), outcomes, last * float(step_seconds))


class _SpotLeg:
    """The chunks, passed through, with the spot leg of each path collected on the way."""

    def __init__(self, chunks: Iterable[Chunk], quantity: Decimal) -> None:
        self._chunks = iter(chunks)
        self._head: Chunk | None = None
        self._quantity = float(quantity)
        self._parts: list[FloatArray] = []
        self._width: int | None = None
        self.last = 0

    def peek(self) -> Chunk:
        if self._head is None:
            try:
                self._head = next(self._chunks)
            except StopIteration:
                raise ValueError("paths: no paths given") from None
        return self._head

    def __iter__(self) -> Iterator[Chunk]:
        head = self.peek()
        self._head = None
        yield self._take(head)
        for chunk in self._chunks:
            yield self._take(chunk)

    def _take(self, chunk: Chunk) -> Chunk:
        closes = chunk[0]
        if self._width is None:
            self._width = closes.shape[1]
        elif closes.shape[1] != self._width:
            raise ValueError(
                f"paths: every chunk needs {self._width} prices per path, got {closes.shape[1]}"
            )
        self._parts.append(self._quantity * (closes[:, self.last] - closes[:, 0]))
        return chunk

    def pnl(self) -> FloatArray:
        return np.concatenate(self._parts)


def _stream(paths: Iterable[FloatArray], size: int) -> Iterator[Chunk]:
    for number, chunk in enumerate(paths):
        if not isinstance(chunk, np.ndarray):
            raise TypeError(
                f"paths chunk {number}: expected a 2-D numpy array (paths, steps + 1), "
                f"got {type(chunk).__name__}"
            )
        _check_prices(f"paths chunk {number}", chunk)
        yield from split(chunk, None, None, size)


def _check_prices(name: str, prices: FloatArray) -> None:
    if prices.ndim != 2 or prices.shape[1] < 2 or not len(prices):
        raise ValueError(
            f"{name}: expected a 2-D array (paths, steps + 1) with at least two prices per path, "
            f"got shape {prices.shape}"
        )
    if not np.issubdtype(prices.dtype, np.floating):
        raise TypeError(f"{name}: expected float prices, got dtype {prices.dtype}")
    if prices.min() > 0 and np.isfinite(prices.max()):  # NaN fails both
        return
    bad = ~(np.isfinite(prices) & (prices > 0))
    if bad.any():
        row, column = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name}[{row}, {column}] must be a positive price, got {prices[row, column]}"
        )


def _check_bars(closes: FloatArray, highs: FloatArray | None, lows: FloatArray | None) -> None:
    if highs is None and lows is None:
        return
    if highs is None or lows is None:
        raise ValueError("highs/lows: give both or neither")
    for name, values in (("highs", highs), ("lows", lows)):
        if not isinstance(values, np.ndarray) or values.shape != closes.shape:
            raise ValueError(f"{name} must be an array of the paths' shape {closes.shape}")
        _check_prices(name, values)
    bad = (highs < closes) | (lows > closes)
    if bad.any():
        row, column = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"paths[{row}, {column}]: the close {closes[row, column]} is outside the bar's "
            f"low {lows[row, column]} to high {highs[row, column]}"
        )


def _last_step(steps: int, horizon_seconds: float | None, step_seconds: float) -> int:
    if horizon_seconds is None:
        return steps
    if isinstance(horizon_seconds, bool) or not isinstance(horizon_seconds, (int, float)):
        raise TypeError("horizon_seconds must be a number of seconds")
    last = int(horizon_seconds // step_seconds)
    if not 1 <= last <= steps:
        raise ValueError(
            f"horizon_seconds ({horizon_seconds}) must cover 1 to {steps} steps of "
            f"{step_seconds:g} s (the paths' length)"
        )
    return last


def _rate(name: str, value: object, *, signed: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"{name} must be a Decimal (0.0005 = 0.05 %), not {type(value).__name__}")
    rate = Decimal(value)
    if not rate.is_finite() or (not signed and rate < 0):
        raise ValueError(f"{name} must be a finite{'' if signed else ' non-negative'} rate")
    return rate
