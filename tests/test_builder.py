"""HedgeBuilder: the use case payloads, each refusal by field, rounding, summary, explain()."""

from __future__ import annotations

import doctest
from decimal import Decimal
from typing import Any

import pytest

from threecommas_hedge import HedgeBuilder, HedgeValidationError, MarketRules, SpotPosition
from threecommas_hedge.hedge import builder as builder_module
from threecommas_hedge.hedge._rounding import floor_to_step, round_to_step, strip_zeros
from threecommas_hedge.hedge.liquidation import LeverageBracket
from threecommas_hedge.models import SmartTradeCreate

D = Decimal
ACCOUNT = 32455218
PAIR = "USDT_BTCUSDT"


def spot_btc() -> SpotPosition:
    return SpotPosition(asset="BTC", quantity=D("1"), price=D("60000"))


def base() -> HedgeBuilder:
    return HedgeBuilder(spot_btc(), account_id=ACCOUNT, pair=PAIR).hedge(ratio=D("0.5"))


def body_of(builder: HedgeBuilder) -> dict[str, Any]:
    payload = builder.build()
    body = payload.model_dump(mode="json", exclude_none=True)
    assert SmartTradeCreate.model_validate(body) == payload
    return body


def refused(builder_call: Any, field: str, fragment: str) -> HedgeValidationError:
    """Run ``builder_call()`` and check it raises HedgeValidationError naming ``field``."""
    with pytest.raises(HedgeValidationError) as caught:
        builder_call()
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.field == field, str(error)
    assert fragment in error.rule, error.rule
    assert str(error) == f"{field}: {error.rule}"
    return error


def short_liquidation(quantity: Decimal, entry: Decimal, leverage: int, mmr: Decimal) -> Decimal:
    """Independent recomputation: isolated short, WB = initial margin, cum 0 (hedge-math 4)."""
    wallet = quantity * entry / leverage
    return (wallet + quantity * entry) / (quantity * (1 + mmr))


USE_CASE_BODY = {
    "account_id": ACCOUNT,
    "pair": PAIR,
    "instant": False,
    "skip_enter_step": False,
    "leverage": {"enabled": True, "type": "isolated", "value": 1},
    "position": {"type": "sell", "order_type": "market", "units": {"value": "0.5"}},
    "take_profit": {
        "enabled": True,
        "steps": [
            {"order_type": "limit", "volume": "100", "price": {"type": "ask", "value": "55000"}}
        ],
    },
    "stop_loss": {
        "enabled": True,
        "order_type": "market",
        "conditional": {"price": {"type": "ask", "value": "61800"}},
    },
}


# -- the use case -----------------------------------------------------------------------------


def test_use_case_builds_the_article_payload() -> None:
    builder = (
        base()
        .leverage(1, margin="isolated")
        .market_entry()
        .take_profit(price=D("55000"))
        .stop_loss(price=D("61800"))
    )
    payload = builder.build()
    assert payload.model_dump(mode="json", exclude_none=True) == USE_CASE_BODY
    assert payload.trade_type == "smart_cover"


def test_use_case_percent_variant() -> None:
    body = body_of(base().take_profit(percent=D("-8")).stop_loss(percent=D("3")))
    expected = {**USE_CASE_BODY}
    expected["take_profit"] = {
        "enabled": True,
        "steps": [
            {"order_type": "limit", "volume": "100", "price": {"type": "ask", "value": "55200"}}
        ],
    }
    assert body == expected  # -8 % of 60,000 = 55,200; +3 % = 61,800, sent as absolute values


def test_defaults_are_market_entry_and_1x_isolated() -> None:
    body = body_of(base())
    assert body == {
        "account_id": ACCOUNT,
        "pair": PAIR,
        "instant": False,
        "skip_enter_step": False,
        "leverage": {"enabled": True, "type": "isolated", "value": 1},
        "position": {"type": "sell", "order_type": "market", "units": {"value": "0.5"}},
    }


def test_builder_is_immutable_and_partials_are_reusable() -> None:
    partial = base().take_profit(price=D("55000"))
    tight = partial.stop_loss(price=D("61000"))
    loose = partial.stop_loss(price=D("63000"))
    assert partial.summary().stop_loss is None
    assert body_of(tight)["stop_loss"]["conditional"]["price"]["value"] == "61000"
    assert body_of(loose)["stop_loss"]["conditional"]["price"]["value"] == "63000"
    assert len(partial.take_profit(price=D("50000"), volume=D(50)).summary().take_profits) == 2
    assert len(partial.summary().take_profits) == 1
    with pytest.raises(AttributeError):
        partial.foo = 1  # type: ignore[attr-defined]


