"""Bring your own signer: any object with ``scheme`` and ``sign(preimage) -> str`` signs."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from collections.abc import Callable
from typing import Any, Literal

import httpx
import pytest

from threecommas_hedge import (
    AsyncThreeCommas,
    ConfigurationError,
    HmacSigner,
    RsaSigner,
    Signer,
    ThreeCommas,
    ThreeCommasError,
    explain_signature,
)

CORE_ONLY: dict[str, Any] = {"mode_guard": False, "rate_limit": False, "max_retries": 0}
VAULT_SECRET = "kept-in-the-vault"


class VaultHmac:
    """A signer whose key lives elsewhere (here: a closure), as a KMS or vault client would."""

    scheme: Literal["hmac"] = "hmac"

    def __init__(self) -> None:
        self.calls: list[bytes] = []
        self._sign: Callable[[bytes], str] = lambda message: hmac.new(
            VAULT_SECRET.encode(), message, hashlib.sha256
        ).hexdigest()

    def sign(self, preimage: bytes) -> str:
        self.calls.append(preimage)
        return self._sign(preimage)

    def __repr__(self) -> str:
        return "VaultHmac(key_id='alias/3commas')"


class KmsRsa:
    """An RSA signer with no ``body_separator``: the scheme's default must be used."""

    scheme = "rsa"

    def __init__(self, pem: bytes) -> None:
        from cryptography.hazmat.primitives import serialization

        self._key: Any = serialization.load_pem_private_key(pem, password=None)

    def sign(self, preimage: bytes) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        raw = self._key.sign(preimage, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(raw).decode("ascii")


def recording() -> tuple[list[httpx.Request], httpx.MockTransport]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    return seen, httpx.MockTransport(handler)


def test_a_custom_hmac_signer_signs_what_is_sent(check_signature: Callable[..., bool]) -> None:
    seen, transport = recording()
    signer = VaultHmac()
    client = ThreeCommas(
        api_key="key", signer=signer, http_client=httpx.Client(transport=transport), **CORE_ONLY
    )
    client.request("GET", "/v2/smart_trades", params={"per_page": 5, "status": "active"})
    client.request("POST", "/ver1/users/change_mode", json={"mode": "paper"})
    assert len(seen) == 2 and len(signer.calls) == 2
    for request in seen:
        assert request.headers["Apikey"] == "key"
        assert check_signature(request, secret=VAULT_SECRET)
    # the HMAC scheme puts "?" between path and body when there is no query
    assert signer.calls[1] == b'/public/api/ver1/users/change_mode?{"mode":"paper"}'
    assert client.signer is signer
    assert VAULT_SECRET not in repr(client)


def test_a_custom_rsa_signer_uses_the_rsa_preimage(
    check_signature: Callable[..., bool], rsa_private_key_pem: bytes
) -> None:
    seen, transport = recording()
    client = ThreeCommas(
        api_key="key",
        signer=KmsRsa(rsa_private_key_pem),
        http_client=httpx.Client(transport=transport),
        **CORE_ONLY,
    )
    client.request("POST", "/ver1/users/change_mode", json={"mode": "paper"})
    client.request("GET", "/ver1/accounts")
    assert all(check_signature(request) for request in seen)
    assert "RSA" not in repr(client) and "PRIVATE" not in repr(client)


def test_a_request_is_signed_once_and_each_retry_sends_that_signature(
    check_signature: Callable[..., bool],
) -> None:
    """Signing is done when the request is built: a retried request is not signed again (a
    vault or KMS signer is called once per request), and every attempt carries a signature that
    checks against what that attempt sent."""
    seen: list[httpx.Request] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) < 3:
            return httpx.Response(503, json={"error": "busy"})
        return httpx.Response(200, json=[])

    signer = VaultHmac()
    client = ThreeCommas(
        api_key="key",
        signer=signer,
        http_client=httpx.Client(transport=httpx.MockTransport(flaky)),
        mode_guard=False,
        rate_limit=False,
        max_retries=2,
        _sleep=lambda seconds: None,
    )
    assert client.request("GET", "/ver1/accounts", params={"page": 2}) == []
    assert len(seen) == 3
    assert signer.calls == [b"/public/api/ver1/accounts?page=2"]
    assert all(check_signature(request, secret=VAULT_SECRET) for request in seen)
    assert len({request.headers["Signature"] for request in seen}) == 1


