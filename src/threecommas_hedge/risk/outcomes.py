"""What the engine found on each path: status codes and the per-path outcome arrays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

WAITING, OPEN, CLOSED, LIQUIDATED = 0, 1, 2, 3
"""Path status codes."""
NO_EXIT, TAKE_PROFIT, STOP_LOSS, LIQUIDATION = 0, 1, 2, 3
"""Why a path's hedge closed."""


@dataclass(frozen=True)
class Outcomes:
    """What happened on each path (arrays in path order; indexes are path steps, -1 = never).

    ``realized`` is gross (a liquidation counts the lost margin), ``unrealized`` the open
    remainder marked to the last price; ``result = realized + unrealized - fees + funding``.
    """

    status: npt.NDArray[np.int8]
    reason: npt.NDArray[np.int8]
    entry_index: npt.NDArray[np.int32]
    entry_price: FloatArray
    exit_index: npt.NDArray[np.int32]
    step_index: npt.NDArray[np.int32]
    """Shape (take-profit steps, paths): the step at which each TP step filled."""
    realized: FloatArray
    unrealized: FloatArray
    fees: FloatArray
    funding: FloatArray
    remaining: FloatArray

    @property
    def result(self) -> FloatArray:
        """The hedge leg's result per path: gross PnL, minus fees, plus funding."""
        out: FloatArray = self.realized + self.unrealized - self.fees + self.funding
        return out

    @staticmethod
    def concatenate(parts: list[Outcomes]) -> Outcomes:
        """The outcomes of consecutive chunks as one."""
        return Outcomes(
            status=np.concatenate([p.status for p in parts]),
            reason=np.concatenate([p.reason for p in parts]),
            entry_index=np.concatenate([p.entry_index for p in parts]),
            entry_price=np.concatenate([p.entry_price for p in parts]),
            exit_index=np.concatenate([p.exit_index for p in parts]),
            step_index=np.concatenate([p.step_index for p in parts], axis=1),
            realized=np.concatenate([p.realized for p in parts]),
            unrealized=np.concatenate([p.unrealized for p in parts]),
            fees=np.concatenate([p.fees for p in parts]),
            funding=np.concatenate([p.funding for p in parts]),
            remaining=np.concatenate([p.remaining for p in parts]),
        )


class PathOutcomes:
    """The outcomes of a whole chunk, filled in as the engine drops rows and at the end."""

    def __init__(self, n: int, k: int) -> None:
        self.status = np.zeros(n, dtype=np.int8)
        self.reason = np.zeros(n, dtype=np.int8)
        self.entry_index = np.zeros(n, dtype=np.int32)
        self.entry = np.zeros(n)
        self.exit_index = np.zeros(n, dtype=np.int32)
        self.step_index = np.zeros((k, n), dtype=np.int32)
        self.realized = np.zeros(n)
        self.unrealized = np.zeros(n)
        self.fees = np.zeros(n)
        self.funding = np.zeros(n)
        self.remaining = np.zeros(n)

    def store(self, paths: IntArray, values: dict[str, npt.NDArray[Any]]) -> None:
        """Write per-row ``values`` (named as this collector's arrays) to ``paths``."""
        for name, value in values.items():
            target = getattr(self, name)
            if name == "step_index":
                target[:, paths] = value
            else:
                target[paths] = value

    def outcomes(self) -> Outcomes:
        """The collected outcomes."""
        return Outcomes(
            status=self.status,
            reason=self.reason,
            entry_index=self.entry_index,
            entry_price=self.entry,
            exit_index=self.exit_index,
            step_index=self.step_index,
            realized=self.realized,
            unrealized=self.unrealized,
            fees=self.fees,
            funding=self.funding,
            remaining=self.remaining,
        )