def test_module_doctest_runs() -> None:
    result = doctest.testmod(builder_module)
    assert result.attempted > 0
    assert result.failed == 0


# -- hedge size -------------------------------------------------------------------------------


def test_hedge_quantity_and_notional_sizes() -> None:
    by_quantity = body_of(base().hedge(quantity=D("0.25")))
    assert by_quantity["position"]["units"] == {"value": "0.25"}
    by_notional = base().hedge(notional=D("15000"))
    assert by_notional.hedge_quantity == D("0.25")
    assert by_notional.summary().ratio == D("0.25")


@pytest.mark.parametrize(
    ("kwargs", "field", "fragment"),
    [
        ({}, "hedge", "exactly one"),
        ({"ratio": D("0.5"), "quantity": D("0.5")}, "hedge", "exactly one"),
        ({"ratio": D("0")}, "hedge.ratio", "greater than 0"),
        ({"ratio": D("-0.1")}, "hedge.ratio", "greater than 0"),
        ({"quantity": D("0")}, "hedge.quantity", "greater than 0"),
        ({"notional": D("-5")}, "hedge.notional", "greater than 0"),
        ({"ratio": D("1.01")}, "hedge.ratio", "over-hedge"),
        ({"quantity": D("1.5")}, "hedge.quantity", "over-hedge"),
        ({"ratio": 0.5}, "hedge.ratio", "not float"),
        ({"ratio": "abc"}, "hedge.ratio", "not a number"),
        ({"ratio": D("NaN")}, "hedge.ratio", "finite"),
    ],
)
def test_hedge_size_refusals(kwargs: dict[str, Any], field: str, fragment: str) -> None:
    builder = HedgeBuilder(spot_btc(), account_id=ACCOUNT, pair=PAIR)
    refused(lambda: builder.hedge(**kwargs), field, fragment)


def test_over_hedge_by_notional_is_refused_at_build() -> None:
    builder = base().hedge(notional=D("90000"))
    refused(builder.build, "hedge.notional", "over-hedge")


def test_allow_over_hedge() -> None:
    builder = base().hedge(ratio=D("1.5"), allow_over_hedge=True)
    assert body_of(builder)["position"]["units"] == {"value": "1.5"}
    assert builder.summary().ratio == D("1.5")
    notional = base().hedge(notional=D("90000"), allow_over_hedge=True)
    assert notional.hedge_quantity == D("1.5")


def test_missing_hedge_size() -> None:
    builder = HedgeBuilder(spot_btc(), account_id=ACCOUNT, pair=PAIR)
    refused(builder.build, "hedge", "not set")


# -- leverage and liquidation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "field", "fragment"),
    [
        ((0,), "leverage", "at least 1"),
        ((-3,), "leverage", "at least 1"),
        ((2.5,), "leverage", "whole number"),
        ((True,), "leverage", "whole number"),
        ((D("5"),), "leverage", "whole number"),
        ((5, "portfolio"), "leverage.margin", "isolated, cross"),
    ],
)
def test_leverage_refusals(args: tuple[Any, ...], field: str, fragment: str) -> None:
    refused(lambda: base().leverage(*args), field, fragment)


def test_leverage_brackets_must_be_brackets() -> None:
    refused(lambda: base().leverage(5, brackets=[]), "leverage.brackets", "non-empty")
    refused(lambda: base().leverage(5, brackets=[1]), "leverage.brackets", "LeverageBracket")


def test_leverage_above_market_maximum() -> None:
    builder = base().leverage(21).rules(MarketRules(max_leverage=20))
    refused(builder.build, "leverage", "maximum 20")
    assert body_of(base().leverage(20, "cross").rules(MarketRules(max_leverage=20)))[
        "leverage"
    ] == {"enabled": True, "type": "cross", "value": 20}


def test_stop_loss_beyond_liquidation_is_refused() -> None:
    builder = base().leverage(50, margin="isolated").stop_loss(price=D("61800"))
    error = refused(builder.build, "stop_loss.price", "liquidation")
    expected = short_liquidation(D("0.5"), D("60000"), 50, D("0.01"))
    assert D("60594") < expected < D("60595")
    assert "60594.06" in error.rule
    assert "MMR 1%" in error.rule
    by_percent = base().leverage(50).stop_loss(percent=D("3"))
    refused(by_percent.build, "stop_loss.percent", "liquidation")
    refused(builder.explain, "stop_loss.price", "liquidation")


