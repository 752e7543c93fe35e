"""The error tree, the response-to-error mapping and the error_attributes -> fields mapping."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

import threecommas_hedge as th
from threecommas_hedge._response import (
    error_fields,
    error_from_response,
    field_path,
    normalize_error_attributes,
    parse_retry_after,
)
from threecommas_hedge.hedge.position import HedgeStatus

URL = "https://api.3commas.io/public/api/v2/smart_trades/42"
HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"

# official example bodies (reference/examples), inlined
NOT_FOUND = {"error": "Not found", "error_description": "Smart Trade not found"}
CREATE_422 = {
    "error": "record_invalid",
    "error_description": "Invalid parameters",
    "error_attributes": {
        "position": ["is invalid"],
        "position.total": ["must be less than or equal to 9000000.0"],
        "units_to_buy": ["must be less than or equal to 9000.0"],
    },
}
EDIT_400 = {
    "error": "record_invalid",
    "error_description": "Invalid parameters",
    "error_attributes": {
        "take_profit[steps][0][price][value],take_profit[steps][0][price][percent]": [
            "are mutually exclusive"
        ],
        "stop_loss[order_type]": ["is missing"],
    },
}
ADD_FUNDS_400 = {
    "error": "record_invalid",
    "error_description": "Invalid parameters",
    "error_attributes": {
        "order_type": ["is missing", "does not have a valid value"],
        "units": ["is missing"],
        "units[value]": ["is missing"],
    },
}


def response(
    status: int,
    body: Any = None,
    *,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    request = httpx.Request(
        "GET", URL, headers={"Apikey": "KEY-123456", "Signature": "SIG-abcdef0123"}
    )
    if content is not None:
        return httpx.Response(status, content=content, headers=headers, request=request)
    return httpx.Response(status, json=body, headers=headers, request=request)


@pytest.mark.parametrize(
    ("child", "parent"),
    [
        (th.APIError, th.ThreeCommasError),
        (th.APIConnectionError, th.APIError),
        (th.APITimeoutError, th.APIConnectionError),
        (th.APIStatusError, th.APIError),
        (th.APIResponseValidationError, th.APIError),
        (th.BadRequestError, th.APIStatusError),
        (th.AuthenticationError, th.APIStatusError),
        (th.PermissionDeniedError, th.APIStatusError),
        (th.NotFoundError, th.APIStatusError),
        (th.UnprocessableEntityError, th.APIStatusError),
        (th.RateLimitError, th.APIStatusError),
        (th.IPBannedError, th.APIStatusError),
        (th.InternalServerError, th.APIStatusError),
        (th.HedgeValidationError, th.ThreeCommasError),
        (th.HedgeValidationError, ValueError),
    ],
)
def test_tree(child: type[Exception], parent: type[Exception]) -> None:
    assert issubclass(child, parent)


def test_status_errors_are_not_connection_errors() -> None:
    assert not issubclass(th.APIStatusError, th.APIConnectionError)
    assert not issubclass(th.APIResponseValidationError, th.APIStatusError)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, th.BadRequestError),
        (401, th.AuthenticationError),
        (403, th.PermissionDeniedError),
        (404, th.NotFoundError),
        (418, th.IPBannedError),
        (422, th.UnprocessableEntityError),
        (429, th.RateLimitError),
        (500, th.InternalServerError),
        (502, th.InternalServerError),
        (503, th.InternalServerError),
        (504, th.InternalServerError),
        (408, th.APIStatusError),
        (409, th.APIStatusError),
        (302, th.APIRedirectError),
    ],
)
def test_class_by_status(status: int, cls: type[th.APIStatusError]) -> None:
    error = error_from_response(response(status, {"error": "something"}))
    assert type(error) is cls
    assert error.status_code == status
    assert error.error == "something"


def test_html_502_is_internal_server_error() -> None:
    error = error_from_response(
        response(502, content=HTML_502, headers={"Content-Type": "text/html"})
    )
    assert type(error) is th.InternalServerError
    assert error.status_code == 502
    assert error.error is None
    assert error.error_description is None
    assert error.error_attributes == {}
    assert "502" in str(error)
    assert "text/html" in str(error)


@pytest.mark.parametrize("content", [b"", b"not json", b'{"error": "rec', b"[1, 2]", b'"a string"'])
def test_any_non_object_body_still_maps_by_status(content: bytes) -> None:
    error = error_from_response(response(422, content=content))
    assert type(error) is th.UnprocessableEntityError
    assert error.error is None
    assert error.fields == {}


@pytest.mark.parametrize("status", [400, 404, 422])
def test_not_found_body_is_not_found_whatever_the_status(status: int) -> None:
    error = error_from_response(response(status, NOT_FOUND))
    assert type(error) is th.NotFoundError
    assert error.status_code == status
    assert error.error_description == "Smart Trade not found"
    assert "Smart Trade not found" in str(error)


def test_request_id_and_retry_after_headers() -> None:
    error = error_from_response(
        response(429, {"error": "rate"}, headers={"X-Request-Id": "req-77", "Retry-After": "7"})
    )
    assert isinstance(error, th.RateLimitError)
    assert error.request_id == "req-77"
    assert error.retry_after == 7.0
    assert not error.plan_restricted
    assert "req-77" in str(error)
    plain = error_from_response(response(429, {"error": "rate"}))
    assert plain.request_id is None
    assert plain.retry_after is None


@pytest.mark.parametrize(
    "body",
    [
        {
            "error": "Forbidden",
            "error_description": "This request type is not available on your plan",
        },
        {"error": "plan_restriction"},
        {"error": "too_many", "error_description": "Upgrade your subscription to use this"},
    ],
)
def test_plan_restriction_is_detected(body: dict[str, str]) -> None:
    error = error_from_response(response(429, body, headers={"Retry-After": "1"}))
    assert isinstance(error, th.RateLimitError)
    assert error.plan_restricted


def test_create_422_fields_map_to_payload_paths() -> None:
    error = error_from_response(response(422, CREATE_422))
    assert isinstance(error, th.UnprocessableEntityError)
    assert error.error == "record_invalid"
    assert error.error_attributes == CREATE_422["error_attributes"]
    assert error.fields == {
        "position": ["is invalid"],
        "position.total": ["must be less than or equal to 9000000.0"],
        "position.units.value": ["must be less than or equal to 9000.0"],
    }
    text = str(error)
    assert "position.units.value: must be less than or equal to 9000.0" in text
    assert "Invalid parameters" in text


def test_comma_joined_keys_split_into_both_paths() -> None:
    error = error_from_response(response(400, EDIT_400))
    assert error.fields == {
        "take_profit.steps[0].price.value": ["are mutually exclusive"],
        "take_profit.steps[0].price.percent": ["are mutually exclusive"],
        "stop_loss.order_type": ["is missing"],
    }


def test_add_funds_fields() -> None:
    assert error_from_response(response(400, ADD_FUNDS_400)).fields == {
        "order_type": ["is missing", "does not have a valid value"],
        "units": ["is missing"],
        "units.value": ["is missing"],
    }


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("take_profit[steps][0][price][type]", "take_profit.steps[0].price.type"),
        ("take_profit[steps][12][volume]", "take_profit.steps[12].volume"),
        ("stop_loss[conditional][trailing][percent]", "stop_loss.conditional.trailing.percent"),
        ("units[value]", "units.value"),
        ("position.total", "position.total"),
        ("units_to_buy", "position.units.value"),
        ("entered_amount", "units.value"),
        ("total", "units.value"),
        ("note", "note"),
        ("some_new_field", "some_new_field"),
        (" position ", "position"),
        ("ids[]", "ids[]"),
        ("broken[", "broken["),
    ],
)
def test_field_path(key: str, path: str) -> None:
    assert field_path(key) == path


def test_internal_names_merge_with_their_bracket_spelling() -> None:
    fields = error_fields({"total": ["Too small"], "units[value]": ["Too small", "is missing"]})
    assert fields == {"units.value": ["Too small", "is missing"]}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, {}),
        ("", {}),
        ("amount is wrong", {"base": ["amount is wrong"]}),
        ({"note": "too long"}, {"note": ["too long"]}),
        ({"units": ["a", 5]}, {"units": ["a", "5"]}),
        (["odd"], {"base": ["['odd']"]}),
    ],
)
def test_error_attributes_are_normalised(raw: object, expected: dict[str, list[str]]) -> None:
    assert normalize_error_attributes(raw) == expected


def test_error_attributes_as_a_string_in_a_body() -> None:
    error = error_from_response(
        response(422, {"error": "record_invalid", "error_attributes": "units is missing"})
    )
    assert error.error_attributes == {"base": ["units is missing"]}
    assert error.fields == {"base": ["units is missing"]}


def test_error_text_never_holds_request_credentials() -> None:
    for status, body in [(401, {"error": "signature_invalid"}), (422, CREATE_422), (502, None)]:
        error = error_from_response(response(status, body))
        for text in (str(error), repr(error), error.message):
            assert "KEY-123456" not in text
            assert "SIG-abcdef0123" not in text


def test_response_validation_error_attributes() -> None:
    bad = response(200, content=b"<html>", headers={"X-Request-Id": "r1"})
    error = th.APIResponseValidationError("not json", response=bad)
    assert error.status_code == 200
    assert error.request_id == "r1"
    assert error.response is bad
    assert error.request is bad.request
    bare = th.APIResponseValidationError("wrong types")
    assert bare.status_code is None
    assert bare.response is None
    assert bare.request is None
    assert str(bare) == "wrong types"


def test_connection_error_defaults() -> None:
    assert str(th.APIConnectionError()) == "Connection error."
    assert str(th.APITimeoutError()) == "Request timed out."
    assert th.APITimeoutError().request is None


def test_hedge_validation_error() -> None:
    error = th.HedgeValidationError("take_profit.steps[0].volume", "volumes must sum to 100")
    assert error.field == "take_profit.steps[0].volume"
    assert error.rule == "volumes must sum to 100"
    assert str(error) == "take_profit.steps[0].volume: volumes must sum to 100"
    with pytest.raises(ValueError, match="sum to 100"):
        raise error
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (type(copy), copy.field, copy.rule, str(copy)) == (
        th.HedgeValidationError,
        error.field,
        error.rule,
        str(error),
    )


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("5", 5.0),
        (" 12 ", 12.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("-1", None),
        ("nan", None),
        ("inf", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after_seconds(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


def test_parse_retry_after_http_date() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    earlier = format_datetime(now - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, now=now) == 30.0
    assert parse_retry_after(earlier, now=now) == 0.0


@pytest.mark.parametrize(
    "body",
    [
        {"error": "rate_limit", "error_description": "Too many requests, slow down"},
        {"error": "rate_limit", "error_description": "See the explanation in the docs"},
        {"error": "planned maintenance"},
    ],
)
def test_ordinary_429_is_not_a_plan_restriction(body: dict[str, str]) -> None:
    error = error_from_response(response(429, body))
    assert isinstance(error, th.RateLimitError)
    assert not error.plan_restricted


def _waiting_status() -> HedgeStatus:
    return HedgeStatus(
        stage="open",
        code="waiting_targets",
        title="Waiting targets",
        entered_quantity=Decimal("0.5"),
        closed_quantity=Decimal(0),
        open_quantity=Decimal("0.5"),
        average_entry=Decimal("60000"),
        average_exit=None,
        tp_steps=1,
        tp_steps_filled=(),
        take_profit_prices=(Decimal("55200"),),
        stop_loss_price=Decimal("61800"),
        stop_loss_filled=False,
        closed_by=None,
    )


@pytest.mark.parametrize("cls", [th.WriteNotAppliedError, th.WriteOutcomeUnknownError])
@pytest.mark.parametrize("client_tag", ["0123456789ab", None])
def test_write_errors_pickle_with_their_fields(cls: type[Any], client_tag: str | None) -> None:
    error = cls("create not applied", operation="create", client_tag=client_tag)
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert type(copy) is cls
    assert isinstance(copy, th.APIError)
    assert (str(copy), copy.message, copy.operation, copy.client_tag, copy.request) == (
        "create not applied",
        "create not applied",
        "create",
        client_tag,
        None,
    )


@pytest.mark.parametrize("cls", [th.HedgeWaitError, th.HedgeTimeoutError])
def test_wait_errors_pickle_with_their_status(cls: type[Any]) -> None:
    status = _waiting_status()
    error = cls("tp1 not reached within 60 s (the trade is waiting_targets)", status)
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert type(copy) is cls
    assert str(copy) == "tp1 not reached within 60 s (the trade is waiting_targets)"
    assert copy.status == status
    assert copy.status is not status


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (422, CREATE_422, th.UnprocessableEntityError),
        (429, {"error": "plan_restriction", "error_description": "not on your plan"}, None),
        (404, NOT_FOUND, th.NotFoundError),
    ],
)
def test_status_errors_pickle_with_their_fields(
    status: int, body: dict[str, Any], cls: type[Any] | None
) -> None:
    request = httpx.Request("POST", URL, headers={"Apikey": "[redacted]"})
    response = httpx.Response(status, json=body, headers={"X-Request-Id": "req-1"}, request=request)
    error = error_from_response(response)
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert type(copy) is (cls or th.RateLimitError)
    assert (str(copy), copy.status_code, copy.error, copy.error_description) == (
        str(error),
        status,
        body["error"],
        body["error_description"],
    )
    assert copy.error_attributes == error.error_attributes
    assert (copy.request_id, copy.response.json()) == ("req-1", body)
    if status == 429:
        assert copy.plan_restricted is True


def test_mode_mismatch_error_is_in_the_tree_and_the_guard_re_exports_it() -> None:
    from threecommas_hedge import _exceptions, _guard

    assert _guard.ModeMismatchError is _exceptions.ModeMismatchError is th.ModeMismatchError
    assert issubclass(th.ModeMismatchError, th.ThreeCommasError)
    error = th.ModeMismatchError("no", account_id=7, mode="paper")
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (str(copy), copy.account_id, copy.mode) == ("no", 7, "paper")


def test_the_error_tree_parses_nothing_itself() -> None:
    """``_exceptions`` imports nothing of ours but constants: the parsing is in ``_response``."""
    import ast
    from pathlib import Path

    from threecommas_hedge import _exceptions

    tree = ast.parse(Path(_exceptions.__file__).read_text())
    ours = {
        node.module
        for node in tree.body  # run-time imports only (type hints sit under `if TYPE_CHECKING`)
        if isinstance(node, ast.ImportFrom) and node.level
    }
    assert ours == {"_constants"}
    names = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert not {"error_from_response", "parse_retry_after", "error_fields"} & names


def test_a_status_error_built_directly_keeps_what_it_is_given() -> None:
    raw = httpx.Response(422, request=httpx.Request("POST", URL))
    error = th.UnprocessableEntityError(
        "bad", response=raw, error_attributes={"units[value]": ("is missing",)}, retry_after=3.0
    )
    assert error.error_attributes == {"units[value]": ["is missing"]}
    assert error.fields == error.error_attributes  # not re-keyed: error_from_response does that
    assert error.retry_after == 3.0
    assert th.RateLimitError("slow", response=raw).plan_restricted is False
