"""The CLI's pieces on their own: number formats, the text chart, error lines, flag names."""

from __future__ import annotations

import dataclasses
import inspect
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from threecommas_hedge._cli import chart, fmt
from threecommas_hedge._cli.errors import describe
from threecommas_hedge._cli.options import (
    HEDGE_PARAMETERS,
    HedgeFlags,
    TargetOption,
    parse_decimal,
    parse_target,
)
from threecommas_hedge._cli.planning import Costs, HedgePlan, flag_namer, plan_from_builder
from threecommas_hedge._exceptions import (
    APIConnectionError,
    APITimeoutError,
    HedgeValidationError,
)
from threecommas_hedge._response import error_from_response
from threecommas_hedge.hedge.builder import HedgeBuilder, SpotPosition

D = Decimal


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D(60000), "60,000"),
        (D("118811.8811881188"), "118,811.88"),
        (D("0.123456789"), "0.123457"),
        (D("6E+4"), "60,000"),
    ],
)
def test_price(value: Decimal, text: str) -> None:
    assert fmt.price(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D(-2500), "-2,500.00"),
        (D("1132.55"), "+1,132.55"),
        (D(0), "+0.00"),
        (D("-0.001"), "-0.001000"),
        (D("0.01851"), "+0.01851"),
        (D("-0.0000001"), "-0.00000010"),
    ],
)
def test_money(value: Decimal, text: str) -> None:
    assert fmt.money(value) == text


def test_whole_rate_number_percent() -> None:
    assert fmt.whole(D("-2465.75")) == "-2,466"
    assert fmt.whole(D("-0.4")) == "+0"
    assert fmt.rate(D("0.0005")) == "0.05%"
    assert fmt.rate(D("0.01")) == "1%"
    assert fmt.number(D("0.500")) == "0.5"
    assert fmt.number(D("1E+1")) == "10"
    assert fmt.percent(D("-8.333")) == "-8.33%"
    assert fmt.percent(D(50), signed=False) == "50.00%"


def test_parse_decimal_and_target() -> None:
    assert parse_decimal(" 1_000.5 ") == D("1000.5")
    assert parse_decimal(D(3)) == D(3)
    for bad in ("x", "inf", "nan", ""):
        with pytest.raises(Exception, match="not a"):
            parse_decimal(bad)
    assert parse_target("55000") == TargetOption(D(55000), None, "55000")
    assert parse_target("-8:25") == TargetOption(D(-8), D(25), "-8:25")
    for bad in ("55000:", "a:1", "1:b", ":5"):
        with pytest.raises(Exception, match=r"LEVEL|volume"):
            parse_target(bad)


def test_flag_parameters_and_flags_record_match() -> None:
    names = [field.name for field in dataclasses.fields(HedgeFlags)]
    assert names == [parameter.name for parameter in HEDGE_PARAMETERS]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in HEDGE_PARAMETERS)


def _flags(**changes: object) -> HedgeFlags:
    base = {field.name: None for field in dataclasses.fields(HedgeFlags)}
    base.update(tp=[], tp_percent=[], asset="BTC", spot_qty=D(1), price=D(60000))
    base.update(changes)
    return HedgeFlags(**base)


def test_flag_namer_follows_what_was_typed() -> None:
    flags = _flags(
        ratio=D("0.5"),
        sl_percent=D(3),
        tp=[TargetOption(D(55000), D(50), "55000:50")],
        tp_percent=[TargetOption(D(-10), None, "-10")],
    )
    name = flag_namer(flags)
    assert name("take_profit[0].price") == "--tp=55000:50"
    assert name("take_profit[1].percent") == "--tp-percent=-10"
    assert name("take_profit[7].volume") == "--tp/--tp-percent"
    assert name("take_profit") == "--tp/--tp-percent"
    assert name("stop_loss.price") == "--sl-percent"
    assert name("hedge.ratio") == "--ratio"
    assert name("spot.price") == "--price"
    assert name("leverage.margin") == "--margin"
    assert name("conditional_entry.trigger") == "--entry-price"
    assert name("rules.min_notional") == "--ratio/--hedge-qty"
    assert name("something.new") == "something.new"
    both = flag_namer(_flags(sl=D(1), sl_percent=D(1)))
    assert both("stop_loss") == "--sl/--sl-percent"