def test_stop_loss_before_liquidation_builds_and_cross_is_not_checked() -> None:
    # 20x, MMR 2.5%: LP = (1,500 + 30,000) / (0.5 x 1.025) = 61,463.41; buffer 600 -> at most 60,863
    assert body_of(base().leverage(20).stop_loss(price=D("60800")))["leverage"]["value"] == 20
    # 50x without brackets: LP 60,594.06 minus the 600 buffer is below the entry, no stop fits
    refused(base().leverage(50).stop_loss(price=D("60500")).build, "stop_loss.price", "buffer")
    cross = base().leverage(50, margin="cross").stop_loss(price=D("61800"))
    assert body_of(cross)["leverage"] == {"enabled": True, "type": "cross", "value": 50}
    assert cross.summary().liquidation_price is None
    assert "not estimated" in cross.explain()


def test_high_leverage_without_stop_loss_explains_liquidation() -> None:
    builder = base().leverage(50)
    body_of(builder)
    summary = builder.summary()
    expected = short_liquidation(D("0.5"), D("60000"), 50, D("0.01"))
    assert summary.liquidation_price == expected
    assert summary.maintenance_margin_rate == D("0.01")
    assert not summary.brackets_given
    text = builder.explain()
    assert "~60594.06" in text
    assert "MMR 1%" in text
    assert "no brackets given" in text


def test_brackets_change_the_liquidation_estimate() -> None:
    brackets = [LeverageBracket(D("0"), D("0.004"), D("0"))]
    # LP = (600 + 30,000) / (0.5 x 1.004) = 60,956.18; the 1% buffer allows a stop up to 60,356
    builder = base().leverage(50, brackets=brackets).stop_loss(price=D("60300"))
    summary = builder.summary()
    assert summary.liquidation_price == short_liquidation(D("0.5"), D("60000"), 50, D("0.004"))
    assert summary.brackets_given
    assert summary.maintenance_margin_rate is None
    assert "brackets given" in builder.explain()
    refused(base().leverage(50).stop_loss(price=D("60300")).build, "stop_loss.price", "liq")


# -- entries ----------------------------------------------------------------------------------


def test_limit_entry_rounds_up_and_is_the_reference() -> None:
    builder = (
        base()
        .limit_entry(D("60000.03"))
        .rules(MarketRules(price_step=D("0.1")))
        .take_profit(percent=D("-10"))
    )
    assert builder.entry_reference == D("60000.1")
    body = body_of(builder)
    assert body["position"] == {
        "type": "sell",
        "order_type": "limit",
        "units": {"value": "0.5"},
        "price": {"value": "60000.1"},
    }
    # -10 % of 60000.1 = 54000.09, a buy: rounded down to the tick
    assert body["take_profit"]["steps"][0]["price"]["value"] == "54000"


def test_conditional_market_entry() -> None:
    builder = base().conditional_entry(D("61000")).take_profit(percent=D("-5"))
    body = body_of(builder)
    assert body["position"] == {
        "type": "sell",
        "order_type": "conditional",
        "units": {"value": "0.5"},
        "conditional": {"order_type": "market", "price": {"type": "bid", "value": "61000"}},
    }
    assert builder.entry_reference == D("61000")
    assert body["take_profit"]["steps"][0]["price"]["value"] == "57950"


def test_conditional_limit_entry_sends_its_limit_price() -> None:
    builder = (
        base()
        .rules(MarketRules(price_step=D("0.5")))
        .conditional_entry(
            D("234.43"), order_type="limit", limit_price=D("234.2"), price_type="last"
        )
    )
    builder = builder.hedge(ratio=D("1"))
    body = body_of(builder)
    assert body["position"]["price"] == {"value": "234.5"}  # a sell limit rounds up
    assert body["position"]["conditional"] == {
        "order_type": "limit",
        "price": {"type": "last", "value": "234.5"},  # trigger to the nearest tick
    }
    assert builder.entry_reference == D("234.5")
    default_limit = base().conditional_entry(D("61000"), order_type="limit")
    assert body_of(default_limit)["position"]["price"] == {"value": "61000"}


