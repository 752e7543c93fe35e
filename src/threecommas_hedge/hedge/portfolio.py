"""The portfolio planner: a spot account's holdings in, one Smart Short per coin out.

:func:`plan_portfolio` is pure (no client, no HTTP): it takes what the spot account holds, the
futures pairs the futures account lists, each pair's price and rules, and the hedge settings, and
returns a :class:`PortfolioPlan`. Each leg is built by the same :class:`HedgeBuilder` and checks
as a single hedge; a coin that fails a check is skipped with the check's message, never sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from threecommas_hedge._exceptions import HedgeValidationError
from threecommas_hedge.models import MarketRules, SmartTradeCreate

from ._costs import DEFAULT_FEES, FeeSchedule
from ._inputs import as_decimal
from ._spec import SpotPosition
from .builder import HedgeBuilder
from .scenario import HedgeScenario

__all__ = [
    "STABLECOINS",
    "PortfolioLeg",
    "PortfolioPlan",
    "PortfolioScenarioRow",
    "futures_pair",
    "leg_note",
    "plan_portfolio",
]

STABLECOINS = frozenset(
    {"USDT", "USDC", "BUSD", "TUSD", "DAI", "FDUSD", "USDP", "USDD", "PYUSD", "USD", "EUR"}
)
"""Coins never hedged: their value does not move with the market."""
_ROUNDING_FIELDS = frozenset({"rules.lot_step", "rules.min_lot", "rules.min_notional"})
_ZERO = Decimal(0)
_ONE = Decimal(1)


def futures_pair(asset: str, margin: str = "USDT") -> str:
    """The 3Commas futures pair that hedges ``asset``: ``QUOTE_BASEQUOTE`` (``USDT_BTCUSDT``)."""
    return f"{margin}_{asset}{margin}"


def leg_note(tag: str, asset: str) -> str:
    """The note marker that ties a trade to a plan's leg: ``[tchp:<tag>:<ASSET>]``."""
    return f"[tchp:{tag}:{asset}]"


@dataclass(frozen=True)
class PortfolioLeg:
    """One coin's hedge: the holding, the futures pair, its builder and the checked payload."""

    asset: str
    pair: str
    spot: SpotPosition
    builder: HedgeBuilder
    payload: SmartTradeCreate

    @property
    def quantity(self) -> Decimal:
        """The short's base quantity after rounding."""
        return self.builder.hedge_quantity

    @property
    def value(self) -> Decimal:
        """The hedged value in quote: quantity x entry reference."""
        return self.quantity * self.builder.entry_reference


@dataclass(frozen=True)
class PortfolioScenarioRow:
    """A coin (or ``TOTAL``) under one price move: spot PnL, the short's PnL after its fees
    (``fees``, already taken from ``hedge_pnl``) and funding, and the net."""

    asset: str
    move: Decimal
    spot_pnl: Decimal
    hedge_pnl: Decimal
    fees: Decimal = Decimal(0)

    @property
    def net(self) -> Decimal:
        """Spot PnL plus the short's PnL after fees."""
        return self.spot_pnl + self.hedge_pnl


@dataclass(frozen=True)
class PortfolioPlan:
    """The legs to open, the coins skipped (asset -> why) and the plan's stable ``tag``."""

    spot_account_id: int
    futures_account_id: int
    legs: tuple[PortfolioLeg, ...]
    skipped: dict[str, str] = field(default_factory=dict)
    tag: str = ""

    @property
    def hedged_value(self) -> Decimal:
        """The sum of the legs' hedged values (quote)."""
        return sum((leg.value for leg in self.legs), _ZERO)

    def leg(self, asset: str) -> PortfolioLeg:
        """The leg of ``asset``; ``KeyError`` when the coin has none."""
        for leg in self.legs:
            if leg.asset == asset:
                return leg
        raise KeyError(asset)

    def scenario(
        self,
        moves: Iterable[Decimal] = (Decimal("-0.2"), Decimal("-0.1"), Decimal("0.1")),
        *,
        fees: FeeSchedule = DEFAULT_FEES,
    ) -> tuple[PortfolioScenarioRow, ...]:
        """Rows per coin and move (a move of ``-0.2`` is a 20 % drop of every coin), then a
        ``TOTAL`` row per move. Each short is priced as a single hedge is
        (:class:`~threecommas_hedge.HedgeScenario`): it closes at its take profits or its stop
        loss on the way to the moved price, and pays ``fees`` by fill type (maker for resting
        limits, taker for market fills)."""
        checked = [as_decimal("moves", value) for value in moves]
        scenarios = [_scenario_of(leg, fees) for leg in self.legs]
        rows: list[PortfolioScenarioRow] = []
        for move in checked:
            coins = []
            for leg, scenario in zip(self.legs, scenarios, strict=True):
                row = scenario.at(leg.spot.price * (1 + move))
                coins.append(
                    PortfolioScenarioRow(
                        leg.asset, move, row.spot_pnl, row.net - row.spot_pnl, row.fees
                    )
                )
            rows.extend(coins)
            rows.append(
                PortfolioScenarioRow(
                    "TOTAL",
                    move,
                    sum((row.spot_pnl for row in coins), _ZERO),
                    sum((row.hedge_pnl for row in coins), _ZERO),
                    sum((row.fees for row in coins), _ZERO),
                )
            )
        return tuple(rows)


