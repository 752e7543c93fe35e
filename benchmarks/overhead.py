"""Where the time a signed ``smart_trades.create`` adds to raw httpx goes, without the network.

Both sides run over ``httpx.MockTransport`` answering the canned create response, so what is
left is pure CPU: the library's whole call against ``httpx.Client.post(...).json()`` of the same
bytes. Then each step the library does on top is timed alone (best CPU time of several repeats): the
endpoint built around the payload model, the client tag put in the note (the safe-create flow), the
model encoded once to the bytes sent, request building, signing, the mode guard's look at the
``account_id`` kept from encoding, JSON decoding with Decimals, and validating the typed
``SmartTrade``. Steps timed alone run with hot caches: inside the whole call each costs more.
"""

from __future__ import annotations

import time
import timeit
from collections.abc import Callable
from typing import Any

import httpx

from ._harness import Figure
from ._server import EXAMPLES
from .roundtrip import API_KEY, API_SECRET, limiter_options, payload

_BASE = "http://127.0.0.1:9/public/api"
_CREATE_PATH = "/v2/smart_trades"


def _best(function: Callable[[], object], number: int, repeat: int) -> float:
    """Best CPU seconds per call (process time: robust to other load on the machine)."""
    function()
    timings = timeit.repeat(function, number=number, repeat=repeat, timer=time.process_time)
    return min(timings) / number


def _canned() -> bytes:
    import json

    raw = (EXAMPLES / "1_create_smart_trade.response.201.json").read_bytes()
    return json.dumps(json.loads(raw), separators=(",", ":")).encode()


def create_breakdown(*, number: int = 2000, repeat: int = 5) -> Figure:
    """The CPU a create adds in-process, and how it splits into the library's steps."""
    from threecommas_hedge import ThreeCommas
    from threecommas_hedge._base_client import parse_body
    from threecommas_hedge._encoding import encode_body, json_body
    from threecommas_hedge._guard import write_target
    from threecommas_hedge._signing import HmacSigner, SignatureAuth
    from threecommas_hedge._writes.safe_writes import safe_create
    from threecommas_hedge.resources.smart_trades import create_endpoint

    content = _canned()
    headers = {"Content-Type": "application/json; charset=utf-8"}
    paper = _paper_account_list()

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/ver1/accounts"):
            return httpx.Response(200, content=paper, headers=headers)
        return httpx.Response(201, content=content, headers=headers)

    body = payload()
    endpoint = create_endpoint(body)
    encoded = encode_body(endpoint.body)
    fields = json_body(endpoint.body).fields  # what the client hands the guard: no re-decoding
    url = _BASE + _CREATE_PATH
    mock = httpx.MockTransport(answer)
    with (
        httpx.Client(transport=mock) as lent,
        ThreeCommas(
            api_key=API_KEY,
            api_secret=API_SECRET,
            base_url=_BASE,
            http_client=lent,
            **limiter_options(False),
        ) as client,
        httpx.Client(transport=mock) as raw,
    ):
        request = client.build_request("POST", _CREATE_PATH, json=endpoint.body)
        sent_headers = dict(request.headers) | {"Apikey": API_KEY, "Signature": "0" * 64}
        library = _best(lambda: client.smart_trades.create(body), number, repeat)
        baseline = _best(
            lambda: raw.post(url, content=encoded, headers=sent_headers).json(), number, repeat
        )
        auth = SignatureAuth(API_KEY, HmacSigner(API_SECRET))
        response = httpx.Response(201, content=content, headers=headers, request=request)
        data = parse_body(response)

        def sign() -> None:
            auth.headers(request.url.raw_path, encoded)

        steps: list[tuple[str, float]] = [
            (
                "endpoint around the payload model (create_endpoint)",
                _best(lambda: create_endpoint(body), number, repeat),
            ),
            (
                "client tag in the note, safe-create flow built (safe_create)",
                _best(lambda: safe_create(client, endpoint), number, repeat),
            ),
            (
                "payload model -> JSON bytes, once (encode_body)",
                _best(lambda: encode_body(endpoint.body), number, repeat),
            ),
            (
                "build_request beyond httpx.Request (incl. encode_body)",
                _best(
                    lambda: client.build_request("POST", _CREATE_PATH, json=endpoint.body),
                    number,
                    repeat,
                )
                - _best(
                    lambda: httpx.Request("POST", url, content=encoded, headers=sent_headers),
                    number,
                    repeat,
                ),
            ),
            (
                "HMAC signature headers, once per request (SignatureAuth.headers)",
                _best(sign, number, repeat),
            ),
            (
                "mode guard: account_id kept from encoding (write_target)",
                _best(
                    lambda: write_target("POST", _CREATE_PATH, {}, fields, mode="paper"),
                    number,
                    repeat,
                ),
            ),
            (
                "JSON with Decimals (parse_body) minus response.json()",
                _best(lambda: parse_body(_fresh(response)), number, repeat)
                - _best(lambda: _fresh(response).json(), number, repeat),
            ),
            (
                "typed SmartTrade (endpoint.result)",
                _best(lambda: endpoint.result(data), number, repeat),
            ),
        ]
    added = library - baseline
    details = [
        f"in-process, no network (CPU time): library {library * 1e6:.1f} us, raw httpx "
        f"{baseline * 1e6:.1f} us per create (best of {repeat} x {number}); the library runs on a "
        "lent mock client here, so both sides run httpx's cookie extraction on each answer (the "
        "client's own pool does not: ~20 us less a call over the network)",
        *(f"  {seconds * 1e6:6.1f} us  {label}" for label, seconds in steps),
        f"  steps above sum to {sum(s for label, s in steps if 'incl.' not in label) * 1e6:.1f} us "
        "(the build_request line overlaps encode_body and is left out of the sum)",
    ]
    return Figure(
        name="CPU a signed create adds to raw httpx (in-process)",
        value=added * 1e6,
        unit="us per create",
        details=tuple(details),
    )


def _fresh(response: httpx.Response) -> httpx.Response:
    """A new response with the same bytes (``.text``/``.json()`` cache nothing across calls)."""
    return httpx.Response(
        response.status_code,
        content=response.content,
        headers=response.headers,
        request=response.request,
    )


def _paper_account_list() -> bytes:
    import json

    from ._server import ACCOUNT_ID, paper_account

    account: Any = paper_account(ACCOUNT_ID)
    return json.dumps([account]).encode()