def test_trailing_entry_sends_percents_as_given() -> None:
    builder = (
        base()
        .conditional_entry(D("61000"), trailing_percent=D("1"))
        .take_profit(percent=D("-4"), volume=D("50"))
        .take_profit(percent=D("-8"))
        .trailing_take_profit(D("0.5"))
        .stop_loss(percent=D("3"), trailing=True, timeout=30)
        .move_to_breakeven()
        .note("hedge")
    )
    body = body_of(builder)
    assert body == {
        "account_id": ACCOUNT,
        "pair": PAIR,
        "instant": False,
        "skip_enter_step": False,
        "note": "hedge",
        "leverage": {"enabled": True, "type": "isolated", "value": 1},
        "position": {
            "type": "sell",
            "order_type": "conditional",
            "units": {"value": "0.5"},
            "conditional": {
                "order_type": "market",
                "price": {"type": "bid", "value": "61000"},
                "trailing": {"enabled": True, "percent": "1"},
            },
        },
        "take_profit": {
            "enabled": True,
            "steps": [
                {"order_type": "limit", "volume": "50", "price": {"type": "ask", "percent": "-4"}},
                {
                    "order_type": "market",
                    "volume": "50",
                    "price": {"type": "ask", "percent": "-8"},
                    "trailing": {"enabled": True, "percent": "0.5"},
                },
            ],
        },
        "stop_loss": {
            "enabled": True,
            "breakeven": True,
            "order_type": "market",
            "conditional": {
                "price": {"type": "ask", "percent": "3"},
                "trailing": {"enabled": True},
            },
            "timeout": {"enabled": True, "value": 30},
        },
    }
    summary = builder.summary()
    assert summary.entry_estimated
    assert [tp.price for tp in summary.take_profits] == [D("58560"), D("56120")]
    assert summary.stop_loss is not None
    assert summary.stop_loss.price == D("62830")
    assert "~61000" in builder.explain()


@pytest.mark.parametrize(
    ("call", "field", "fragment"),
    [
        (lambda b: b.limit_entry(D("0")), "limit_entry.price", "greater than 0"),
        (lambda b: b.conditional_entry(D("-1")), "conditional_entry.trigger", "greater than 0"),
        (
            lambda b: b.conditional_entry(D("1"), order_type="stop"),
            "conditional_entry.order_type",
            "market, limit",
        ),
        (
            lambda b: b.conditional_entry(D("1"), limit_price=D("2")),
            "conditional_entry.limit_price",
            "only with order_type limit",
        ),
        (
            lambda b: b.conditional_entry(D("1"), order_type="limit", trailing_percent=D("1")),
            "conditional_entry.trailing_percent",
            "needs order_type market",
        ),
        (
            lambda b: b.conditional_entry(D("1"), trailing_percent=D("0")),
            "conditional_entry.trailing_percent",
            "0.01 and 100",
        ),
        (
            lambda b: b.conditional_entry(D("1"), price_type="mark"),
            "conditional_entry.price_type",
            "bid, ask, last",
        ),
    ],
)
def test_entry_refusals(call: Any, field: str, fragment: str) -> None:
    refused(lambda: call(base()), field, fragment)


def test_trailing_entry_refuses_absolute_prices() -> None:
    trailing = base().conditional_entry(D("61000"), trailing_percent=D("1"))
    refused(trailing.take_profit(price=D("55000")).build, "take_profit[0].price", "percent")
    refused(trailing.stop_loss(price=D("63000")).build, "stop_loss.price", "percent")
    limit_stop = trailing.stop_loss(percent=D("3"), order_type="limit")
    refused(limit_stop.build, "stop_loss.order_type", "use order_type market")


# -- take profit ------------------------------------------------------------------------------


def test_take_profit_volumes_given() -> None:
    builder = (
        base()
        .take_profit(price=D("57000"), volume=D("50"))
        .take_profit(price=D("55000"), volume=D("25"))
        .take_profit(price=D("53000"), volume=D("25"), order_type="market", price_type="last")
    )
    steps = body_of(builder)["take_profit"]["steps"]
    assert [step["volume"] for step in steps] == ["50", "25", "25"]
    assert steps[2] == {
        "order_type": "market",
        "volume": "25",
        "price": {"type": "last", "value": "53000"},
    }


