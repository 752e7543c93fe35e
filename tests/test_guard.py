"""The mode guard: which writes name which account, and refusals before anything is sent."""

from __future__ import annotations

import json
import pickle
from typing import Any

import httpx
import pytest
import respx

import threecommas_hedge as th
from _sim_clock import SimClock
from threecommas_hedge import AsyncThreeCommas, ThreeCommas
from threecommas_hedge._guard import (
    ModeGuard,
    ModeMismatchError,
    WriteTarget,
    normalize_path,
    write_target,
)

BASE = "https://api.3commas.io/public/api"
CREDS = {"api_key": "key-1234567890", "api_secret": "secret-abcdefghij"}
ACCOUNTS = BASE + "/ver1/accounts"
TRADES = BASE + "/v2/smart_trades"

PAPER = {"id": 11, "name": "sandbox", "market_code": "paper_trading", "exchange_name": "Paper"}
SIMULATOR = {"id": 12, "market_code": "binance", "exchange_name": "Binance Spot account simulator"}
REAL = {"id": 21, "name": "my paper money", "market_code": "binance", "exchange_name": "Binance"}
REAL_2 = {"id": 22, "market_code": "bybit_spot", "exchange_name": "Bybit Spot"}
ALL = [PAPER, SIMULATOR, REAL, REAL_2]


def trade(trade_id: int, account_id: int) -> dict[str, Any]:
    return {"id": trade_id, "account": {"id": account_id, "type": "binance"}, "pair": "USDT_BTC"}


@pytest.fixture
def clock() -> SimClock:
    return SimClock(start=0.0)


def make(mode: str = "paper", clock: SimClock | None = None, **options: Any) -> ThreeCommas:
    return ThreeCommas(
        **CREDS,
        mode=mode,  # type: ignore[arg-type]
        rate_limit=False,
        _sleep=lambda seconds: None,
        _clock=clock or SimClock(start=0.0),
        **options,
    )


@pytest.fixture
def accounts(respx_mock: respx.MockRouter) -> respx.Route:
    return respx_mock.get(ACCOUNTS).mock(return_value=httpx.Response(200, json=ALL))


@pytest.fixture
def create(respx_mock: respx.MockRouter) -> respx.Route:
    return respx_mock.post(TRADES).mock(return_value=httpx.Response(201, json=trade(900, 11)))


def writes(respx_mock: respx.MockRouter) -> list[httpx.Request]:
    return [call.request for call in respx_mock.calls if call.request.method != "GET"]


# ---------------------------------------------------------------- what a write names


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "expected"),
    [
        ("GET", "/v2/smart_trades/5", {}, b"", None),
        ("GET", "/v2/smart_trades", {"account_id": "21"}, b"", None),
        ("POST", "/v2/smart_trades", {}, b'{"account_id":21,"pair":"USDT_BTC"}', ({21}, set())),
        ("POST", "/v2/smart_trades", {}, b'{"account_id":"21"}', ({21}, set())),
        ("POST", "/v2/smart_trades", {}, b'{"pair":"USDT_BTC"}', None),
        ("POST", "/v2/smart_trades", {}, b"not json", None),
        ("POST", "/v2/smart_trades", {"account_id": "22"}, b"", ({22}, set())),
        ("PATCH", "/v2/smart_trades/5", {}, b"{}", (set(), {5})),
        ("DELETE", "/v2/smart_trades/5", {}, b"", (set(), {5})),
        ("POST", "/v2/smart_trades/5/close_by_market", {}, b"", (set(), {5})),
        ("DELETE", "/v2/smart_trades/5/trades/77", {}, b"", (set(), {5})),
        ("POST", "/v2/smart_trades/5/add_funds", {}, b'{"account_id":21}', ({21}, {5})),
        ("POST", "/v2/smart_trades/bulk", {}, b"", None),
        ("POST", "/ver1/accounts/21/load_balances", {}, b"", ({21}, set())),
        ("DELETE", "/ver1/accounts/21", {}, b"", ({21}, set())),
        ("POST", "/ver1/accounts/21/leverage_data", {"pair": "USDT_BTC"}, b"", None),
        ("POST", "/ver1/users/change_mode", {"mode": "paper"}, b"", None),
    ],
)
def test_write_target(
    method: str,
    path: str,
    query: dict[str, str],
    body: bytes,
    expected: tuple[set[int], set[int]] | None,
) -> None:
    target = write_target(method, path, query, body, mode="paper")
    if expected is None:
        assert target is None
    else:
        assert target == WriteTarget(frozenset(expected[0]), frozenset(expected[1]))


