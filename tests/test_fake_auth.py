"""Authentication, key permissions and ``Forced-Mode`` on the fake, checked against the vectors."""

from __future__ import annotations

import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from threecommas_hedge import ThreeCommas
from threecommas_hedge._exceptions import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
)
from threecommas_hedge.testing import FakeThreeCommas

BASE = "https://api.3commas.io/public/api"
CHANGE_MODE = "/public/api/ver1/users/change_mode"
PAIR = "USDT_BTCUSDT"


def raw(fake: FakeThreeCommas, method: str, url: str, **kwargs: Any) -> httpx.Response:
    with httpx.Client(transport=fake.transport) as http:
        return http.request(method, "https://api.3commas.io" + url, **kwargs)


def hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


# --- the official vectors, replayed byte for byte -----------------------------------------


@pytest.fixture
def doc_hmac_fake(signature_vectors: dict[str, Any]) -> FakeThreeCommas:
    return FakeThreeCommas(
        api_key=signature_vectors["api_key"], api_secret=signature_vectors["hmac_secret"]
    )


def test_hmac_vectors_are_accepted(
    doc_hmac_fake: FakeThreeCommas, signature_vectors: dict[str, Any]
) -> None:
    query_vector, body_vector = signature_vectors["vectors"][:2]
    headers = {"Apikey": signature_vectors["api_key"]}
    answer = raw(
        doc_hmac_fake,
        "POST",
        f"{CHANGE_MODE}?mode=paper",
        headers={**headers, "Signature": query_vector["signature"]},
    )
    assert (answer.status_code, answer.json()) == (200, {"mode": "paper"})
    answer = raw(
        doc_hmac_fake,
        "POST",
        CHANGE_MODE,
        content=b'{"mode": "paper"}',
        headers={
            **headers,
            "Signature": body_vector["signature"].upper(),  # hex is not case sensitive
            "Content-Type": "application/json",
        },
    )
    assert answer.status_code == 200


def test_hmac_of_the_bare_path_for_a_json_body_is_refused(
    doc_hmac_fake: FakeThreeCommas, signature_vectors: dict[str, Any]
) -> None:
    bare = hmac_hex(signature_vectors["hmac_secret"], CHANGE_MODE.encode())
    assert bare.startswith("2bedfe2a")
    answer = raw(
        doc_hmac_fake,
        "POST",
        CHANGE_MODE,
        content=b'{"mode": "paper"}',
        headers={"Apikey": signature_vectors["api_key"], "Signature": bare},
    )
    assert answer.status_code == 401
    assert answer.json() == {
        "error": "signature_invalid",
        "error_description": "Provided signature is invalid",
    }


def test_rsa_vectors_are_accepted(
    signature_vectors: dict[str, Any], rsa_private_key_pem: bytes
) -> None:
    fake = FakeThreeCommas(
        auth="rsa", api_key=signature_vectors["api_key"], private_key=rsa_private_key_pem.decode()
    )
    query_vector, body_vector = signature_vectors["vectors"][2:]
    headers = {"Apikey": signature_vectors["api_key"]}
    answer = raw(
        fake,
        "POST",
        f"{CHANGE_MODE}?mode=paper",
        headers={**headers, "Signature": query_vector["signature"]},
    )
    assert answer.status_code == 200
    body = b'{"mode": "paper"}'
    answer = raw(
        fake,
        "POST",
        CHANGE_MODE,
        content=body,
        headers={**headers, "Signature": body_vector["signature"]},
    )
    assert answer.status_code == 200
    # an RSA signature is case sensitive, and the HMAC separator does not apply
    answer = raw(
        fake,
        "POST",
        CHANGE_MODE,
        content=body,
        headers={**headers, "Signature": body_vector["signature"].lower()},
    )
    assert answer.status_code == 401


# --- generated credentials ------------------------------------------------------------------


def test_random_credentials_differ_and_stay_out_of_repr() -> None:
    first, second = FakeThreeCommas(), FakeThreeCommas()
    assert first.api_key != second.api_key
    assert first.api_secret is not None
    assert first.api_secret != second.api_secret
    assert first.private_key is None
    assert first.api_secret not in repr(first)
    assert first.api_key not in repr(first)


