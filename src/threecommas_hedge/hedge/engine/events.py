"""What the engine reports: :class:`SimEvent`, and the log every part of the engine writes to."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

__all__ = ["EventKind", "EventLog", "SimEvent"]

EventKind = Literal[
    "entry_armed",
    "entered",
    "take_profit",
    "trailing_activated",
    "trailing_moved",
    "stop_loss_moved",
    "stop_loss_triggered",
    "stop_loss_timer_reset",
    "stop_loss",
    "liquidated",
    "closed",
    "cancelled",
    "funds_added",
    "funds_reduced",
    "funding",
]


@dataclass(frozen=True)
class SimEvent:
    """Something that happened at path ``index`` (``None`` outside a step), market at ``price``.

    ``fill_price``/``quantity`` for fills, ``level`` for a trigger, stop or follow line, ``step``
    the 1-based TP step, ``reason`` why a trade closed or a stop moved, ``amount`` a funding
    payment (positive: received) on ``quantity`` open units at the mark ``price``.
    """

    kind: EventKind
    index: int | None
    price: Decimal
    fill_price: Decimal | None = None
    quantity: Decimal | None = None
    level: Decimal | None = None
    step: int | None = None
    reason: str | None = None
    amount: Decimal | None = None


class EventLog:
    """Every event so far, in order."""

    def __init__(self) -> None:
        self._events: list[SimEvent] = []

    def emit(
        self,
        kind: EventKind,
        index: int | None,
        price: Decimal,
        *,
        fill_price: Decimal | None = None,
        quantity: Decimal | None = None,
        level: Decimal | None = None,
        step: int | None = None,
        reason: str | None = None,
        amount: Decimal | None = None,
    ) -> SimEvent:
        """Record an event and return it."""
        event = SimEvent(kind, index, price, fill_price, quantity, level, step, reason, amount)
        self._events.append(event)
        return event

    def mark(self) -> int:
        """A position in the log, to read what happened after it with :meth:`since`."""
        return len(self._events)

    def since(self, mark: int) -> list[SimEvent]:
        """The events recorded after ``mark``."""
        return self._events[mark:]

    def all(self) -> tuple[SimEvent, ...]:
        """Every event."""
        return tuple(self._events)
