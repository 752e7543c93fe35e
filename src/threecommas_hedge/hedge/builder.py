"""``HedgeBuilder``: a spot holding plus hedge settings in, a validated Smart Short payload out.

:meth:`HedgeBuilder.build` returns a :class:`~threecommas_hedge.models.SmartTradeCreate` for a
``smart_cover``: ``instant`` false, ``skip_enter_step`` false, ``position.type`` ``sell``, leverage
enabled with a margin type and an integer value. The builder is immutable: every method returns a
new builder, so a partial builder can be reused for variants.

**Defaults.** A market entry, 1x isolated leverage, no take profit, no stop loss. Price types
default to the side each order fills on: the entry (a sell) triggers on ``bid``, take profits and
the stop loss (buys that close the short) on ``ask``; each method takes ``price_type``.

**Checks.** Each argument is checked when it is given; rules that involve several settings (prices
against the entry, exchange rules, TP volumes, trailing and breakeven, liquidation) are checked by
:meth:`~HedgeBuilder.build`, :meth:`~HedgeBuilder.summary` and :meth:`~HedgeBuilder.explain`, which
all raise the same :class:`~threecommas_hedge.HedgeValidationError` (a ``ValueError``). Its
``field`` names the input as typed: ``spot.asset`` / ``spot.quantity`` / ``spot.price``,
``account_id``, ``pair``, ``hedge`` (no size or several), ``hedge.ratio`` / ``hedge.quantity`` /
``hedge.notional``, ``leverage``, ``leverage.margin``, ``leverage.brackets``,
``limit_entry.price``, ``conditional_entry.trigger`` / ``.order_type`` / ``.limit_price`` /
``.trailing_percent`` / ``.price_type``, ``take_profit`` (step count, volume sum),
``take_profit[i].price`` / ``.percent`` / ``.volume`` / ``.order_type`` / ``.price_type`` where
``i`` counts ``take_profit`` calls from 0 (the step's index in the body),
``trailing_take_profit`` / ``trailing_take_profit.percent``, ``stop_loss`` (neither or both of
price and percent), ``stop_loss.price`` / ``.percent`` / ``.order_type`` / ``.limit_price`` /
``.timeout`` / ``.price_type``, ``move_to_breakeven``, ``rules``, ``rules.lot_step`` /
``rules.min_lot`` / ``rules.min_notional`` (the hedge size breaks that rule), ``note``.

**Rounding** (with :meth:`~HedgeBuilder.rules`). The hedge quantity floors to the lot step and must
then reach the minimum lot and the minimum notional: an error, never a silent zero. Prices round to
the tick on the safe side for a short: take profits (buys) down, the stop-loss trigger toward the
price (down) and its limit price (a buy) down, a limit entry (a sell) up, a conditional entry's
limit price up and its trigger to the nearest tick (no side is safer for an entry). Numbers are
sent without trailing zeros (``55200.00`` goes out as ``"55200"``).

**Percents.** A take-profit or stop-loss ``percent`` is the signed move from the entry as the user
reads it (``-8`` = 8 % below the entry, ``3`` = 3 % above). When the entry price is known (market,
limit, or non-trailing conditional entry) the builder sends the absolute ``value`` it computes,
rounded as above. Only for a trailing conditional entry, whose fill price is unknown when the trade
is created, is the API's ``percent`` sent, with the sign as the user gave it; absolute prices are
then refused, as the API expects percents there.

**Liquidation.** With isolated margin the liquidation price of the short is estimated with
:func:`~threecommas_hedge.hedge.liquidation.liquidation_price`, the wallet balance being the
initial margin (quantity x entry / leverage) and, unless ``brackets`` are passed to
:meth:`~HedgeBuilder.leverage`, the conservative maintenance margin rate ``1/(2 x leverage)`` with
maintenance amount 0 (a conservative estimate; pass the market's brackets for the exact price). A
stop loss less than the liquidation buffer (default 1 % of the entry) before it is refused;
without a stop loss, :meth:`~HedgeBuilder.explain` shows it. See the "Safety checks" guide.
Cross margin is not estimated (it depends on the whole futures wallet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from threecommas_hedge._exceptions import HedgeValidationError
from threecommas_hedge.models._request_rules import MAX_USER_NOTE_LENGTH

if TYPE_CHECKING:  # pragma: no cover - the models load on first use (fast import)
    from threecommas_hedge.models import MarketRules, SmartTradeCreate

from . import _inputs
from ._plan import check_over_hedge, resolve, to_body
from ._plan import entry_prices as _entry_prices
from ._plan import hedge_quantity as _hedge_quantity
from ._spec import (
    MARGINS,
    ORDER_TYPES,
    PRICE_TYPES,
    Entry,
    LeverageSetting,
    Margin,
    OrderType,
    PriceType,
    Size,
    SizeKind,
    Spec,
    SpotPosition,
    StopLossOrder,
    TakeProfitOrder,
)
from ._summary import HedgeSummary, StopLossSummary, TakeProfitSummary, format_summary
from .liquidation import EXCHANGES, Exchange, LeverageBracket

__all__ = [
    "MAX_NOTE_LENGTH",
    "MAX_TAKE_PROFIT_STEPS",
    "HedgeBuilder",
    "HedgeSummary",
    "SpotPosition",
    "StopLossSummary",
    "TakeProfitSummary",
]

MAX_TAKE_PROFIT_STEPS = 8
MAX_NOTE_LENGTH = MAX_USER_NOTE_LENGTH
"""The API takes 300 characters; the client keeps 19 for its idempotency tag on create."""
_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)


class HedgeBuilder:
    """Build a Smart Short that hedges a spot holding; every method returns a new builder.

    >>> spot = SpotPosition(asset="BTC", quantity=Decimal("1"), price=Decimal("60000"))
    >>> body = (
    ...     HedgeBuilder(spot, account_id=32455218, pair="USDT_BTCUSDT")
    ...     .hedge(ratio=Decimal("0.5"))
    ...     .take_profit(percent=Decimal("-8"))
    ...     .stop_loss(price=Decimal("61800"))
    ...     .build()
    ... )
    >>> body.position.units.value, body.take_profit.steps[0].price.value
    (Decimal('0.5'), Decimal('55200'))
    """

    __slots__ = ("_spec",)
    _spec: Spec

    def __init__(self, spot: SpotPosition, *, account_id: int, pair: str) -> None:
        if not isinstance(spot, SpotPosition):
            raise HedgeValidationError("spot", "must be a SpotPosition")
        _inputs.whole("account_id", account_id)
        _inputs.pair("pair", pair)
        self._spec = Spec(spot=spot, account_id=account_id, pair=pair)

    def _with(self, spec: Spec) -> HedgeBuilder:
        clone = object.__new__(HedgeBuilder)
        clone._spec = spec
        return clone

    # -- settings ---------------------------------------------------------------------------

    def hedge(
        self,
        ratio: Decimal | None = None,
        *,
        quantity: Decimal | None = None,
        notional: Decimal | None = None,
        allow_over_hedge: bool = False,
    ) -> HedgeBuilder:
        """Size the short: a ``ratio`` of the spot quantity, a base ``quantity``, or a quote
        ``notional`` (divided by the entry reference); exactly one.

        A short larger than the holding (ratio > 1) is a new short bet, not a hedge, and needs
        ``allow_over_hedge=True``.
        """
        options: tuple[tuple[SizeKind, object], ...] = (
            ("ratio", ratio),
            ("quantity", quantity),
            ("notional", notional),
        )
        given = [(kind, raw) for kind, raw in options if raw is not None]
        if len(given) != 1:
            raise HedgeValidationError("hedge", "give exactly one of ratio, quantity or notional")
        ((kind, raw),) = given
        size = Size(kind, _inputs.positive(f"hedge.{kind}", raw), bool(allow_over_hedge))
        if kind == "ratio":
            check_over_hedge(size, self._spec.spot)
        elif kind == "quantity":
            check_over_hedge(size, self._spec.spot, size.value)
        return self._with(replace(self._spec, size=size))

    def leverage(
        self,
        value: int,
        margin: Margin = "isolated",
        *,
        brackets: Sequence[LeverageBracket] | None = None,
        liquidation_buffer: Decimal = Decimal("0.01"),
        exchange: Exchange = "binance",
    ) -> HedgeBuilder:
        """Integer leverage and the margin type, ``isolated`` or ``cross`` (default 1x isolated).

        ``brackets``, the market's maintenance-margin tiers, make the isolated liquidation
        estimate exact; without them the conservative ``MMR = 1/(2 x leverage)`` and maintenance
        amount 0 are assumed. ``build()`` refuses a stop loss less than ``liquidation_buffer`` (a
        fraction of the entry, default 1 %) before the liquidation price, and, with brackets, a
        leverage at or above ``1/MMR`` of the bracket holding the notional. ``exchange`` picks
        the liquidation formula: ``"binance"`` (default) or ``"bybit"`` (linear).
        """
        _inputs.whole("leverage", value)
        margin_type = _inputs.choice("leverage.margin", margin, MARGINS)
        venue = _inputs.choice("leverage.exchange", exchange, EXCHANGES)
        buffer = _inputs.as_decimal("leverage.liquidation_buffer", liquidation_buffer)
        if not _ZERO <= buffer < _ONE:
            raise HedgeValidationError(
                "leverage.liquidation_buffer", f"must be a fraction in [0, 1) (got {buffer})"
            )
        tiers: tuple[LeverageBracket, ...] | None = None
        if brackets is not None:
            tiers = tuple(brackets)
            if not tiers or not all(isinstance(tier, LeverageBracket) for tier in tiers):
                raise HedgeValidationError(
                    "leverage.brackets", "must be a non-empty sequence of LeverageBracket"
                )
        setting = LeverageSetting(value, margin_type, tiers, buffer, venue)
        return self._with(replace(self._spec, leverage=setting))

    def market_entry(self) -> HedgeBuilder:
        """Sell at market now; the entry reference is the spot price given (the default)."""
        return self._with(replace(self._spec, entry=Entry("market")))

    def limit_entry(self, price: Decimal) -> HedgeBuilder:
        """Sell with a limit order at ``price`` (rounded up to the tick: never sell lower)."""
        entry = Entry("limit", price=_inputs.positive("limit_entry.price", price))
        return self._with(replace(self._spec, entry=entry))

    def conditional_entry(
        self,
        trigger: Decimal,
        *,
        order_type: OrderType = "market",
        limit_price: Decimal | None = None,
        trailing_percent: Decimal | None = None,
        price_type: PriceType = "bid",
    ) -> HedgeBuilder:
        """Sell once the ``price_type`` price reaches ``trigger``, by a market or limit order.

        A limit order sells at ``limit_price`` (default: the trigger). ``trailing_percent``
        (0.01..100, market orders only) trails the entry: its fill price is then unknown, so
        take profit and stop loss must be given as percents (and are sent as percents).
        """
        prefix = "conditional_entry"
        trigger_price = _inputs.positive(f"{prefix}.trigger", trigger)
        kind = _inputs.choice(f"{prefix}.order_type", order_type, ORDER_TYPES)
        limit: Decimal | None = None
        if limit_price is not None:
            if kind != "limit":
                raise HedgeValidationError(f"{prefix}.limit_price", "only with order_type limit")
            limit = _inputs.positive(f"{prefix}.limit_price", limit_price)
        elif kind == "limit":
            limit = trigger_price
        trailing: Decimal | None = None
        if trailing_percent is not None:
            if kind != "market":
                raise HedgeValidationError(
                    f"{prefix}.trailing_percent", "a trailing entry needs order_type market"
                )
            trailing = _inputs.trailing_percent(f"{prefix}.trailing_percent", trailing_percent)
        entry = Entry(
            "conditional",
            price=limit,
            trigger=trigger_price,
            order_type=kind,
            trailing_percent=trailing,
            price_type=_inputs.choice(f"{prefix}.price_type", price_type, PRICE_TYPES),
        )
        return self._with(replace(self._spec, entry=entry))

    def take_profit(
        self,
        price: Decimal | None = None,
        *,
        percent: Decimal | None = None,
        volume: Decimal | None = None,
        order_type: OrderType | None = None,
        price_type: PriceType = "ask",
    ) -> HedgeBuilder:
        """Add a take-profit step at ``price``, or at ``percent`` from the entry (negative for a
        short: ``-8`` is 8 % below), closing ``volume`` % of the position.

        Volumes: a single step without volume closes 100 %. With several steps, the steps
        without a volume share what the others leave of 100 evenly, in steps of 0.01, the last
        of them taking the rounding rest (three steps without volume: 33.33, 33.33, 33.34).
        Given volumes must add up to 100. At most 8 steps. ``order_type`` defaults to
        ``limit``, or ``market`` for a trailing step.
        """
        index = len(self._spec.take_profits)
        prefix = f"take_profit[{index}]"
        if index >= MAX_TAKE_PROFIT_STEPS:
            raise HedgeValidationError(
                "take_profit", f"at most {MAX_TAKE_PROFIT_STEPS} take-profit steps"
            )
        target, move = _inputs.price_or_percent(prefix, price, percent)
        if move is not None and move > 0:
            raise HedgeValidationError(
                f"{prefix}.percent",
                f"a short takes profit below the entry: the percent must be negative (got {move})",
            )
        if move is not None and move <= -_HUNDRED:
            raise HedgeValidationError(
                f"{prefix}.percent", f"{move}% puts the target at or below zero"
            )
        share: Decimal | None = None
        if volume is not None:
            share = _inputs.positive(f"{prefix}.volume", volume)
            if share > _HUNDRED:
                raise HedgeValidationError(
                    f"{prefix}.volume", f"a step closes at most 100% (got {share})"
                )
        step = TakeProfitOrder(
            price=target,
            percent=move,
            volume=share,
            order_type=None
            if order_type is None
            else _inputs.choice(f"{prefix}.order_type", order_type, ORDER_TYPES),
            price_type=_inputs.choice(f"{prefix}.price_type", price_type, PRICE_TYPES),
        )
        return self._with(replace(self._spec, take_profits=(*self._spec.take_profits, step)))

    def trailing_take_profit(self, percent: Decimal) -> HedgeBuilder:
        """Trail the last take-profit step by ``percent`` (0.01..100) once its level is reached.

        It applies to the step added last; adding a step after it is refused by ``build()``.
        """
        if not self._spec.take_profits:
            raise HedgeValidationError("trailing_take_profit", "add a take_profit step first")
        trailing = _inputs.trailing_percent("trailing_take_profit.percent", percent)
        *head, last = self._spec.take_profits
        steps = (*head, replace(last, trailing_percent=trailing))
        return self._with(replace(self._spec, take_profits=steps))

    def stop_loss(
        self,
        price: Decimal | None = None,
        *,
        percent: Decimal | None = None,
        order_type: OrderType = "market",
        limit_price: Decimal | None = None,
        trailing: bool = False,
        timeout: int | None = None,
        price_type: PriceType = "ask",
        limit_slippage: Decimal = Decimal("0.005"),
    ) -> HedgeBuilder:
        """Stop the short out at ``price``, or at ``percent`` above the entry (positive: ``3``).

        A conditional ``market`` order by default; ``limit`` buys at ``limit_price``, never below
        the trigger. Without ``limit_price`` the limit defaults to the trigger plus
        ``limit_slippage`` (a fraction, default 0.5 %, rounded up to the tick), never the trigger
        itself: a limit at the trigger is left behind by a fast move and the short stays open.
        ``trailing`` follows the price down keeping the distance;
        ``timeout`` (whole seconds) waits that long beyond the stop before closing.
        """
        trigger, move = _inputs.price_or_percent("stop_loss", price, percent)
        if move is not None and move < 0:
            raise HedgeValidationError(
                "stop_loss.percent",
                f"a short stops out above the entry: the percent must be positive (got {move})",
            )
        kind = _inputs.choice("stop_loss.order_type", order_type, ORDER_TYPES)
        limit: Decimal | None = None
        if limit_price is not None:
            if kind != "limit":
                raise HedgeValidationError("stop_loss.limit_price", "only with order_type limit")
            limit = _inputs.positive("stop_loss.limit_price", limit_price)
        slippage = _inputs.as_decimal("stop_loss.limit_slippage", limit_slippage)
        if not _ZERO <= slippage < _ONE:
            raise HedgeValidationError(
                "stop_loss.limit_slippage", f"must be a fraction in [0, 1) (got {slippage})"
            )
        stop = StopLossOrder(
            price=trigger,
            percent=move,
            order_type=kind,
            limit_price=limit,
            trailing=bool(trailing),
            timeout=None if timeout is None else _inputs.whole("stop_loss.timeout", timeout),
            price_type=_inputs.choice("stop_loss.price_type", price_type, PRICE_TYPES),
            limit_slippage=slippage,
        )
        return self._with(replace(self._spec, stop_loss=stop))

    def move_to_breakeven(self, enabled: bool = True) -> HedgeBuilder:
        """Move the stop loss to the entry once the first take-profit step fills (needs a stop
        loss and at least two take-profit steps)."""
        return self._with(replace(self._spec, breakeven=bool(enabled)))

    def without_take_profit(self) -> HedgeBuilder:
        """Remove every take-profit step (to set other ones, or none)."""
        return self._with(replace(self._spec, take_profits=()))

    def without_stop_loss(self) -> HedgeBuilder:
        """Remove the stop loss, and move-to-breakeven, which needs it."""
        return self._with(replace(self._spec, stop_loss=None, breakeven=False))

    def rules(self, rules: MarketRules) -> HedgeBuilder:
        """The market's price tick, lot step, minimums and maximum leverage (each optional)."""
        from threecommas_hedge.models.rules import MarketRules

        if not isinstance(rules, MarketRules):
            raise HedgeValidationError("rules", "must be a MarketRules")
        return self._with(replace(self._spec, rules=rules))

    def note(self, text: str) -> HedgeBuilder:
        """A note stored with the trade (1 to 281 characters: the client appends its 19-character
        idempotency tag on create, within the API's 300)."""
        length = len(text) if isinstance(text, str) else 0
        if not isinstance(text, str) or not 1 <= length <= MAX_NOTE_LENGTH:
            raise HedgeValidationError(
                "note", f"must be 1 to {MAX_NOTE_LENGTH} characters (got {length})"
            )
        return self._with(replace(self._spec, note=text))

    # -- read-only views --------------------------------------------------------------------

    @property
    def spot(self) -> SpotPosition:
        """The spot holding being hedged."""
        return self._spec.spot

    @property
    def account_id(self) -> int:
        """The futures account the short is opened on."""
        return self._spec.account_id

    @property
    def pair(self) -> str:
        """The 3Commas pair of the short."""
        return self._spec.pair

    @property
    def market_rules(self) -> MarketRules:
        """The exchange rules given with :meth:`rules` (all fields ``None`` when none were)."""
        return self._spec.rules

    @property
    def entry_reference(self) -> Decimal:
        """The price TP/SL are measured from: the spot price (market entry), the rounded limit
        price, or the rounded trigger (its limit price for a conditional limit entry)."""
        return _entry_prices(self._spec)[0]

    @property
    def level_percents(self) -> tuple[tuple[Decimal | None, ...], Decimal | None]:
        """Each take-profit step's and the stop loss's ``percent`` as given (``None``: a price)."""
        stop = self._spec.stop_loss
        percents = tuple(target.percent for target in self._spec.take_profits)
        return percents, stop.percent if stop is not None else None

    @property
    def hedge_quantity(self) -> Decimal:
        """The short's quantity after rounding to the lot step and the minimum checks."""
        return _hedge_quantity(self._spec, self.entry_reference)

    def summary(self) -> HedgeSummary:
        """The checked hedge as data; raises :class:`HedgeValidationError` like :meth:`build`."""
        return resolve(self._spec).summary

    def explain(self) -> str:
        """A human summary: direction, size, effective ratio, entry, each TP and SL with its
        distance, breakeven and trailing, leverage, estimated liquidation and its MMR
        assumption. Raises :class:`HedgeValidationError` when :meth:`build` would."""
        return format_summary(self.summary())

    def build(self) -> SmartTradeCreate:
        """The ``POST /v2/smart_trades`` body of the Smart Short, checked and rounded."""
        return to_body(self._spec, resolve(self._spec))

    def __str__(self) -> str:
        """``explain()``, or a one-line reason when the builder does not build yet."""
        try:
            return self.explain()
        except HedgeValidationError as error:
            return f"Smart Short hedge of {self._spec.spot.asset}, not buildable yet: {error}"

    def __repr__(self) -> str:
        spec = self._spec
        size = "unset" if spec.size is None else f"{spec.size.kind} {spec.size.value}"
        return (
            f"<HedgeBuilder {spec.spot.quantity} {spec.spot.asset} on {spec.pair}: hedge {size}, "
            f"{spec.entry.kind} entry, {len(spec.take_profits)} TP, "
            f"SL {'set' if spec.stop_loss else 'unset'}, {spec.leverage.value}x "
            f"{spec.leverage.margin}>"
        )