def _response(status: int, body: str, **headers: str) -> httpx.Response:
    request = httpx.Request("POST", "https://api.3commas.io/public/api/v2/smart_trades")
    return httpx.Response(status, text=body, headers=headers, request=request)


def test_describe_a_status_error() -> None:
    body = (
        '{"error":"record_invalid","error_description":"Invalid parameters",'
        '"error_attributes":{"take_profit[steps][0][price][type]":["is invalid"]}}'
    )
    error = error_from_response(_response(422, body, **{"X-Request-Id": "req-42"}))
    line, code = describe(error)
    assert code == 1
    assert line == (
        "3Commas answered HTTP 422 record_invalid: Invalid parameters "
        "[take_profit.steps[0].price.type: is invalid] (request id req-42)"
    )


def test_describe_rate_limits_and_html_errors() -> None:
    plan = error_from_response(_response(429, '{"error":"Not available on your plan"}'))
    assert describe(plan)[0].endswith("(not available on your 3Commas plan)")
    later = error_from_response(_response(429, '{"error":"rate_limit"}', **{"Retry-After": "7"}))
    assert describe(later)[0] == "3Commas answered HTTP 429 rate_limit (retry after 7s)"
    html = error_from_response(_response(502, "<html>bad gateway</html>"))
    assert describe(html) == ("3Commas answered HTTP 502", 1)


def test_describe_connection_and_validation_errors() -> None:
    assert describe(APITimeoutError()) == ("3Commas did not answer in time: Request timed out.", 1)
    assert describe(APIConnectionError("Connection refused")) == (
        "could not reach 3Commas: Connection refused",
        1,
    )
    assert describe(HedgeValidationError("stop_loss.price", "too low")) == (
        "stop_loss.price: too low",
        2,
    )


def _article_plan() -> HedgePlan:
    spot = SpotPosition(asset="BTC", quantity=D(1), price=D(60000))
    builder = (
        HedgeBuilder(spot, account_id=1, pair="USDT_BTCUSDT")
        .hedge(quantity=D("0.5"))
        .take_profit(price=D(55000))
        .stop_loss(price=D(61800))
    )
    return plan_from_builder(builder, Costs(D(0), D(0), None, None, D(0), D(8), D(0)))


def test_payoff_points_follow_the_capped_hedge() -> None:
    plan = _article_plan()
    low, high = chart.price_range(plan)
    assert (low, high) == (D(51000), D(69000))  # entry -15 % / +15 %, TP and SL inside
    points = chart.payoff(plan, 19)
    by_price = {point.price: point for point in points}
    assert by_price[D(51000)].hedge == D(2500)  # closed at TP below 55,000
    assert by_price[D(60000)].net == 0
    assert by_price[D(69000)].hedge == D(-900)  # stopped at 61,800
    assert by_price[D(69000)].net == D(9000) - D(900)
    for point in points:
        assert point.net == point.spot + point.hedge


def test_text_chart_fits_and_marks_the_entry() -> None:
    plan = _article_plan()
    for width in (40, 80, 200):
        console = Console(width=width, color_system=None, record=True)
        console.print(chart.text_chart(plan, width=width))
        text = console.export_text()
        assert max(len(line) for line in text.splitlines()) <= max(width, 20 + 12)
        assert "60,000" in text and "●" in text and "x" in text and "┊" in text
    lines = text.splitlines()
    axis = next(line for line in lines if line.strip().startswith("0 "))
    assert "─" in axis
    top = lines[1]
    assert top.strip().startswith("+9,000")  # spot +9,000 at 69,000 is the highest value


def test_png_legend_names_entry_targets_stop_and_liquidation() -> None:
    plan = _article_plan()
    lines = chart.reference_lines(plan, D(40000), D(130000))
    assert [line.label for line in lines] == [
        "entry 60,000",
        "take profit 55,000",
        "stop loss 61,800",
        "liquidation ~80,000",  # 1x, no brackets: MMR 1/(2L) = 50%, 60,000 / (0.5 x 1.5)
    ]
    assert lines[-1].price == plan.bare.liquidation_price()
    inside = chart.reference_lines(plan, *chart.price_range(plan))
    assert all("liquidation" not in line.label for line in inside)  # off the drawn range


def test_png_is_written_with_those_lines(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "payoff.png"
    chart.write_png(_article_plan(), target)
    assert target.read_bytes().startswith(b"\x89PNG")