def _scenario_of(leg: PortfolioLeg, fees: FeeSchedule) -> HedgeScenario:
    return HedgeScenario.from_payload(
        leg.spot,
        leg.payload,
        entry_price=leg.builder.entry_reference,
        maker_fee_rate=fees.maker,
        taker_fee_rate=fees.taker,
    )


def plan_portfolio(
    balances: Mapping[str, Decimal],
    *,
    spot_account_id: int,
    futures_account_id: int,
    listed_pairs: Iterable[str],
    prices: Mapping[str, Decimal],
    rules: Mapping[str, MarketRules] | None = None,
    ratio: Decimal = Decimal("0.5"),
    ratios: Mapping[str, Decimal] | None = None,
    take_profit_percent: Decimal | None = None,
    stop_loss_percent: Decimal | None = None,
    leverage: int = 1,
    exclude: Iterable[str] = (),
    min_value: Decimal = _ZERO,
    margin: str = "USDT",
) -> PortfolioPlan:
    """Plan one Smart Short per coin of ``balances`` (asset -> quantity held).

    ``prices`` and ``rules`` are keyed by futures pair; ``listed_pairs`` are the pairs the futures
    account can trade. A coin is skipped, with the reason in :attr:`PortfolioPlan.skipped`, when it
    is a stablecoin or the margin coin, is excluded, has ratio 0, has no listed futures pair or no
    price, is dust (value below ``min_value``), falls below the market minimum after rounding, or
    fails any other check of the builder (the check's message).
    """
    default_ratio = _ratio("ratio", ratio)
    overrides = {
        asset.upper(): _ratio(f"ratios[{asset}]", value) for asset, value in (ratios or {}).items()
    }
    floor = as_decimal("min_value", min_value)
    excluded = {asset.upper() for asset in exclude}
    listed = frozenset(listed_pairs)
    pair_rules = rules or {}
    holdings = sorted(
        (asset.upper(), as_decimal(f"balances[{asset}]", q)) for asset, q in balances.items()
    )
    tag = _plan_tag(
        spot_account_id,
        futures_account_id,
        holdings,
        (
            default_ratio,
            sorted(overrides.items()),
            take_profit_percent,
            stop_loss_percent,
            leverage,
        ),
    )
    legs: list[PortfolioLeg] = []
    skipped: dict[str, str] = {}
    for asset, quantity in holdings:
        pair = futures_pair(asset, margin)
        coin_ratio = overrides.get(asset, default_ratio)
        price = prices.get(pair)
        reason: str | None = None
        if asset in STABLECOINS or asset == margin:
            reason = "stablecoin / margin coin: not hedged"
        elif asset in excluded:
            reason = "excluded"
        elif coin_ratio == 0:
            reason = "ratio 0"
        elif quantity <= 0:
            reason = "nothing held"
        elif pair not in listed or price is None:
            reason = f"no futures pair: {pair} is not listed on account {futures_account_id}"
        elif quantity * price < floor:
            reason = f"dust: worth {quantity * price} < min_value {floor}"
        if reason is not None:
            skipped[asset] = reason
            continue
        assert price is not None
        try:
            leg = _leg(
                asset, pair, SpotPosition(asset, quantity, price), futures_account_id,
                coin_ratio, pair_rules.get(pair), take_profit_percent, stop_loss_percent,
                leverage, leg_note(tag, asset),
            )  # fmt: skip
        except HedgeValidationError as error:
            if error.field in _ROUNDING_FIELDS:
                skipped[asset] = f"below the market's minimum after rounding: {error}"
            elif error.field == "leverage":
                skipped[asset] = f"leverage above the pair's maximum: {error}"
            else:
                skipped[asset] = f"refused by a safety check: {error}"
            continue
        legs.append(leg)
    return PortfolioPlan(spot_account_id, futures_account_id, tuple(legs), skipped, tag)


def _leg(
    asset: str,
    pair: str,
    spot: SpotPosition,
    account_id: int,
    ratio: Decimal,
    rules: MarketRules | None,
    take_profit_percent: Decimal | None,
    stop_loss_percent: Decimal | None,
    leverage: int,
    note: str,
) -> PortfolioLeg:
    builder = (
        HedgeBuilder(spot, account_id=account_id, pair=pair)
        .hedge(ratio)
        .leverage(leverage)
        .market_entry()
        .note(note)
    )
    if rules is not None:
        builder = builder.rules(rules)
    if take_profit_percent is not None:
        builder = builder.take_profit(percent=take_profit_percent)
    if stop_loss_percent is not None:
        builder = builder.stop_loss(percent=stop_loss_percent)
    return PortfolioLeg(asset, pair, spot, builder, builder.build())


def _ratio(name: str, value: object) -> Decimal:
    number = as_decimal(name, value)
    if not _ZERO <= number <= _ONE:
        raise HedgeValidationError(name, f"must be between 0 and 1 (got {number})")
    return number


def _plan_tag(spot: int, futures: int, holdings: object, settings: object) -> str:
    text = repr((spot, futures, holdings, settings))
    return hashlib.sha256(text.encode()).hexdigest()[:12]
