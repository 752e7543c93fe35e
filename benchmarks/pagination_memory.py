"""Peak memory of listing SmartTrades through the auto-paginator: 10,000 trades vs 1,000.

An ``httpx.MockTransport`` serves ``GET /v2/smart_trades`` in pages of 100 trades, each page built
when it is asked for (the official get example with a fresh id per trade, newest first), so the
fake server holds one page at a time too. ``client.smart_trades.list()`` is iterated to the end
and the peak of traced memory (tracemalloc) during the iteration is taken. A paginator whose
memory stays flat gives a ratio near 1 however many trades there are; holding every trade would
make it about 10. For scale, the memory one materialised list of the smaller listing keeps is shown.

Run: ``python benchmarks/pagination_memory.py`` (or ``python -m benchmarks.run --only memory``).
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from threecommas_hedge import ThreeCommas

PER_PAGE = 100
SMALL, LARGE = 1_000, 10_000
TARGET_RATIO = 1.5
"""A flat paginator stays well under this; a growing one is near LARGE / SMALL."""
TEMPLATE = (
    Path(__file__).resolve().parent.parent
    / "tests"
    / "data"
    / "examples"
    / "3_get_smart_trade.response.200.json"
)


@dataclass(frozen=True)
class Peak:
    """How many trades a listing yielded and the peak bytes traced while it ran."""

    trades: int
    requests: int
    peak_bytes: int


def transport(total: int) -> tuple[httpx.MockTransport, list[int]]:
    """A fake list endpoint of ``total`` trades (ids ``total`` down to 1), and its request log."""
    trade = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    pages_served: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        per_page = int(request.url.params["per_page"])
        pages_served.append(page)
        first = total - (page - 1) * per_page
        ids = range(first, max(first - per_page, 0), -1)
        return httpx.Response(200, content=json.dumps([{**trade, "id": i} for i in ids]).encode())

    return httpx.MockTransport(handler), pages_served


def traced_peak(run: Callable[[], Any]) -> int:
    """Peak traced bytes above the starting level while ``run()`` runs."""
    gc.collect()
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        result = run()
        _, peak = tracemalloc.get_traced_memory()
        del result
    finally:
        tracemalloc.stop()
    return peak - start


def list_trades(total: int, *, keep: bool = False) -> Peak:
    """List ``total`` trades page by page (``keep``: also hold them all in a list)."""
    mock, pages_served = transport(total)
    http = httpx.Client(transport=mock)
    # Off: the rate limiter (it would pace 100 page requests to the documented 40 per 10 s) and
    # the mode guard, whose map of SmartTrade -> account seen (capped at 10,000 entries, about
    # 1 MiB) is not the paginator's memory.
    options: dict[str, Any] = {"rate_limit": False, "mode_guard": False}
    with ThreeCommas(api_key="bench", api_secret="bench", http_client=http, **options) as c:
        seen: list[int] = []

        def consume() -> Any:
            listing = c.smart_trades.list(per_page=PER_PAGE)
            if keep:
                held = list(listing)
                seen.append(len(held))
                return held
            seen.append(sum(1 for _ in listing))
            return None

        peak = traced_peak(consume)
    http.close()
    if seen != [total]:
        raise AssertionError(f"listed {seen} trades, expected {total}")
    return Peak(trades=total, requests=len(pages_served), peak_bytes=peak)


def measure(small: int = SMALL, large: int = LARGE) -> tuple[Peak, Peak, Peak]:
    """Peaks of listing ``small`` and ``large`` trades, and of holding ``small`` trades."""
    list_trades(2 * PER_PAGE)  # warm-up: imports, pydantic schemas and caches built once
    return list_trades(small), list_trades(large), list_trades(small, keep=True)


def report(small: Peak, large: Peak, held: Peak) -> list[str]:
    """The figures as text lines."""
    ratio = large.peak_bytes / small.peak_bytes
    verdict = "MET" if ratio <= TARGET_RATIO else "MISSED"
    return [
        f"pagination memory, pages of {PER_PAGE}: peak {large.trades:,} / {small.trades:,} "
        f"trades = {ratio:.2f}x (target <= {TARGET_RATIO}: {verdict})",
        f"    {small.trades:>6,} trades, {small.requests:>3} requests: "
        f"peak {_mib(small.peak_bytes)}",
        f"    {large.trades:>6,} trades, {large.requests:>3} requests: "
        f"peak {_mib(large.peak_bytes)}",
        f"    for scale: holding {held.trades:,} trades in a list peaks at {_mib(held.peak_bytes)}",
    ]


def bench_pagination_memory(quick: bool = False) -> list[Any]:
    """The ratio as a ``Figure`` for ``python -m benchmarks.run`` (``quick``: 300 vs 3,000)."""
    from ._harness import Figure

    small, large, held = measure(300, 3_000) if quick else measure()
    ratio = large.peak_bytes / small.peak_bytes
    return [
        Figure(
            name=f"pagination memory: peak {large.trades:,} / {small.trades:,} trades",
            value=ratio,
            unit="x",
            details=tuple(line.strip() for line in report(small, large, held)[1:]),
            target=f"<= {TARGET_RATIO}",
            met=ratio <= TARGET_RATIO,
        )
    ]


def _mib(size: int) -> str:
    return f"{size / 2**20:.2f} MiB"


def main() -> None:
    """Measure and print both peaks and their ratio."""
    print("\n".join(report(*measure())))


if __name__ == "__main__":
    main()