def test_missing_volumes_share_the_remainder() -> None:
    three = base().take_profit(price=D("57000")).take_profit(price=D("55000"))
    three = three.take_profit(price=D("53000"))
    volumes = [step.volume for step in three.summary().take_profits]
    assert volumes == [D("33.33"), D("33.33"), D("33.34")]
    assert sum(volumes) == 100
    mixed = (
        base()
        .take_profit(price=D("57000"))
        .take_profit(price=D("55000"), volume=D("50"))
        .take_profit(price=D("53000"))
    )
    assert [step.volume for step in mixed.summary().take_profits] == [D(25), D(50), D(25)]


def test_volume_rules() -> None:
    under = base().take_profit(price=D("57000"), volume=D("50"))
    under = under.take_profit(price=D("55000"), volume=D("40"))
    refused(under.build, "take_profit", "add up to 100 (got 90)")
    full = base().take_profit(price=D("57000"), volume=D("100")).take_profit(price=D("55000"))
    refused(full.build, "take_profit[1].volume", "nothing to share")
    refused(
        lambda: base().take_profit(price=D("1"), volume=D("0")),
        "take_profit[0].volume",
        "greater than 0",
    )
    refused(
        lambda: base().take_profit(price=D("1"), volume=D("101")), "take_profit[0].volume", "100"
    )


def test_at_most_eight_take_profit_steps() -> None:
    builder = base()
    for step in range(8):
        builder = builder.take_profit(price=D(59000 - step * 100), volume=D("12.5"))
    assert len(body_of(builder)["take_profit"]["steps"]) == 8
    refused(lambda: builder.take_profit(price=D("50000")), "take_profit", "at most 8")


@pytest.mark.parametrize(
    ("kwargs", "field", "fragment"),
    [
        ({}, "take_profit[0]", "exactly one of price or percent"),
        ({"price": D("1"), "percent": D("-1")}, "take_profit[0]", "exactly one"),
        ({"price": D("0")}, "take_profit[0].price", "greater than 0"),
        ({"price": D("-5")}, "take_profit[0].price", "greater than 0"),
        ({"percent": D("0")}, "take_profit[0].percent", "not be zero"),
        ({"percent": D("8")}, "take_profit[0].percent", "must be negative"),
        ({"percent": D("-100")}, "take_profit[0].percent", "at or below zero"),
        ({"price": D("1"), "order_type": "stop"}, "take_profit[0].order_type", "market, limit"),
        ({"price": D("1"), "price_type": "mark"}, "take_profit[0].price_type", "bid, ask, last"),
    ],
)
def test_take_profit_argument_refusals(kwargs: dict[str, Any], field: str, fragment: str) -> None:
    refused(lambda: base().take_profit(**kwargs), field, fragment)


def test_take_profit_must_be_below_entry() -> None:
    refused(base().take_profit(price=D("60000")).build, "take_profit[0].price", "below the entry")
    second = base().take_profit(price=D("55000"), volume=D(50))
    second = second.take_profit(price=D("61000"), volume=D(50))
    refused(second.build, "take_profit[1].price", "below the entry 60000")


def test_trailing_take_profit_rules() -> None:
    builder = base().take_profit(price=D("55000")).trailing_take_profit(D("1"))
    assert body_of(builder)["take_profit"]["steps"] == [
        {
            "order_type": "market",
            "volume": "100",
            "price": {"type": "ask", "value": "55000"},
            "trailing": {"enabled": True, "percent": "1"},
        }
    ]
    refused(lambda: base().trailing_take_profit(D("1")), "trailing_take_profit", "first")
    for bad in (D("0"), D("0.001"), D("100.5")):
        refused(
            lambda bad=bad: base().take_profit(price=D("55000")).trailing_take_profit(bad),
            "trailing_take_profit.percent",
            "between 0.01 and 100",
        )
    not_last = base().take_profit(price=D("55000"), volume=D(50)).trailing_take_profit(D("1"))
    not_last = not_last.take_profit(price=D("50000"), volume=D(50))
    refused(not_last.build, "trailing_take_profit", "last take-profit step only")
    limit = base().take_profit(price=D("55000"), order_type="limit").trailing_take_profit(D("1"))
    refused(limit.build, "take_profit[0].order_type", "market order")