def test_build_request_stays_unsigned_and_calls_no_signer() -> None:
    """``build_request`` is public and shows the request *before* signing: no credential
    headers, and the signer (a KMS or vault call) is not used for it."""
    signer = VaultHmac()
    client = ThreeCommas(api_key="key", signer=signer, **CORE_ONLY)
    request = client.build_request("POST", "/v2/smart_trades", json={"note": "x"})
    assert "Apikey" not in request.headers and "Signature" not in request.headers
    assert signer.calls == []
    assert explain_signature(request).preimage == b'/public/api/v2/smart_trades?{"note":"x"}'


def test_async_lent_client_auth_never_applies(check_signature: Callable[..., bool]) -> None:
    """The async client sends as built too: the lent client's own ``auth`` adds nothing."""
    seen, transport = recording()

    async def run() -> None:
        lent = httpx.AsyncClient(transport=transport, auth=("user", "pass"))
        async with AsyncThreeCommas(
            api_key="key", signer=VaultHmac(), http_client=lent, **CORE_ONLY
        ) as client:
            await client.request("GET", "/ver1/accounts")
        await lent.aclose()

    asyncio.run(run())
    assert "Authorization" not in seen[0].headers
    assert check_signature(seen[0], secret=VAULT_SECRET)


def test_async_client_takes_a_signer(check_signature: Callable[..., bool]) -> None:
    seen, transport = recording()

    async def run() -> None:
        async with AsyncThreeCommas(
            api_key="key",
            signer=VaultHmac(),
            http_client=httpx.AsyncClient(transport=transport),
            **CORE_ONLY,
        ) as client:
            await client.request("GET", "/ver1/accounts", params={"x": 1})

    asyncio.run(run())
    assert check_signature(seen[0], secret=VAULT_SECRET)


def test_the_shipped_signers_follow_the_protocol(rsa_private_key_pem: bytes) -> None:
    hmac_signer: Signer = HmacSigner("s")
    rsa_signer: Signer = RsaSigner(rsa_private_key_pem)
    assert (hmac_signer.scheme, rsa_signer.scheme) == ("hmac", "rsa")
    assert isinstance(hmac_signer, Signer) and isinstance(rsa_signer, Signer)
    assert isinstance(VaultHmac(), Signer)


@pytest.mark.parametrize(
    "other", [{"api_secret": "s"}, {"private_key": "-----BEGIN PRIVATE KEY-----"}]
)
def test_a_signer_and_a_secret_or_key_are_mutually_exclusive(other: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        ThreeCommas(api_key="key", signer=VaultHmac(), **other)
    assert caught.value.field == "signer"
    assert "not both" in caught.value.rule
    assert "BEGIN" not in str(caught.value)


def test_a_signer_wins_over_secrets_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THREECOMMAS_API_SECRET", "env-secret")
    monkeypatch.setenv("THREECOMMAS_PRIVATE_KEY", "env-key")
    signer = VaultHmac()
    assert ThreeCommas(api_key="key", signer=signer).signer is signer


def test_a_signer_still_needs_an_api_key() -> None:
    with pytest.raises(ThreeCommasError, match="api_key"):
        ThreeCommas(signer=VaultHmac())


class NoScheme:
    def sign(self, preimage: bytes) -> str:
        return "x"


class BadScheme(NoScheme):
    scheme = "ecdsa"


class NoSign:
    scheme = "hmac"


@pytest.mark.parametrize("bad", [NoScheme(), BadScheme(), NoSign(), "secret-as-a-string"])
def test_an_object_that_is_not_a_signer_is_refused(bad: Any) -> None:
    with pytest.raises(ConfigurationError) as caught:
        ThreeCommas(api_key="key", signer=bad)
    assert caught.value.field == "signer"
    assert "secret-as-a-string" not in str(caught.value)


@pytest.mark.parametrize("signature", [b"bytes", "", "ab\r\nX-Evil: 1", None])
def test_a_signature_that_is_not_a_header_value_is_a_library_error(signature: Any) -> None:
    class Broken:
        scheme = "hmac"

        def sign(self, preimage: bytes) -> str:
            return signature  # type: ignore[no-any-return]

    seen, transport = recording()
    client = ThreeCommas(
        api_key="key", signer=Broken(), http_client=httpx.Client(transport=transport), **CORE_ONLY
    )
    with pytest.raises(ConfigurationError, match="sign"):
        client.request("GET", "/ver1/accounts")
    assert seen == []


def test_explain_signature_takes_a_custom_signer() -> None:
    explained = explain_signature(
        "/public/api/ver1/users/change_mode", body="{}", scheme=VaultHmac()
    )
    assert explained.preimage == b"/public/api/ver1/users/change_mode?{}"
    assert explained.scheme == "hmac-sha256 (hex)"