@pytest.mark.parametrize(
    "body",
    [b'{"account_id":21,"pair":"USDT_BTC"}', b'{"account_id":"21"}', b'{"pair":"x"}', b"[21]"],
)
@pytest.mark.parametrize("path", ["/v2/smart_trades", "/v2/smart_trades/5/add_funds"])
def test_a_decoded_body_names_the_same_accounts_as_its_bytes(path: str, body: bytes) -> None:
    decoded = json.loads(body)
    fields = decoded if isinstance(decoded, dict) else {}
    expected = write_target("POST", path, {}, body, mode="paper")
    assert write_target("POST", path, {}, fields, mode="paper") == expected


@pytest.mark.parametrize("value", ["abc", 1.5, True, None, [21]])
def test_an_account_id_that_is_no_id_is_refused(value: object) -> None:
    body = json.dumps({"account_id": value}).encode()
    with pytest.raises(ModeMismatchError, match="not an account id"):
        write_target("POST", "/v2/smart_trades", {}, body, mode="paper")


# ---------------------------------------------------------------- the flow, without HTTP


def run(guard: ModeGuard, method: str, path: str, body: Any, answers: dict[str, Any]) -> list[str]:
    """Drive the guard's check, answering its reads from ``answers``; return the reads made."""
    reads: list[str] = []

    def get(read_path: str, params: Any) -> str:
        page = f"?page={params['page']}" if params else ""
        return read_path + page

    flow = guard.check(method, path, {}, json.dumps(body).encode() if body else b"", get)
    try:
        read = next(flow)
        while True:
            reads.append(read)
            read = flow.send(answers[read])
    except StopIteration:
        return reads


def test_accounts_are_cached_for_the_ttl(clock: SimClock) -> None:
    guard = ModeGuard("paper", clock=clock)
    answers = {"/ver1/accounts?page=1": ALL}
    assert run(guard, "POST", "/v2/smart_trades", {"account_id": 11}, answers) == [
        "/ver1/accounts?page=1"
    ]
    clock.now = 59.9
    assert run(guard, "POST", "/v2/smart_trades", {"account_id": 12}, answers) == []
    clock.now = 60.0
    assert run(guard, "POST", "/v2/smart_trades", {"account_id": 11}, answers) == [
        "/ver1/accounts?page=1"
    ]
    guard.forget_accounts()
    assert len(run(guard, "POST", "/v2/smart_trades", {"account_id": 11}, answers)) == 1