def test_move_to_breakeven_rules() -> None:
    two = base().take_profit(price=D("57000"), volume=D(50))
    two = two.take_profit(price=D("55000"), volume=D(50))
    refused(two.move_to_breakeven().build, "move_to_breakeven", "needs a stop loss")
    one = base().take_profit(price=D("55000")).stop_loss(price=D("61800")).move_to_breakeven()
    refused(one.build, "move_to_breakeven", "at least 2 take-profit steps (got 1)")
    ok = two.stop_loss(price=D("61800")).move_to_breakeven()
    assert body_of(ok)["stop_loss"]["breakeven"] is True
    assert "breakeven" not in body_of(ok.move_to_breakeven(False))["stop_loss"]


# -- stop loss --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field", "fragment"),
    [
        ({}, "stop_loss", "exactly one of price or percent"),
        ({"price": D("0")}, "stop_loss.price", "greater than 0"),
        ({"percent": D("0")}, "stop_loss.percent", "not be zero"),
        ({"percent": D("-3")}, "stop_loss.percent", "must be positive"),
        ({"price": D("1"), "order_type": "stop"}, "stop_loss.order_type", "market, limit"),
        ({"price": D("1"), "limit_price": D("2")}, "stop_loss.limit_price", "order_type limit"),
        ({"price": D("1"), "timeout": 0}, "stop_loss.timeout", "at least 1"),
        ({"price": D("1"), "timeout": -5}, "stop_loss.timeout", "at least 1"),
        ({"price": D("1"), "timeout": 2.5}, "stop_loss.timeout", "whole number"),
        ({"price": D("1"), "timeout": True}, "stop_loss.timeout", "whole number"),
        ({"price": D("1"), "price_type": "mark"}, "stop_loss.price_type", "bid, ask, last"),
    ],
)
def test_stop_loss_argument_refusals(kwargs: dict[str, Any], field: str, fragment: str) -> None:
    refused(lambda: base().stop_loss(**kwargs), field, fragment)


def test_stop_loss_must_be_above_entry() -> None:
    refused(base().stop_loss(price=D("59000")).build, "stop_loss.price", "above the entry")
    refused(base().stop_loss(price=D("60000")).build, "stop_loss.price", "above the entry")


def test_limit_stop_loss() -> None:
    builder = base().stop_loss(price=D("61800"), order_type="limit", limit_price=D("61900"))
    assert body_of(builder)["stop_loss"] == {
        "enabled": True,
        "order_type": "limit",
        "price": {"value": "61900"},
        "conditional": {"price": {"type": "ask", "value": "61800"}},
    }
    default = body_of(base().stop_loss(price=D("61800"), order_type="limit"))
    # no limit_price: the trigger plus the 0.5% slippage allowance, 61,800 x 1.005
    assert default["stop_loss"]["price"] == {"value": "62109"}
    below = base().stop_loss(price=D("61800"), order_type="limit", limit_price=D("61700"))
    refused(below.build, "stop_loss.limit_price", "below the trigger")


# -- exchange rules and rounding --------------------------------------------------------------


def test_rounding_vectors() -> None:
    assert floor_to_step(D("2.34559"), D("0.0001")) == D("2.3455")
    assert floor_to_step(D("2.9999"), D("0.005")) == D("2.995")
    assert round_to_step(D("234.43"), D("0.5"), "up") == D("234.5")
    assert round_to_step(D("234.43"), D("0.5"), "down") == D("234.0")
    assert round_to_step(D("234.43"), D("0.5"), "nearest") == D("234.5")
    assert str(strip_zeros(D("55200.00"))) == "55200"
    assert str(strip_zeros(D("0.500"))) == "0.5"
    assert str(strip_zeros(D("1E+2"))) == "1E+2"


@pytest.mark.parametrize(
    ("quantity", "step", "expected"),
    [(D("2.34559"), D("0.0001"), "2.3455"), (D("2.9999"), D("0.005"), "2.995")],
)
def test_quantity_floors_to_the_lot_step(quantity: Decimal, step: Decimal, expected: str) -> None:
    spot = SpotPosition(asset="ETH", quantity=D("3"), price=D("3000"))
    builder = HedgeBuilder(spot, account_id=1, pair="USDT_ETHUSDT").hedge(quantity=quantity)
    builder = builder.rules(MarketRules(lot_step=step))
    assert body_of(builder)["position"]["units"] == {"value": expected}
    assert builder.hedge_quantity == D(expected)
    assert builder.summary().ratio == D(expected) / 3


