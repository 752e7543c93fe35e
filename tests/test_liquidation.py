"""Liquidation price: the reference vectors, bracket re-reading, inverse contracts, failures."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threecommas_hedge import LeverageBracket, liquidation_price
from threecommas_hedge.hedge.liquidation import bracket_for, initial_margin

FREQTRADE_BRACKET = [LeverageBracket(D(0), D("0.01"), D("0.01"))]
# Binance BTCUSDT USDT-M tiers (floor, maintenance margin rate) and their published cum values.
BTC_TIERS = [
    (D(0), D("0.004")),
    (D(50000), D("0.005")),
    (D(250000), D("0.01")),
    (D(3000000), D("0.025")),
]


def assert_relative(actual: D | None, expected: D, tolerance: D = D("1e-9")) -> None:
    assert actual is not None
    assert abs(actual - expected) / expected < tolerance


@pytest.mark.parametrize(
    ("side", "leverage", "entry", "quantity", "expected"),
    [
        ("short", 5, "10", "1", "11.89108910891089"),
        ("short", 3, "10", "1", "13.21122112211221"),
        ("short", 5, "8", "1", "9.514851485148514"),
        ("short", 5, "10", "0.6", "11.897689768976898"),
        ("long", 5, "10", "1", "8.070707070707071"),
    ],
)
def test_freqtrade_vectors(
    side: str, leverage: int, entry: str, quantity: str, expected: str
) -> None:
    # wallet balance is the initial margin Q*EP/L, as in the reference table (2, 10/3, 1.6, 1.2, 2)
    wallet = initial_margin(D(quantity), D(entry), D(leverage))
    assert wallet == D(quantity) * D(entry) / leverage
    result = liquidation_price(
        side=side,  # type: ignore[arg-type]
        quantity=D(quantity),
        entry_price=D(entry),
        wallet_balance=wallet,
        brackets=FREQTRADE_BRACKET,
    )
    assert_relative(result, D(expected))


def test_ladder_derives_binance_cum_values() -> None:
    ladder = LeverageBracket.ladder(reversed(BTC_TIERS))
    assert [bracket.maintenance_amount for bracket in ladder] == [D(0), D(50), D(1300), D(46300)]
    assert [bracket.notional_floor for bracket in ladder] == [D(0), D(50000), D(250000), D(3000000)]


def test_bracket_for_picks_the_tier_holding_the_notional() -> None:
    ladder = LeverageBracket.ladder(BTC_TIERS)
    assert bracket_for(ladder, D(49999)) is ladder[0]
    assert bracket_for(ladder, D(50000)) is ladder[1]
    assert bracket_for(ladder, D(10**9)) is ladder[3]
    shifted = [LeverageBracket(D(100), D("0.01"))]
    assert bracket_for(shifted, D(5)) is shifted[0]
    with pytest.raises(ValueError, match="at least one"):
        bracket_for([], D(1))


def test_bracket_is_reread_at_the_liquidation_notional() -> None:
    # 0.8 BTC short at 60,000: 48,000 notional (tier 1); 1x: LP ~119,5xx, notional ~95,600 (tier 2)
    ladder = LeverageBracket.ladder(BTC_TIERS)
    quantity, entry = D("0.8"), D(60000)
    wallet = quantity * entry
    result = liquidation_price(
        side="short", quantity=quantity, entry_price=entry, wallet_balance=wallet, brackets=ladder
    )
    assert result is not None
    first_tier_only = (wallet + quantity * entry) / (quantity * (1 + D("0.004")))
    assert quantity * first_tier_only > 50000  # the entry tier would be wrong here
    expected = (wallet + D(50) + quantity * entry) / (quantity * (1 + D("0.005")))
    assert_relative(result, expected)
    assert result != first_tier_only


def test_linear_long_backed_by_its_notional_cannot_be_liquidated() -> None:
    result = liquidation_price(
        side="long",
        quantity=D(1),
        entry_price=D(100),
        wallet_balance=D(100),
        brackets=[LeverageBracket(D(0), D(0))],
    )
    assert result is None


def test_inverse_reference_formulas() -> None:
    bracket = [LeverageBracket(D(0), D("0.005"), D(0))]
    contracts, size, entry = D(300), D(100), D(60000)
    wallet = initial_margin(contracts, entry, D(5), contract_size=size)
    assert wallet == D(30000) / (entry * 5)
    short = liquidation_price(
        side="short",
        quantity=contracts,
        entry_price=entry,
        wallet_balance=wallet,
        brackets=bracket,
        contract_size=size,
    )
    face = contracts * size
    assert_relative(short, face * (1 - D("0.005")) / (face / entry - wallet))
    # independent check: coin equity equals coin maintenance margin at the LP
    assert short is not None
    equity = wallet + face * (1 / short - 1 / entry)
    assert abs(equity - face / short * D("0.005")) < D("1e-20")
    long = liquidation_price(
        side="long",
        quantity=contracts,
        entry_price=entry,
        wallet_balance=wallet,
        brackets=bracket,
        contract_size=size,
    )
    assert_relative(long, face * (1 + D("0.005")) / (face / entry + wallet))


def test_inverse_short_backed_by_the_hedged_coin_cannot_be_liquidated() -> None:
    face, entry = D(30000), D(60000)
    result = liquidation_price(
        side="short",
        quantity=D(300),
        entry_price=entry,
        wallet_balance=face / entry,  # 0.5 BTC posted for a 0.5 BTC short
        brackets=[LeverageBracket(D(0), D("0.005"))],
        contract_size=D(100),
    )
    assert result is None


def test_inconsistent_brackets_are_reported() -> None:
    # tier 0 gives LP 120 (tier 1); tier 1 (cum should be 55) gives 80 (tier 0): nothing stable
    brackets = [LeverageBracket(D(0), D(0)), LeverageBracket(D(110), D("0.5"))]
    with pytest.raises(ValueError, match="stable"):
        liquidation_price(
            side="short",
            quantity=D(1),
            entry_price=D(100),
            wallet_balance=D(20),
            brackets=brackets,
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"side": "flat"}, "side"),
        ({"quantity": D(0)}, "positive"),
        ({"entry_price": D(-1)}, "positive"),
        ({"wallet_balance": D(-1)}, "negative"),
        ({"contract_size": D(0)}, "contract_size"),
        ({"brackets": []}, "at least one"),
    ],
)
def test_bad_inputs_are_refused(changes: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "side": "short",
        "quantity": D(1),
        "entry_price": D(100),
        "wallet_balance": D(20),
        "brackets": FREQTRADE_BRACKET,
    }
    arguments.update(changes)
    with pytest.raises(ValueError, match=message):
        liquidation_price(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ((D(-1), D("0.01"), D(0)), "notional_floor"),
        ((D(0), D(1), D(0)), "maintenance_margin_rate"),
        ((D(0), D("0.01"), D(-1)), "maintenance_amount"),
    ],
)
def test_bracket_validation(fields: tuple[D, D, D], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LeverageBracket(*fields)


def test_initial_margin_needs_positive_leverage() -> None:
    with pytest.raises(ValueError, match="leverage"):
        initial_margin(D(1), D(100), D(0))


def decimals(low: str, high: str) -> st.SearchStrategy[D]:
    return st.decimals(min_value=D(low), max_value=D(high), places=4)


@settings(max_examples=150, deadline=None)
@given(
    side=st.sampled_from(["long", "short"]),
    quantity=decimals("0.001", "100"),
    entry=decimals("100", "100000"),
    leverage=st.integers(min_value=1, max_value=50),
)
def test_equity_equals_maintenance_margin_at_the_liquidation_price(
    side: str, quantity: D, entry: D, leverage: int
) -> None:
    ladder = LeverageBracket.ladder(BTC_TIERS)
    wallet = quantity * entry / leverage
    result = liquidation_price(
        side=side,  # type: ignore[arg-type]
        quantity=quantity,
        entry_price=entry,
        wallet_balance=wallet,
        brackets=ladder,
    )
    if result is None:
        assert side == "long"
        assert leverage == 1
        return
    sign = 1 if side == "long" else -1
    equity = wallet + sign * quantity * (result - entry)
    bracket = bracket_for(ladder, quantity * result)
    maintenance = quantity * result * bracket.maintenance_margin_rate - bracket.maintenance_amount
    assert abs(equity - maintenance) <= D("1e-12") * quantity * entry
    # a short is liquidated above its entry, a long below, whenever the position opens with more
    # margin than its bracket's maintenance (exchanges cap leverage per bracket for this reason)
    opening = bracket_for(ladder, quantity * entry)
    if quantity * entry / leverage > quantity * entry * opening.maintenance_margin_rate - (
        opening.maintenance_amount
    ):
        assert (result > entry) if side == "short" else (result < entry)