def test_each_account_kind_is_derived_once_per_fetch(
    clock: SimClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    derived: list[int] = []
    is_paper = th.Account.is_paper

    def counting(account: th.Account) -> bool:
        derived.append(account.id)
        return bool(is_paper.fget(account))  # type: ignore[attr-defined]

    monkeypatch.setattr(th.Account, "is_paper", property(counting))
    guard = ModeGuard("paper", clock=clock)
    answers = {"/ver1/accounts?page=1": ALL}
    for account_id in (11, 12, 11, 12, 11):
        run(guard, "POST", "/v2/smart_trades", {"account_id": account_id}, answers)
    assert sorted(derived) == [11, 12, 21, 22]  # the fetch derived each kind; checks reuse it
    with pytest.raises(ModeMismatchError, match="real account"):
        run(guard, "POST", "/v2/smart_trades", {"account_id": 21}, answers)
    assert len(derived) == 4
    clock.now = 60.0  # expired: fetched again, every kind derived again
    run(guard, "POST", "/v2/smart_trades", {"account_id": 11}, answers)
    assert len(derived) == 8


def test_an_account_missing_from_the_cache_is_fetched_once_more(clock: SimClock) -> None:
    guard = ModeGuard("paper", clock=clock)
    run(guard, "POST", "/v2/smart_trades", {"account_id": 11}, {"/ver1/accounts?page=1": [PAPER]})
    later = {"/ver1/accounts?page=1": [PAPER, SIMULATOR]}
    assert run(guard, "POST", "/v2/smart_trades", {"account_id": 12}, later) == [
        "/ver1/accounts?page=1"
    ]
    with pytest.raises(ModeMismatchError, match="not among the accounts") as info:
        run(guard, "POST", "/v2/smart_trades", {"account_id": 99}, later)
    assert info.value.account_id == 99


def test_accounts_are_read_page_by_page() -> None:
    filler = [{"id": 1000 + i, "market_code": "binance"} for i in range(100)]
    answers = {"/ver1/accounts?page=1": filler, "/ver1/accounts?page=2": [PAPER]}
    reads = run(ModeGuard("paper"), "POST", "/v2/smart_trades", {"account_id": 11}, answers)
    assert reads == ["/ver1/accounts?page=1", "/ver1/accounts?page=2"]


def test_a_server_that_ignores_paging_does_not_loop() -> None:
    filler = [{"id": 1000 + i, "market_code": "paper_trading"} for i in range(100)]
    answers = {f"/ver1/accounts?page={n}": filler for n in range(1, 5)}
    reads = run(ModeGuard("paper"), "POST", "/v2/smart_trades", {"account_id": 1000}, answers)
    assert reads == ["/ver1/accounts?page=1", "/ver1/accounts?page=2"]


def test_unreadable_account_entries_are_skipped_and_fail_closed() -> None:
    answers = {"/ver1/accounts?page=1": ["junk", {"id": "x"}, {"no": "id"}, PAPER]}
    guard = ModeGuard("paper")
    assert run(guard, "POST", "/v2/smart_trades", {"account_id": 11}, answers) == [
        "/ver1/accounts?page=1"
    ]
    with pytest.raises(ModeMismatchError):
        run(guard, "POST", "/v2/smart_trades", {"account_id": 21}, answers)


def test_trade_owner_is_learnt_from_answers_and_remembered() -> None:
    guard = ModeGuard("paper")
    answers = {"/v2/smart_trades/5": trade(5, 11), "/ver1/accounts?page=1": ALL}
    assert run(guard, "DELETE", "/v2/smart_trades/5", None, answers) == [
        "/v2/smart_trades/5",
        "/ver1/accounts?page=1",
    ]
    assert run(guard, "POST", "/v2/smart_trades/5/close_by_market", None, answers) == []
    guard.observe("/v2/smart_trades", [trade(6, 21), trade(7, 12), {"id": 8}, "x"])
    guard.observe("/ver1/accounts", [trade(9, 21)])  # not a SmartTrade path: ignored
    with pytest.raises(ModeMismatchError, match="account 21"):
        run(guard, "DELETE", "/v2/smart_trades/6", None, answers)
    assert run(guard, "DELETE", "/v2/smart_trades/7", None, answers) == []
    with pytest.raises(KeyError):  # trade 9 is unknown: the guard asks for it
        run(guard, "DELETE", "/v2/smart_trades/9", None, answers)


def test_a_trade_whose_account_cannot_be_told_is_refused() -> None:
    answers = {"/v2/smart_trades/5": {"id": 5, "account": {}}}
    with pytest.raises(ModeMismatchError, match="cannot tell which account"):
        run(ModeGuard("paper"), "DELETE", "/v2/smart_trades/5", None, answers)


# ---------------------------------------------------------------- through the client


def test_paper_write_to_a_real_account_is_refused_before_sending(
    respx_mock: respx.MockRouter, accounts: respx.Route, create: respx.Route
) -> None:
    with make() as client:
        with pytest.raises(ModeMismatchError) as info:
            client.request("POST", "/v2/smart_trades", json={"account_id": 21, "pair": "USDT_BTC"})
        error = info.value
        assert isinstance(error, th.ThreeCommasError)
        assert (error.account_id, error.mode) == (21, "paper")
        assert "real account" in str(error) and "nothing was sent" in str(error)
        assert create.call_count == 0
        assert writes(respx_mock) == []
        # with the account list cached, a second refusal sends nothing at all
        before = len(respx_mock.calls)
        with pytest.raises(ModeMismatchError):
            client.request("POST", "/v2/smart_trades", json={"account_id": 22})
        assert len(respx_mock.calls) == before


@pytest.mark.parametrize("account_id", [11, 12])
def test_paper_write_to_a_paper_account_goes_out(
    accounts: respx.Route, create: respx.Route, account_id: int
) -> None:
    with make() as client:
        body = {"account_id": account_id, "pair": "USDT_BTC"}
        assert client.request("POST", "/v2/smart_trades", json=body)["id"] == 900
    assert create.call_count == 1
    assert json.loads(create.calls.last.request.content) == body
    assert accounts.call_count == 1
    assert accounts.calls.last.request.url.params["per_page"] == "100"


def test_real_mode_without_allow_list_refuses_paper_accounts(
    accounts: respx.Route, create: respx.Route
) -> None:
    with make("real") as client:
        client.request("POST", "/v2/smart_trades", json={"account_id": 21})
        with pytest.raises(ModeMismatchError, match="paper account") as info:
            client.request("POST", "/v2/smart_trades", json={"account_id": 11})
    assert info.value.mode == "real"
    assert create.call_count == 1
    assert create.calls.last.request.headers["Forced-Mode"] == "real"


def test_real_mode_allow_list_refuses_others_without_any_request(
    respx_mock: respx.MockRouter, accounts: respx.Route, create: respx.Route
) -> None:
    with make("real", allowed_account_ids=[21]) as client:
        assert client.allowed_account_ids == frozenset({21})
        with pytest.raises(ModeMismatchError, match="not in allowed_account_ids"):
            client.request("POST", "/v2/smart_trades", json={"account_id": 22})
        assert respx_mock.calls.call_count == 0
        client.request("POST", "/v2/smart_trades", json={"account_id": 21})
    assert create.call_count == 1


def test_allow_list_does_not_override_the_kind(accounts: respx.Route, create: respx.Route) -> None:
    real = make("real", allowed_account_ids=[11, 21])
    with real, pytest.raises(ModeMismatchError, match="paper account"):
        real.request("POST", "/v2/smart_trades", json={"account_id": 11})
    paper = make("paper", allowed_account_ids=[12])
    with paper, pytest.raises(ModeMismatchError, match="allowed_account_ids"):
        paper.request("POST", "/v2/smart_trades", json={"account_id": 11})
    assert create.call_count == 0


def test_write_on_an_existing_trade_checks_the_trade_account(
    respx_mock: respx.MockRouter, accounts: respx.Route
) -> None:
    get_5 = respx_mock.get(TRADES + "/5").mock(return_value=httpx.Response(200, json=trade(5, 21)))
    cancel = respx_mock.delete(TRADES + "/5").mock(return_value=httpx.Response(200, json={}))
    close = respx_mock.post(TRADES + "/5/close_by_market").mock(
        return_value=httpx.Response(201, json={})
    )
    with make() as client:
        with pytest.raises(ModeMismatchError, match="account 21"):
            client.request("DELETE", "/v2/smart_trades/5")
        with pytest.raises(ModeMismatchError):
            client.request("POST", "/v2/smart_trades/5/close_by_market")
    assert get_5.call_count == 1  # the owner is remembered
    assert cancel.call_count == close.call_count == 0
    with make("real") as client:
        client.request("DELETE", "/v2/smart_trades/5")
    assert cancel.call_count == 1


def test_owner_learnt_from_a_list_needs_no_extra_read(
    respx_mock: respx.MockRouter, accounts: respx.Route
) -> None:
    respx_mock.get(TRADES).mock(return_value=httpx.Response(200, json=[trade(5, 11)]))
    note = respx_mock.post(TRADES + "/5/set_note").mock(return_value=httpx.Response(201, json={}))
    with make() as client:
        client.request("GET", "/v2/smart_trades")
        client.request("POST", "/v2/smart_trades/5/set_note", json={"note": "hedge"})
    assert note.call_count == 1
    assert [call.request.url.path for call in respx_mock.calls] == [
        "/public/api/v2/smart_trades",
        "/public/api/ver1/accounts",
        "/public/api/v2/smart_trades/5/set_note",
    ]


def test_reads_and_unnamed_writes_are_not_checked(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(TRADES + "/5").mock(return_value=httpx.Response(200, json=trade(5, 21)))
    mode = respx_mock.post(BASE + "/ver1/users/change_mode").mock(
        return_value=httpx.Response(201, json={})
    )
    leverage = respx_mock.post(BASE + "/ver1/accounts/21/leverage_data").mock(
        return_value=httpx.Response(201, json=[])
    )
    with make() as client:
        client.request("GET", "/v2/smart_trades/5")
        client.request("POST", "/ver1/users/change_mode", params={"mode": "paper"})
        client.request("POST", "/ver1/accounts/21/leverage_data", params={"pair": "USDT_BTC"})
    assert mode.call_count == leverage.call_count == 1
    assert respx_mock.calls.call_count == 3


def test_guard_reads_fail_loudly_and_the_write_stays_unsent(
    respx_mock: respx.MockRouter, create: respx.Route
) -> None:
    respx_mock.get(ACCOUNTS).mock(return_value=httpx.Response(401, json={"error": "bad key"}))
    with make() as client, pytest.raises(th.AuthenticationError):
        client.request("POST", "/v2/smart_trades", json={"account_id": 11})
    assert create.call_count == 0


def test_guard_reads_go_through_the_rate_limiter(
    accounts: respx.Route, create: respx.Route
) -> None:
    with ThreeCommas(**CREDS, _sleep=lambda seconds: None) as client:
        limiter = client.rate_limiter
        assert limiter is not None
        client.request("POST", "/v2/smart_trades", json={"account_id": 11})
        window = limiter._windows[0]
        assert window.budget.name == "api" and len(window.hits) == 2


def test_with_options_copies_share_the_caches(
    respx_mock: respx.MockRouter, accounts: respx.Route, create: respx.Route
) -> None:
    with make() as client:
        client.request("POST", "/v2/smart_trades", json={"account_id": 11})
        client.with_options(max_retries=0).request(
            "POST", "/v2/smart_trades", json={"account_id": 11}
        )
    assert accounts.call_count == 1
    assert create.call_count == 2


def test_guard_options_are_checked() -> None:
    with pytest.raises(ValueError, match="mode guard"):
        make(allowed_account_ids=[1], mode_guard=False)
    with pytest.raises(TypeError, match="int account ids"):
        make(allowed_account_ids=["21"])
    with pytest.raises(TypeError, match="collection"):
        make(allowed_account_ids="21")
    with make(mode_guard=False) as client:
        assert client.allowed_account_ids is None


def test_mode_mismatch_error_pickles() -> None:
    error = ModeMismatchError("refused", account_id=21, mode="paper")
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (str(copy), copy.account_id, copy.mode) == ("refused", 21, "paper")


# ---------------------------------------------------------------- async


@pytest.fixture
async def aclient() -> Any:
    async def no_sleep(seconds: float) -> None:
        return None

    async with AsyncThreeCommas(**CREDS, rate_limit=False, _sleep=no_sleep) as client:
        yield client


async def test_async_paper_write_to_real_account_is_refused(
    aclient: AsyncThreeCommas,
    respx_mock: respx.MockRouter,
    accounts: respx.Route,
    create: respx.Route,
) -> None:
    with pytest.raises(ModeMismatchError, match="real account"):
        await aclient.request("POST", "/v2/smart_trades", json={"account_id": 21})
    assert writes(respx_mock) == []
    assert (await aclient.request("POST", "/v2/smart_trades", json={"account_id": 11}))["id"] == 900
    assert create.call_count == 1


async def test_async_trade_write_looks_up_the_owner(
    aclient: AsyncThreeCommas, respx_mock: respx.MockRouter, accounts: respx.Route
) -> None:
    respx_mock.get(TRADES + "/5").mock(return_value=httpx.Response(200, json=trade(5, 11)))
    funds = respx_mock.post(TRADES + "/5/add_funds").mock(return_value=httpx.Response(201, json={}))
    await aclient.request("POST", "/v2/smart_trades/5/add_funds", json={"order_type": "market"})
    assert funds.call_count == 1
    assert [call.request.method for call in respx_mock.calls] == ["GET", "GET", "POST"]


# ---------------------------------------------------------------- hostile spellings of a path


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/v2/smart_trades", "/v2/smart_trades"),
        ("/v2//smart_trades///5", "/v2/smart_trades/5"),
        ("//v2/smart_trades/5/", "/v2/smart_trades/5/"),
        ("/v2/./smart_trades/5", "/v2/smart_trades/5"),
        ("/v2/x/../smart_trades/5", "/v2/smart_trades/5"),
        ("/v2/smart_trades/5/..", "/v2/smart_trades/"),
        ("/", "/"),
    ],
)
def test_normalize_path_collapses_slashes_and_dot_segments(path: str, expected: str) -> None:
    assert normalize_path(path) == expected
    assert normalize_path(expected) == expected  # idempotent


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        ("/v2/../../x", "leaves the API"),
        ("/..", "leaves the API"),
        ("/v2/smart_trades/../../../ver1/x/../../..", "leaves the API"),
        ("v2/smart_trades", "start with '/'"),
        ("/v2/smart_trades?x=1", "query"),
        ("/v2/smart_trades#x", "query"),
        ("/v2/smart%5Ftrades/5", "percent"),
        ("/v2/%2e%2e/%2e%2e/x", "percent"),
        ("/v2/smart_trades/5\n", "control"),
        ("/v2/smart trades", "control"),
        ("/v2/smart_trades\\5", "backslash"),
    ],
)
def test_normalize_path_refuses_paths_that_leave_or_hide(path: str, rule: str) -> None:
    with pytest.raises(th.RequestValidationError, match=rule) as info:
        normalize_path(path)
    assert isinstance(info.value, ValueError)
    assert info.value.errors()[0]["loc"] == ("path",)