def test_prices_round_to_the_safe_side() -> None:
    spot = SpotPosition(asset="SOL", quantity=D("10"), price=D("240"))
    builder = (
        HedgeBuilder(spot, account_id=1, pair="USDT_SOLUSDT")
        .hedge(ratio=D("1"))
        .rules(MarketRules(price_step=D("0.5")))
    )
    limit = builder.limit_entry(D("234.43"))
    assert body_of(limit)["position"]["price"] == {"value": "234.5"}  # a sell limit rounds up
    tp = builder.take_profit(price=D("234.43"))
    assert body_of(tp)["take_profit"]["steps"][0]["price"]["value"] == "234"  # a buy: down
    sl = builder.limit_entry(D("230")).stop_loss(price=D("234.43"))
    assert body_of(sl)["stop_loss"]["conditional"]["price"]["value"] == "234"  # toward price


def test_rounded_prices_are_checked_against_the_entry() -> None:
    spot = SpotPosition(asset="X", quantity=D("10"), price=D("100"))
    builder = (
        HedgeBuilder(spot, account_id=1, pair="USDT_XUSDT")
        .hedge(ratio=D("1"))
        .rules(MarketRules(price_step=D("0.5")))
    )
    refused(builder.stop_loss(price=D("100.3")).build, "stop_loss.price", "got 100")
    refused(builder.take_profit(price=D("0.3")).build, "take_profit[0].price", "rounds to 0")
    refused(builder.take_profit(percent=D("-99.9")).build, "take_profit[0].percent", "rounds to 0")


@pytest.mark.parametrize(
    ("rules", "hedge", "field", "fragment"),
    [
        (MarketRules(lot_step=D("1")), {"ratio": D("0.5")}, "rules.lot_step", "floors to 0"),
        (MarketRules(min_lot=D("0.6")), {"ratio": D("0.5")}, "rules.min_lot", "minimum lot 0.6"),
        (
            MarketRules(min_notional=D("100")),
            {"quantity": D("0.001")},
            "rules.min_notional",
            "below the minimum notional 100",
        ),
        (
            MarketRules(lot_step=D("0.001"), min_notional=D("100")),
            {"notional": D("100")},
            "rules.min_notional",
            "hedge notional 60 (0.001 x 60000)",
        ),
    ],
)
def test_exchange_minimums(
    rules: MarketRules, hedge: dict[str, Decimal], field: str, fragment: str
) -> None:
    builder = base().hedge(**hedge).rules(rules)
    refused(builder.build, field, fragment)
    refused(lambda: builder.hedge_quantity, field, fragment)


def test_minimums_met_exactly_pass() -> None:
    rules = MarketRules(
        price_step=D("0.1"), lot_step=D("0.001"), min_lot=D("0.5"), min_notional=D("30000")
    )
    assert body_of(base().rules(rules))["position"]["units"] == {"value": "0.5"}


def test_rules_must_be_market_rules() -> None:
    refused(lambda: base().rules({"price_step": "0.1"}), "rules", "MarketRules")  # type: ignore[arg-type]


# -- construction, note -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field", "fragment"),
    [
        ({"asset": "", "quantity": D("1"), "price": D("1")}, "spot.asset", "non-empty"),
        ({"asset": "BTC", "quantity": D("0"), "price": D("1")}, "spot.quantity", "greater than 0"),
        ({"asset": "BTC", "quantity": 1.0, "price": D("1")}, "spot.quantity", "not float"),
        ({"asset": "BTC", "quantity": D("1"), "price": D("-1")}, "spot.price", "greater than 0"),
        ({"asset": "BTC", "quantity": D("1"), "price": D("Infinity")}, "spot.price", "finite"),
    ],
)
def test_spot_position_refusals(kwargs: dict[str, Any], field: str, fragment: str) -> None:
    refused(lambda: SpotPosition(**kwargs), field, fragment)


def test_spot_position_converts_ints_and_strings() -> None:
    spot = SpotPosition(asset="BTC", quantity=1, price="60000.5")  # type: ignore[arg-type]
    assert spot.quantity == D(1)
    assert spot.price == D("60000.5")
    assert isinstance(spot.quantity, Decimal)


def test_builder_construction_refusals() -> None:
    spot = spot_btc()
    refused(lambda: HedgeBuilder(spot, account_id=0, pair=PAIR), "account_id", "at least 1")
    refused(lambda: HedgeBuilder(spot, account_id="1", pair=PAIR), "account_id", "whole")  # type: ignore[arg-type]
    refused(lambda: HedgeBuilder(spot, account_id=1, pair="X"), "pair", "3Commas pair")
    refused(lambda: HedgeBuilder("BTC", account_id=1, pair=PAIR), "spot", "SpotPosition")  # type: ignore[arg-type]


