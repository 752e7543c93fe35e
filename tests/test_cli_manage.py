"""create/list/show/edit/close/cancel/accounts against one shared fake, credentials, API errors."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from rich.console import Console
from typer.testing import CliRunner

from threecommas_hedge._cli import session
from threecommas_hedge._cli.app import app
from threecommas_hedge._cli.console import waiting
from threecommas_hedge.testing import FakeThreeCommas

PAIR = "USDT_BTCUSDT"
SIZE = ["--spot-qty", "1", "--ratio", "0.5"]
HEDGE = [*SIZE, "--price", "60000", "--tp", "55000", "--sl", "61800"]


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "THREECOMMAS_BASE_URL", "TERM"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeThreeCommas:
    """One fake shared by every ``--fake`` invocation of a test."""
    shared = FakeThreeCommas()
    shared.add_account("futures", "paper")
    shared.set_price(PAIR, Decimal(60000))
    monkeypatch.setattr(session, "fake_factory", lambda: shared)
    return shared


def run(*args: str, input: str | None = None, **env: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=input, env={"COLUMNS": "80", **env})
    return result.exit_code, result.stdout, result.stderr


def create(*extra: str, hedge: tuple[str, ...] = tuple(HEDGE)) -> dict[str, Any]:
    code, out, err = run("create", "--fake", *hedge, "--json", *extra)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def writes(fake: FakeThreeCommas) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.requests if r.method != "GET"]


def test_create_list_show_edit_close_round_trip(fake: FakeThreeCommas) -> None:
    created = create()
    trade_id = created["id"]
    assert created["pair"] == PAIR and created["position"]["type"] == "sell"
    post = next(r for r in fake.requests if r.method == "POST")
    assert post.mode == "paper"
    assert post.json["account_id"] == fake.smart_trade(trade_id)["account"]["id"]
    assert post.json["stop_loss"]["conditional"]["price"]["value"] == "61800"

    code, out, _ = run("list", "--fake")
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith(str(trade_id)))
    assert "BTCUSDT" in line and "-0.5" in line and "55,000" in line and "61,800" in line

    code, out, _ = run("show", str(trade_id), "--fake")
    assert code == 0
    assert f"{trade_id} USDT_BTCUSDT (smart_cover)" in out
    assert "short 0.5 (market entry at 60,000)" in out
    assert "~80,000" in out  # 1x, no brackets: MMR 1/(2L) = 50%, 60,000 / (0.5 x 1.5)

    code, out, err = run("edit", str(trade_id), "--fake", "--tp", "54000", "--sl", "62500")
    assert code == 0, err
    assert "Edited (paper mode" in out
    patch = next(r for r in fake.requests if r.method == "PATCH")
    assert patch.path == f"/v2/smart_trades/{trade_id}" and patch.mode == "paper"
    now = fake.smart_trade(trade_id)
    assert now["take_profit"]["steps"][0]["price"]["value"] == "54000"
    assert now["stop_loss"]["conditional"]["price"]["value"] == "62500"

    code, out, err = run("close", str(trade_id), "--fake")
    assert code == 0, err
    assert "Closing at market (paper mode" in out
    assert ("POST", f"/v2/smart_trades/{trade_id}/close_by_market") in writes(fake)
    assert fake.smart_trade(trade_id)["status"]["type"] == "finished"

    code, out, _ = run("show", str(trade_id), "--fake", "--json")
    assert code == 0 and json.loads(out)["status"]["type"] == "finished"
    code, out, _ = run("list", "--fake", "--status", "finished")
    assert code == 0 and out.count(str(trade_id)) == 1 and "closed at market" in out


def test_the_trade_follows_the_market_between_commands(fake: FakeThreeCommas) -> None:
    trade_id = create()["id"]
    for price in (58000, 56000, 55000):
        fake.set_price(PAIR, Decimal(price))
    code, out, _ = run("show", str(trade_id), "--fake")
    assert code == 0
    assert "Finished (take profit)" in out
    assert "Closed       0.5 at 55,000" in out
    assert "+2,479.50" in out  # 2,500 less the fake's default fees: 15 taker entry, 5.5 maker TP
    code, _, err = run("close", str(trade_id), "--fake")
    assert code == 2 and err.startswith(f"Error: close {trade_id}:") and "already" in err
    code, _, err = run("edit", str(trade_id), "--fake", "--sl", "62000")
    assert code == 2 and err.startswith("Error: edit:") and err.count("\n") == 1


def test_cancel(fake: FakeThreeCommas) -> None:
    trade_id = create("--entry", "limit", "--entry-price", "61000")["id"]
    code, out, err = run("cancel", str(trade_id), "--fake")
    assert code == 0, err
    assert "Cancelling (paper mode" in out
    assert ("DELETE", f"/v2/smart_trades/{trade_id}") in writes(fake)
    assert fake.smart_trade(trade_id)["status"]["type"] in ("cancelled", "cancellation_pending")


def test_edit_refuses_levels_on_the_wrong_side_before_sending(fake: FakeThreeCommas) -> None:
    trade_id = create()["id"]
    before = writes(fake)
    code, out, err = run("edit", str(trade_id), "--fake", "--tp", "61000")
    assert code == 2 and out == ""
    assert err.startswith("Error: --tp:") and err.count("\n") == 1
    code, _, err = run("edit", str(trade_id), "--fake", "--sl-percent", "-3")
    assert code == 2 and err.startswith("Error: --sl-percent:")
    code, _, err = run("edit", str(trade_id), "--fake")
    assert code == 2 and err.startswith("Error: --tp/--sl:")
    assert writes(fake) == before


def test_edit_by_percent_from_the_entry(fake: FakeThreeCommas) -> None:
    trade_id = create()["id"]
    code, _, err = run("edit", str(trade_id), "--fake", "--tp-percent", "-10", "--sl-percent", "5")
    assert code == 0, err
    now = fake.smart_trade(trade_id)
    assert Decimal(now["take_profit"]["steps"][0]["price"]["value"]) == Decimal(54000)
    assert Decimal(now["stop_loss"]["conditional"]["price"]["value"]) == Decimal(63000)


def test_create_picks_the_only_futures_account(fake: FakeThreeCommas) -> None:
    trade = create()
    futures = trade["account"]["id"]
    fake.add_account("futures", "paper")
    code, out, err = run("create", "--fake", *HEDGE)
    assert code == 2 and out == ""
    assert err.startswith("Error: --account-id: not given, and 2 paper futures accounts")
    assert str(futures) in err
    code, _, err = run("create", "--fake", *HEDGE, "--account-id", str(futures))
    assert code == 0, err


def test_create_with_an_explicit_pair_sets_the_fake_price(fake: FakeThreeCommas) -> None:
    trade = create(hedge=(*SIZE, "--asset", "eth", "--price", "3000", "--sl-percent", "3"))
    assert trade["pair"] == "USDT_ETHUSDT"
    assert fake.price("USDT_ETHUSDT") == Decimal(3000)


def test_create_checks_flags_before_any_request(fake: FakeThreeCommas) -> None:
    code, _, err = run("create", "--fake", *HEDGE, "--sl-percent", "2")
    assert code == 2 and err.startswith("Error: --sl/--sl-percent:")
    assert fake.requests == []


def test_real_mode_asks_first(fake: FakeThreeCommas) -> None:
    real = fake.add_account("futures", "real")
    args = ["create", "--fake", "--real", *HEDGE, "--account-id", str(real)]
    code, out, err = run(*args, input="n\n")
    assert code == 1
    assert "REAL mode (real money)" in err and "REAL" not in out
    assert err.endswith("Error: not confirmed: nothing was sent\n")
    assert writes(fake) == []
    code, out, err = run(*args, input="y\n")
    assert code == 0, err
    assert "Created SmartTrade" in out and "real mode" in out
    (post,) = [r for r in fake.requests if r.method == "POST"]
    assert post.mode == "real"
    code, out, err = run(*args, "--yes")
    assert code == 0 and "REAL mode" not in out + err


def test_the_mode_guard_refuses_a_paper_account_in_real_mode(fake: FakeThreeCommas) -> None:
    paper = create()["account"]["id"]
    code, _, err = run("create", "--fake", "--real", "--yes", *HEDGE, "--account-id", str(paper))
    assert code == 2  # the flag is wrong, not the API
    assert err == f"Error: account {paper} is a paper account; drop --real\n"
    assert [r for r in fake.requests if r.method == "POST" and r.mode == "real"] == []


def test_api_errors_are_one_line_with_status_fields_and_request_id(
    fake: FakeThreeCommas,
) -> None:
    code, out, err = run("show", "987654", "--fake")
    assert code == 1 and out == ""
    assert err.startswith("Error: 3Commas answered HTTP 404")
    assert "request id " in err and err.count("\n") == 1 and "Traceback" not in err
    fake.fail_next(
        422,
        method="POST",
        path="/v2/smart_trades",
        json={
            "error": "record_invalid",
            "error_description": "Invalid parameters",
            "error_attributes": {"units_to_buy": ["must be less than or equal to 9000.0"]},
        },
    )
    code, _, err = run("create", "--fake", *HEDGE)
    assert code == 1
    line = err.strip()
    assert line.startswith("Error: 3Commas answered HTTP 422 record_invalid: Invalid parameters")
    assert "[position.units.value: must be less than or equal to 9000.0]" in line
    assert "(request id " in line and "\n" not in line


def test_without_credentials_it_says_which_variables_to_set() -> None:
    for args in (["list"], ["accounts"], ["show", "1"], ["create", *HEDGE]):
        code, out, err = run(*args)
        assert code == 2 and out == ""
        assert err == (
            "Error: no 3Commas credentials: set THREECOMMAS_API_KEY and THREECOMMAS_API_SECRET "
            "(HMAC) or THREECOMMAS_PRIVATE_KEY (RSA, PEM), or try --fake\n"
        )


def test_environment_credentials_and_base_url(
    fake: FakeThreeCommas, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[httpx.Request] = []
    transport = fake.transport

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return transport.handle_request(request)

    monkeypatch.setattr(
        session, "http_client_factory", lambda: httpx.Client(transport=httpx.MockTransport(handler))
    )
    env = {
        "THREECOMMAS_API_KEY": fake.api_key,
        "THREECOMMAS_API_SECRET": fake.api_secret or "",
        "THREECOMMAS_BASE_URL": "https://fake.test/public/api",
    }
    code, out, err = run("create", *HEDGE, "--json", **env)
    assert code == 0, err
    trade_id = json.loads(out)["id"]
    code, out, err = run("show", str(trade_id), **env)
    assert code == 0, err
    assert {str(r.url.host) for r in seen} == {"fake.test"}
    signed = [r for r in seen if not r.url.path.endswith("/currency_rates")]  # public: unsigned
    assert len(signed) < len(seen)  # create read the live price for the drift check
    assert all(r.headers["Apikey"] == fake.api_key for r in signed)
    code, _, err = run("show", str(trade_id), **{**env, "THREECOMMAS_API_SECRET": "0" * 64})
    assert code == 1 and "HTTP 401" in err


def test_accounts_table_and_json(fake: FakeThreeCommas) -> None:
    real = fake.add_account("spot", "real", name="My Binance")
    code, out, _ = run("accounts", "--fake", "--real")
    assert code == 0
    assert str(real) in out and "real spot" in out and "My Binance" in out
    code, out, _ = run("accounts", "--fake")
    assert "paper futures" in out and str(real) not in out
    code, out, _ = run("accounts", "--fake", "--json")
    assert code == 0 and all(isinstance(a["id"], int) for a in json.loads(out))


def test_list_filters_and_empty_message(fake: FakeThreeCommas) -> None:
    code, out, _ = run("list", "--fake")
    assert code == 0 and out.startswith("No active SmartTrades (paper mode")
    first, second = create()["id"], create()["id"]
    code, out, _ = run("list", "--fake", "--limit", "1", "--json")
    assert [t["id"] for t in json.loads(out)] == [second]
    code, out, _ = run("list", "--fake", "--pair", "USDT_ETHUSDT")
    assert out.startswith("No active SmartTrades")
    listed = [r for r in fake.requests if r.method == "GET" and r.path == "/v2/smart_trades"]
    assert listed[-1].query["type"] == "smart_cover" and listed[-1].query["status"] == "active"
    run("list", "--fake", "--all-types")
    listed = [r for r in fake.requests if r.method == "GET" and r.path == "/v2/smart_trades"]
    assert "type" not in listed[-1].query
    assert first != second


def test_manage_output_fits_80_columns_without_color(fake: FakeThreeCommas) -> None:
    tps = ("--tp", "54000:50", "--tp", "53000:50", "--sl", "61800")
    trade_id = create(hedge=(*SIZE, "--price", "60000", *tps))["id"]
    for args in (["list"], ["show", str(trade_id)], ["accounts"]):
        code, out, _ = run(*args, "--fake", FORCE_COLOR="1", NO_COLOR="1")
        assert code == 0 and "\x1b[" not in out
        assert max(len(line) for line in out.splitlines()) <= 80


def test_bad_trade_id_is_a_usage_error() -> None:
    code, _, err = run("show", "abc", "--fake")
    # click spells the argument TRADE_ID or trade_id depending on its release
    assert code == 2 and err.lower().startswith("error: invalid value for 'trade_id'")
    code, _, err = run("close", "0", "--fake")
    assert code == 2 and err.count("\n") == 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_spinner_only_on_a_terminal() -> None:
    tty = _Terminal()
    with waiting(Console(file=tty, force_terminal=True, width=80), "Fetching things..."):
        pass
    assert "Fetching things..." in tty.getvalue()
    pipe = io.StringIO()
    with waiting(Console(file=pipe, force_terminal=True, width=80), "Fetching things..."):
        pass
    assert pipe.getvalue() == ""


def _entered_short(fake: FakeThreeCommas) -> int:
    trade_id: int = create()["id"]
    fake.set_price(PAIR, Decimal(59900))  # settle: the market entry fills
    assert fake.smart_trade(trade_id)["status"]["type"] in ("waiting_targets", "ongoing")
    return trade_id


def test_cancel_of_an_entered_short_asks_first_and_sends_nothing_when_declined(
    fake: FakeThreeCommas,
) -> None:
    trade_id = _entered_short(fake)
    before = writes(fake)
    code, _, err = run("cancel", str(trade_id), "--fake", input="n\n")
    assert code == 1
    assert "stays open" not in err and "no take profit or stop loss" in err
    assert f"threecommas-hedge close {trade_id}" in err
    assert writes(fake) == before


def test_cancel_then_close_buys_the_open_short_back_once(fake: FakeThreeCommas) -> None:
    trade_id = _entered_short(fake)
    code, out, err = run("cancel", str(trade_id), "--fake", input="y\n")
    assert code == 0, err
    assert "stays open, not managed" in err and f"close {trade_id}" in err
    fake.set_price(PAIR, Decimal(59900))
    assert fake.smart_trade(trade_id)["status"]["type"] == "cancelled"

    code, out, _ = run("show", str(trade_id), "--fake")
    assert code == 0 and "position open, not managed" in out

    code, out, err = run("close", str(trade_id), "--fake")
    assert code == 0, err
    buy = [r for r in fake.requests if r.method == "POST" and r.path == "/v2/smart_trades"][-1]
    assert buy.json["instant"] is True
    assert buy.json["position"]["type"] == "buy"
    assert buy.json["position"]["order_type"] == "market"
    assert Decimal(buy.json["position"]["units"]["value"]) == Decimal("0.5")
    assert buy.json["pair"] == PAIR
    assert buy.json["account_id"] == fake.smart_trade(trade_id)["account"]["id"]
    assert f"cancelled SmartTrade {trade_id}" in buy.json["note"]
    assert "Bought back" in out

    posts = len([r for r in fake.requests if r.method == "POST"])
    code, _, err = run("close", str(trade_id), "--fake")
    assert code == 2 and "already bought back" in err
    assert len([r for r in fake.requests if r.method == "POST"]) == posts  # never twice

    code, out, _ = run("show", str(trade_id), "--fake")
    assert code == 0 and "bought back by SmartTrade" in out and "not managed" not in out


def test_cancel_with_yes_skips_the_question(fake: FakeThreeCommas) -> None:
    trade_id = _entered_short(fake)
    code, _, err = run("cancel", str(trade_id), "--fake", "--yes")
    assert code == 0, err
    assert ("DELETE", f"/v2/smart_trades/{trade_id}") in writes(fake)


def test_watch_says_a_cancelled_short_is_open_and_not_managed(fake: FakeThreeCommas) -> None:
    trade_id = _entered_short(fake)
    assert run("cancel", str(trade_id), "--fake", "--yes")[0] == 0
    fake.set_price(PAIR, Decimal(59900))
    code, out, err = run("watch", str(trade_id), "--fake", "--once")
    assert code == 0, err
    assert "position open, not managed" in out


@pytest.mark.parametrize(
    "command", ["list", "show", "accounts", "watch", "cancel", "close", "edit", "create"]
)
def test_real_help_promises_a_question_only_where_there_is_a_yes_flag(command: str) -> None:
    code, out, _ = run(command, "--help", COLUMNS="200")
    assert code == 0
    real_line = next(line for line in out.splitlines() if "--real " in line and "│" in line)
    has_yes = "--yes" in out.replace(real_line, "")
    assert ("asks first unless --yes" in real_line) == has_yes
    assert has_yes == (command in ("cancel", "close", "edit", "create"))


def test_list_real_reads_without_asking(fake: FakeThreeCommas) -> None:
    fake.add_account("futures", "real")
    code, out, err = run("list", "--fake", "--real")
    assert code == 0, err
    assert "REAL mode" not in err and "No active SmartTrades (real mode" in out


def test_real_mode_refusals_name_the_real_cause(fake: FakeThreeCommas) -> None:
    paper_account = fake.smart_trade(create()["id"])["account"]["id"]
    trade_id = create()["id"]
    fake.add_account("futures", "real")
    before = writes(fake)
    code, _, err = run(
        "create", "--fake", "--real", "--yes", *HEDGE, "--account-id", str(paper_account)
    )
    assert code == 2
    assert err.strip() == f"Error: account {paper_account} is a paper account; drop --real"
    code, _, err = run("show", str(trade_id), "--fake", "--real")
    assert code == 2
    assert err.strip() == f"Error: SmartTrade {trade_id} is a paper-mode trade; drop --real"
    code, _, err = run("cancel", str(trade_id), "--fake", "--real", "--yes")
    assert code == 2 and "paper-mode trade; drop --real" in err
    assert writes(fake) == before


def test_a_trade_missing_in_both_modes_stays_a_not_found_error(fake: FakeThreeCommas) -> None:
    code, _, err = run("show", "99999999", "--fake")
    assert code == 1 and "404" in err


def test_list_names_the_number_of_steps_and_keeps_each_trade_on_one_line(
    fake: FakeThreeCommas,
) -> None:
    two_steps = (*SIZE, "--price", "60000", "--tp", "57000:50", "--tp", "55000", "--sl", "61800")
    trade_id = create(hedge=two_steps)["id"]
    code, out, _ = run("list", "--fake")
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith(str(trade_id)))
    assert "57,000 (of 2)" in line and " +1" not in line
    rows = [line for line in out.splitlines() if line[:1].isdigit()]
    assert len(rows) == 1  # the status column never wraps onto a second line


def test_show_hides_the_client_tag_and_an_empty_note(fake: FakeThreeCommas) -> None:
    trade_id = create()["id"]
    assert "[tch:" in (fake.smart_trade(trade_id)["note"] or "")
    code, out, _ = run("show", str(trade_id), "--fake")
    assert code == 0
    assert "Note" not in out and "tch:" not in out


def test_create_without_price_reads_the_market_and_says_so(fake: FakeThreeCommas) -> None:
    fake.set_price(PAIR, Decimal(61000))
    args = ["create", "--fake", *SIZE, "--tp-percent", "-8", "--sl-percent", "3", "--yes"]
    code, out, err = run(*args)
    assert code == 0, err
    assert "Price        61,000 (last price on " in out
    post = next(r for r in fake.requests if r.method == "POST")
    steps = post.json["take_profit"]["steps"]
    assert Decimal(steps[0]["price"]["value"]) == Decimal(61000) * Decimal("0.92")
    stop = Decimal(post.json["stop_loss"]["conditional"]["price"]["value"])
    assert stop == Decimal(61000) * Decimal("1.03")
    rates = [r for r in fake.requests if r.path.endswith("/currency_rates")]
    assert len(rates) == 1 and rates[0].query.get("pair") == PAIR


def test_create_without_price_when_the_market_has_none_sends_nothing(
    fake: FakeThreeCommas,
) -> None:
    args = ["create", "--fake", *SIZE, "--asset", "XYZ", "--tp-percent", "-8", "--yes"]
    code, _, err = run(*args)
    assert code == 2 and err.startswith("Error: --price:") and err.count("\n") == 1
    assert writes(fake) == []


def test_plan_needs_a_price_offline() -> None:
    code, _, err = run("plan", *SIZE, "--tp", "55000")
    assert code == 2 and err.startswith("Error: --price:")


def test_create_refuses_a_market_entry_beyond_the_drift(fake: FakeThreeCommas) -> None:
    fake.set_price(PAIR, Decimal(61000))  # the market moved since the price was typed
    code, out, err = run("create", "--fake", *HEDGE, "--yes")
    assert code == 2 and out == ""
    # |61000 - 60000| / 60000 = 1.67 % > the default 1 %
    assert err.startswith("Error: --price: the market is at 61000, 1.67% from the price given")
    assert (
        "beyond the 1.00% tolerance" in err
        and "(or raise --max-drift)" in err
        and err.count("\n") == 1
    )
    assert writes(fake) == []
    code, _, err = run("create", "--fake", *HEDGE, "--yes", "--max-drift", "1.7")
    assert code == 0, err
    assert writes(fake) == [("POST", "/v2/smart_trades")]


def test_create_within_the_drift_and_limit_entries_go_out(fake: FakeThreeCommas) -> None:
    fake.set_price(PAIR, Decimal(60590))  # 0.98 %: within 1 %
    assert run("create", "--fake", *HEDGE, "--json")[0] == 0
    fake.set_price(PAIR, Decimal(65000))  # a limit entry rests at its own price: no drift rule
    limit = ["--entry", "limit", "--entry-price", "60000"]
    code, _, err = run("create", "--fake", *HEDGE, *limit, "--json")
    assert code == 0, err
    assert len(writes(fake)) == 2
    code, _, err = run("create", "--fake", *HEDGE, "--max-drift", "-1")
    assert code == 2 and err.startswith("Error: --max-drift: must not be negative")


def test_the_mode_guard_refuses_before_the_drift_check(fake: FakeThreeCommas) -> None:
    paper = create()["account"]["id"]
    fake.set_price(PAIR, Decimal(70000))  # a drift that would be refused too
    fake.requests.clear()
    code, _, err = run("create", "--fake", "--real", "--yes", *HEDGE, "--account-id", str(paper))
    assert code == 2
    assert err == f"Error: account {paper} is a paper account; drop --real\n"
    assert not [r for r in fake.requests if "currency_rates" in r.path]  # no price was read
    assert writes(fake) == []