def test_rsa_identity_works_with_the_client() -> None:
    fake = FakeThreeCommas(auth="rsa")
    assert fake.api_secret is None
    assert fake.private_key is not None
    assert fake.private_key.startswith("-----BEGIN PRIVATE KEY-----")
    fake.add_account()
    with fake.client() as client:
        assert client.request("GET", "/ver1/validate") == {"valid": True}
    other = FakeThreeCommas(auth="rsa", api_key=fake.api_key)
    http = httpx.Client(transport=other.transport)
    intruder = ThreeCommas(api_key=fake.api_key, private_key=fake.private_key, http_client=http)
    with http, intruder, pytest.raises(AuthenticationError):
        intruder.request("GET", "/ver1/validate")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Apikey": "wrong", "Signature": "00"},
        {"Signature": "00"},
    ],
)
def test_missing_or_wrong_headers_get_401(headers: dict[str, str]) -> None:
    fake = FakeThreeCommas()
    answer = raw(fake, "GET", "/public/api/ver1/accounts", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"] == "signature_invalid"


def test_a_tampered_body_fails_the_signature() -> None:
    fake = FakeThreeCommas()
    assert fake.api_secret is not None
    path = "/public/api/v2/smart_trades/1/set_note"
    signed = b'{"note": "a"}'
    signature = hmac_hex(fake.api_secret, path.encode() + b"?" + signed)
    headers = {"Apikey": fake.api_key, "Signature": signature}
    assert raw(fake, "POST", path, content=signed, headers=headers).status_code == 404
    assert raw(fake, "POST", path, content=b'{"note": "b"}', headers=headers).status_code == 401


def test_market_data_needs_no_signature() -> None:
    fake = FakeThreeCommas()
    fake.set_price(PAIR, Decimal("60000"))
    answer = raw(
        fake,
        "GET",
        "/public/api/ver1/accounts/currency_rates",
        params={"market_code": "binance_futures", "pair": PAIR},
    )
    assert answer.status_code == 200
    assert answer.json()["last"] == "60000"
    assert raw(fake, "GET", "/public/api/ver1/accounts/market_list").status_code == 200


def test_unknown_paths_are_404() -> None:
    fake = FakeThreeCommas()
    assert raw(fake, "GET", "/public/api/v2/nothing").status_code == 404
    assert raw(fake, "GET", "/elsewhere").status_code == 404


# --- permissions ----------------------------------------------------------------------------


def test_a_read_only_key_cannot_write_or_ask_reduce_funds_info() -> None:
    fake = FakeThreeCommas(permissions={"SMART_TRADES_READ", "ACCOUNTS_READ"})
    account_id = fake.add_account()
    fake.set_price(PAIR, Decimal("60000"))
    with fake.client() as client:
        assert client.request("GET", "/v2/smart_trades") == []
        with pytest.raises(PermissionDeniedError) as caught:
            client.request(
                "POST",
                "/v2/smart_trades",
                json={
                    "account_id": account_id,
                    "pair": PAIR,
                    "position": {"type": "sell", "order_type": "market", "units": {"value": "1"}},
                },
            )
        assert caught.value.error == "access_denied"
        with pytest.raises(PermissionDeniedError):
            client.request("GET", "/v2/smart_trades/1/reduce_funds_info")
    with pytest.raises(ValueError, match="unknown permissions"):
        FakeThreeCommas(permissions={"EVERYTHING"})


# --- Forced-Mode ----------------------------------------------------------------------------


def market_short(account_id: int) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "pair": PAIR,
        "position": {"type": "sell", "order_type": "market", "units": {"value": "0.1"}},
    }


@pytest.fixture
def two_modes() -> tuple[FakeThreeCommas, int, int]:
    fake = FakeThreeCommas()
    paper = fake.add_account()
    real = fake.add_account(mode="real")
    fake.set_price(PAIR, Decimal("60000"))
    return fake, paper, real


def test_paper_mode_sees_and_acts_only_on_paper(
    two_modes: tuple[FakeThreeCommas, int, int],
) -> None:
    fake, paper, real = two_modes
    with fake.client(mode_guard=False) as client:
        assert [a["id"] for a in client.request("GET", "/ver1/accounts")] == [paper]
        with pytest.raises(NotFoundError):
            client.request("GET", f"/ver1/accounts/{real}")
        with pytest.raises(PermissionDeniedError) as caught:
            client.request("POST", "/v2/smart_trades", json=market_short(real))
        assert (caught.value.error, caught.value.error_description) == (
            "Forbidden",
            "Account not owned by current user.",
        )
        paper_trade = client.request("POST", "/v2/smart_trades", json=market_short(paper))["id"]
    assert fake.requests[-1].mode == "paper"
    with fake.client(mode="real", mode_guard=False) as client:
        assert [a["id"] for a in client.request("GET", "/ver1/accounts")] == [real]
        with pytest.raises(NotFoundError):
            client.request("GET", f"/v2/smart_trades/{paper_trade}")
        assert client.request("GET", "/v2/smart_trades") == []
        real_trade = client.request("POST", "/v2/smart_trades", json=market_short(real))
    assert real_trade["account"]["type"] == "binance_futures"
    assert fake.requests[-1].mode == "real"


def test_no_header_means_the_users_mode(two_modes: tuple[FakeThreeCommas, int, int]) -> None:
    fake, paper, real = two_modes
    assert fake.api_secret is not None

    def accounts() -> list[int]:
        path = "/public/api/ver1/accounts"
        signature = hmac_hex(fake.api_secret or "", path.encode())
        answer = raw(fake, "GET", path, headers={"Apikey": fake.api_key, "Signature": signature})
        return [a["id"] for a in answer.json()]

    assert accounts() == [paper]
    with fake.client(mode="real") as client:
        assert client.request("POST", "/ver1/users/change_mode", params={"mode": "real"}) == {
            "mode": "real"
        }
        assert client.request("GET", "/ver1/users/current_mode") == {"mode": "real"}
    assert accounts() == [real]
    assert FakeThreeCommas(mode="real").smart_trades() == []


def test_an_unknown_forced_mode_is_refused() -> None:
    fake = FakeThreeCommas()
    assert fake.api_secret is not None
    path = "/public/api/ver1/accounts"
    headers = {
        "Apikey": fake.api_key,
        "Signature": hmac_hex(fake.api_secret, path.encode()),
        "Forced-Mode": "demo",
    }
    answer = raw(fake, "GET", path, headers=headers)
    assert answer.status_code == 400
    assert json.loads(answer.content)["error_description"] == "Forced-Mode must be paper or real"