def test_note_length() -> None:
    # 281 = the API's 300 less the 19 characters of the client's idempotency tag
    assert body_of(base().note("n" * 281))["note"] == "n" * 281
    refused(lambda: base().note(""), "note", "1 to 281 characters (got 0)")
    refused(lambda: base().note("n" * 282), "note", "(got 282)")


# -- summary, explain, accessors --------------------------------------------------------------


def test_accessors() -> None:
    builder = base().limit_entry(D("61000"))
    assert builder.spot == spot_btc()
    assert builder.account_id == ACCOUNT
    assert builder.pair == PAIR
    assert builder.entry_reference == D("61000")
    assert base().entry_reference == D("60000")
    assert builder.hedge_quantity == D("0.5")


def test_summary_is_data() -> None:
    builder = (
        base()
        .rules(MarketRules(lot_step=D("0.001")))
        .hedge(ratio=D("0.33333"))
        .take_profit(percent=D("-8"), volume=D(60))
        .take_profit(price=D("50000"))
        .stop_loss(percent=D("3"))
        .leverage(2)
    )
    s = builder.summary()
    assert s.direction == "short"
    assert (s.asset, s.pair, s.account_id) == ("BTC", PAIR, ACCOUNT)
    assert s.quantity == D("0.333")
    assert s.ratio == D("0.333")
    assert s.notional == D("19980")
    assert (s.entry_type, s.entry, s.entry_estimated) == ("market", D("60000"), False)
    assert [(tp.price, tp.volume) for tp in s.take_profits] == [
        (D("55200"), D(60)),
        (D("50000"), D(40)),
    ]
    assert s.take_profits[0].distance_percent == D(-8)
    assert s.take_profits[1].distance_percent == (D(50000) - D(60000)) / D(60000) * 100
    assert s.stop_loss is not None
    assert (s.stop_loss.price, s.stop_loss.distance_percent) == (D("61800"), D(3))
    assert (s.leverage, s.margin) == (2, "isolated")
    # no brackets: the conservative MMR 1/(2L) = 25% at 2x
    expected_lp = short_liquidation(D("0.333"), D("60000"), 2, D("0.25"))
    assert expected_lp == D(72000)
    assert s.liquidation_price == expected_lp
    assert s.liquidation_distance_percent == (expected_lp - 60000) / 60000 * 100


def test_explain_lists_every_decision() -> None:
    builder = (
        base()
        .take_profit(percent=D("-4"), volume=D(50))
        .take_profit(percent=D("-8"))
        .trailing_take_profit(D("0.5"))
        .stop_loss(percent=D("3"), trailing=True, timeout=60)
        .move_to_breakeven()
    )
    text = builder.explain()
    assert str(builder) == text
    for fragment in (
        "Smart Short",
        "short 0.5 BTC",
        "effective hedge ratio 50.00%",
        "market at 60000",
        "57600 for 50% (-4.00% from entry)",
        "55200 for 50% (-8.00% from entry), market on ask, trailing 0.5%",
        "61800 (+3.00% from entry), conditional market on ask, trailing, timeout 60s",
        "Breakeven:     on",
        "1x isolated",
        # 1x, MMR 1/(2L) = 50%: (30,000 + 30,000) / (0.5 x 1.5) = 80,000
        "~80000 (+33.33% from entry",
        "MMR 50%",
        "conservative estimate; pass the market's brackets for the exact price",
    ):
        assert fragment in text, fragment


def test_explain_raises_and_str_reports_when_not_buildable() -> None:
    builder = base().take_profit(price=D("65000"))
    refused(builder.explain, "take_profit[0].price", "below the entry")
    refused(builder.summary, "take_profit[0].price", "below the entry")
    assert "not buildable yet: take_profit[0].price" in str(builder)
    assert repr(builder) == (
        "<HedgeBuilder 1 BTC on USDT_BTCUSDT: hedge ratio 0.5, market entry, 1 TP, SL unset, "
        "1x isolated>"
    )


def test_market_rules_are_readable_back() -> None:
    rules = MarketRules(price_step=D("0.1"), lot_step=D("0.001"), max_leverage=20)
    assert base().rules(rules).market_rules == rules
    assert base().market_rules == MarketRules()  # none given: nothing enforced