def test_normalize_path_remembers_answers_but_not_refusals() -> None:
    class Path(str):
        pass

    for _ in range(2):  # the second round is answered from the remembered paths
        assert normalize_path("/v2//smart_trades/./7") == "/v2/smart_trades/7"
        assert normalize_path(Path("/v2//x/../y")) == "/v2/y"
        with pytest.raises(th.RequestValidationError, match="leaves the API"):
            normalize_path("/v2/../../z")
        with pytest.raises(th.RequestValidationError, match="start with '/'"):
            normalize_path(["/v2"])  # type: ignore[arg-type]  # unhashable: still refused


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("DELETE", "/v2/smart_trades/123.json", (set(), {123})),
        ("POST", "/v2/smart_trades/123/close_by_market.json", (set(), {123})),
        ("PATCH", "/v2//smart_trades//123", (set(), {123})),
        ("DELETE", "/ver1/smart_trades/123", (set(), {123})),
        ("POST", "/v2/accounts/21/load_balances", ({21}, set())),
        ("DELETE", "/ver1/accounts/21.json", ({21}, set())),
        ("POST", "/ver1/accounts/21/leverage_data.json", None),
        ("DELETE", "/v2/smart_trades/x/../123", (set(), {123})),
        ("DELETE", "/v2/smart_trades/١٢٣", None),  # not ASCII digits: no id
    ],
)
def test_write_target_sees_every_spelling_of_a_route(
    method: str, path: str, expected: tuple[set[int], set[int]] | None
) -> None:
    target = write_target(method, path, {}, b"", mode="paper")
    if expected is None:
        assert target is None
    else:
        assert target == WriteTarget(frozenset(expected[0]), frozenset(expected[1]))


@pytest.mark.parametrize(
    "path",
    [
        "/v2/smart_trades/123.json",
        "/v2//smart_trades/123",
        "/ver1/smart_trades/123",
        "/v2/smart_trades/./123",
    ],
)
def test_client_request_guards_every_spelling_of_a_trade_write(
    respx_mock: respx.MockRouter, accounts: respx.Route, path: str
) -> None:
    respx_mock.get(TRADES + "/123").mock(return_value=httpx.Response(200, json=trade(123, 21)))
    with make() as client, pytest.raises(ModeMismatchError):
        client.request("DELETE", path)
    assert writes(respx_mock) == []


def test_client_request_sends_the_normalized_path(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(TRADES + "/5").mock(return_value=httpx.Response(200, json={}))
    with make() as client:
        client.request("GET", "/v2//smart_trades/./5")
    assert route.call_count == 1


@pytest.mark.parametrize("path", ["/v2/../../x", "/../public/api/v2/smart_trades"])
def test_client_request_refuses_a_path_leaving_the_api(
    respx_mock: respx.MockRouter, path: str
) -> None:
    with make() as client, pytest.raises(th.RequestValidationError, match="leaves the API"):
        client.request("GET", path)
    assert respx_mock.calls.call_count == 0
