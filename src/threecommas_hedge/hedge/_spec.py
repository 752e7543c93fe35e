"""The builder's settings as given (before rounding and cross-checks): plain frozen records."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # pragma: no cover - the rules model loads on first use (fast import)
    from threecommas_hedge.models import MarketRules

from ._inputs import asset, positive
from .liquidation import Exchange, LeverageBracket

Margin = Literal["isolated", "cross"]
PriceType = Literal["bid", "ask", "last"]
OrderType = Literal["market", "limit"]
EntryKind = Literal["market", "limit", "conditional"]
SizeKind = Literal["ratio", "quantity", "notional"]

PRICE_TYPES: tuple[PriceType, ...] = ("bid", "ask", "last")
ORDER_TYPES: tuple[OrderType, ...] = ("market", "limit")
MARGINS: tuple[Margin, ...] = ("isolated", "cross")


@dataclass(frozen=True)
class SpotPosition:
    """The spot holding to protect: ``quantity`` of ``asset`` at the current ``price`` (quote).

    ``price`` is the entry reference of a market entry. Quantities and prices are ``Decimal``
    (ints and numeric strings are converted; floats are refused).
    """

    asset: str
    quantity: Decimal
    price: Decimal

    def __post_init__(self) -> None:
        asset("spot.asset", self.asset)
        object.__setattr__(self, "quantity", positive("spot.quantity", self.quantity))
        object.__setattr__(self, "price", positive("spot.price", self.price))


@dataclass(frozen=True)
class Size:
    kind: SizeKind
    value: Decimal
    allow_over_hedge: bool


@dataclass(frozen=True)
class Entry:
    kind: EntryKind
    price: Decimal | None = None
    trigger: Decimal | None = None
    order_type: OrderType = "market"
    trailing_percent: Decimal | None = None
    price_type: PriceType = "bid"


@dataclass(frozen=True)
class TakeProfitOrder:
    price: Decimal | None
    percent: Decimal | None
    volume: Decimal | None
    order_type: OrderType | None
    price_type: PriceType
    trailing_percent: Decimal | None = None


@dataclass(frozen=True)
class StopLossOrder:
    price: Decimal | None
    percent: Decimal | None
    order_type: OrderType
    limit_price: Decimal | None
    trailing: bool
    timeout: int | None
    price_type: PriceType
    limit_slippage: Decimal = Decimal("0.005")


@dataclass(frozen=True)
class LeverageSetting:
    value: int = 1
    margin: Margin = "isolated"
    brackets: tuple[LeverageBracket, ...] | None = None
    liquidation_buffer: Decimal = Decimal("0.01")
    exchange: Exchange = "binance"


def no_rules() -> MarketRules:
    """No exchange rules: the builder's default (``MarketRules()``, loaded on first use)."""
    from threecommas_hedge.models.rules import MarketRules

    return MarketRules()


@dataclass(frozen=True)
class Spec:
    """Everything a ``HedgeBuilder`` holds; defaults: market entry, 1x isolated, no TP/SL."""

    spot: SpotPosition
    account_id: int
    pair: str
    size: Size | None = None
    leverage: LeverageSetting = LeverageSetting()
    entry: Entry = Entry("market")
    take_profits: tuple[TakeProfitOrder, ...] = ()
    stop_loss: StopLossOrder | None = None
    breakeven: bool = False
    rules: MarketRules = dataclass_field(default_factory=no_rules)
    note: str | None = None
