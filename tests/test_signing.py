"""Signing: the four official vectors, the preimage rules, the signers, the auth flow, explain."""

from __future__ import annotations

import base64
import hashlib
import hmac
import subprocess
import sys
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threecommas_hedge import HmacSigner, RsaSigner, explain_signature
from threecommas_hedge._signing import SignatureAuth, signature_preimage

CHANGE_MODE = "/public/api/ver1/users/change_mode"
URL = "https://api.3commas.io" + CHANGE_MODE
SPACED_BODY = b'{"mode": "paper"}'

# (vector index, how the request is sent) -> the request that was signed in the docs
VECTOR_REQUESTS = {
    0: (URL + "?mode=paper", b""),
    1: (URL, SPACED_BODY),
    2: (URL + "?mode=paper", b""),
    3: (URL, SPACED_BODY),
}


def signer_for(vectors: dict[str, Any], pem: bytes, scheme: str) -> HmacSigner | RsaSigner:
    return HmacSigner(vectors["hmac_secret"]) if scheme.startswith("hmac") else RsaSigner(pem)


@pytest.mark.parametrize("index", [0, 1, 2, 3])
def test_official_vector_signature(
    index: int, signature_vectors: dict[str, Any], rsa_private_key_pem: bytes
) -> None:
    vector = signature_vectors["vectors"][index]
    signer = signer_for(signature_vectors, rsa_private_key_pem, vector["scheme"])
    assert signer.sign(vector["message"].encode()) == vector["signature"]


@pytest.mark.parametrize("index", [0, 1, 2, 3])
def test_official_vector_from_the_request(
    index: int, signature_vectors: dict[str, Any], rsa_private_key_pem: bytes
) -> None:
    """The auth flow, given the documented request, signs the documented string byte for byte."""
    vector = signature_vectors["vectors"][index]
    signer = signer_for(signature_vectors, rsa_private_key_pem, vector["scheme"])
    url, body = VECTOR_REQUESTS[index]
    request = httpx.Request("POST", url, content=body)
    flow = SignatureAuth(signature_vectors["api_key"], signer).auth_flow(request)
    sent = next(flow)
    assert sent.headers["Apikey"] == signature_vectors["api_key"]
    assert sent.headers["Signature"] == vector["signature"]
    explained = explain_signature(request, scheme=signer)
    assert explained.preimage == vector["message"].encode()


def test_hmac_of_the_bare_path_is_not_vector_2(signature_vectors: dict[str, Any]) -> None:
    """The docs' prose (sign the bare path) gives another signature; the vector is the truth."""
    signer = HmacSigner(signature_vectors["hmac_secret"])
    bare = signer.sign(CHANGE_MODE.encode())
    assert bare.startswith("2bedfe2a")
    assert bare != signature_vectors["vectors"][1]["signature"]


@pytest.mark.parametrize(
    ("target", "body", "separator", "expected"),
    [
        (b"/p/x", b"", b"?", b"/p/x"),
        (b"/p/x", b"", b"", b"/p/x"),
        (b"/p/x?", b"", b"?", b"/p/x"),
        (b"/p/x?a=1&b=2", b"", b"?", b"/p/x?a=1&b=2"),
        (b"/p/x?a=1&b=2", b"", b"", b"/p/x?a=1&b=2"),
        (b"/p/x", b'{"a":1}', b"?", b'/p/x?{"a":1}'),
        (b"/p/x", b'{"a":1}', b"", b'/p/x{"a":1}'),
        (b"/p/x?a=1", b'{"b":2}', b"?", b'/p/x?a=1{"b":2}'),
        (b"/p/x?a=1", b'{"b":2}', b"", b'/p/x?a=1{"b":2}'),
    ],
)
def test_preimage_rules(target: bytes, body: bytes, separator: bytes, expected: bytes) -> None:
    assert signature_preimage(target, body, body_separator=separator) == expected


@settings(max_examples=100, deadline=None)
@given(message=st.binary(max_size=300), secret=st.text(min_size=1, max_size=80))
def test_hmac_matches_stdlib(message: bytes, secret: str) -> None:
    signature = HmacSigner(secret).sign(message)
    assert signature == hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    assert signature == signature.lower()
    assert len(signature) == 64


@settings(max_examples=25, deadline=None)
@given(message=st.binary(max_size=300))
def test_rsa_verifies_with_public_key_and_is_deterministic(
    message: bytes, rsa_private_key_pem: bytes
) -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = serialization.load_pem_private_key(rsa_private_key_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    signer = RsaSigner(rsa_private_key_pem)
    signature = signer.sign(message)
    assert signature == signer.sign(message)
    raw = base64.b64decode(signature, validate=True)
    key.public_key().verify(raw, message, padding.PKCS1v15(), hashes.SHA256())


def test_rsa_accepts_text_and_escaped_newlines(
    rsa_private_key_pem: bytes, signature_vectors: dict[str, Any]
) -> None:
    vector = signature_vectors["vectors"][2]
    text = rsa_private_key_pem.decode()
    escaped = text.strip().replace("\n", "\\n")  # as a PEM often sits in an env variable
    for pem in (text, escaped):
        assert RsaSigner(pem).sign(vector["message"].encode()) == vector["signature"]


def test_rsa_rejects_garbage_without_echoing_it() -> None:
    garbage = "-----BEGIN PRIVATE KEY-----\nTOPSECRETMATERIAL\n-----END PRIVATE KEY-----\n"
    with pytest.raises(ValueError, match="not an unencrypted PEM") as info:
        RsaSigner(garbage)
    assert "TOPSECRETMATERIAL" not in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_rsa_rejects_a_non_rsa_key() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    with pytest.raises(ValueError, match="not an RSA key"):
        RsaSigner(pem)


def test_hmac_rejects_an_empty_secret() -> None:
    with pytest.raises(ValueError, match="empty"):
        HmacSigner("")


def test_signer_reprs_hold_no_key_material(
    signature_vectors: dict[str, Any], rsa_private_key_pem: bytes
) -> None:
    secret = signature_vectors["hmac_secret"]
    hmac_signer = HmacSigner(secret)
    rsa_signer = RsaSigner(rsa_private_key_pem)
    auth = SignatureAuth(signature_vectors["api_key"], hmac_signer)
    assert repr(hmac_signer) == "HmacSigner()"
    assert repr(rsa_signer) == "RsaSigner(key_size=2048)"
    assert repr(auth) == "SignatureAuth(scheme='hmac')"
    pem_body = rsa_private_key_pem.decode().splitlines()[1]
    for text in (repr(hmac_signer), str(hmac_signer), repr(rsa_signer), repr(auth), str(auth)):
        assert secret not in text
        assert signature_vectors["api_key"] not in text
        assert pem_body not in text


def test_body_separator_is_configurable(signature_vectors: dict[str, Any]) -> None:
    secret = signature_vectors["hmac_secret"]
    plain = HmacSigner(secret, body_separator="")
    request = httpx.Request("POST", URL, content=SPACED_BODY)
    sent = next(SignatureAuth("key", plain).auth_flow(request))
    expected = hmac.new(secret.encode(), CHANGE_MODE.encode() + SPACED_BODY, hashlib.sha256)
    assert sent.headers["Signature"] == expected.hexdigest()


def test_auth_flow_signs_the_encoded_query_as_sent(signature_vectors: dict[str, Any]) -> None:
    """What is signed is the URL's raw path: the percent-encoded query, never a decoded form."""
    secret = signature_vectors["hmac_secret"]
    request = httpx.Request("GET", URL + "?note=a%20b%26c&pair=USDT_BTC")
    sent = next(SignatureAuth("key", HmacSigner(secret)).auth_flow(request))
    message = (CHANGE_MODE + "?note=a%20b%26c&pair=USDT_BTC").encode()
    assert sent.headers["Signature"] == hmac.new(secret.encode(), message, "sha256").hexdigest()


def test_explain_signature_shows_the_preimage_never_secrets(
    signature_vectors: dict[str, Any],
) -> None:
    secret = signature_vectors["hmac_secret"]
    explained = explain_signature(CHANGE_MODE, body=SPACED_BODY, scheme="hmac")
    assert explained.preimage == signature_vectors["vectors"][1]["message"].encode()
    assert explained.path == CHANGE_MODE
    assert explained.query == ""
    assert explained.body == SPACED_BODY.decode()
    text = str(explained)
    assert "hmac-sha256" in text
    assert signature_vectors["vectors"][1]["message"] in text
    assert secret not in text
    assert signature_vectors["vectors"][1]["signature"] not in text

    rsa = explain_signature(URL + "?mode=paper", scheme="rsa")
    assert rsa.preimage == signature_vectors["vectors"][2]["message"].encode()
    assert rsa.query == "mode=paper"
    assert "rsa-pkcs1v15-sha256" in str(rsa)
    with_body = explain_signature(CHANGE_MODE, body=SPACED_BODY.decode(), scheme="rsa")
    assert with_body.preimage == signature_vectors["vectors"][3]["message"].encode()


def test_explain_signature_rejects_unknown_scheme() -> None:
    with pytest.raises(ValueError, match="'hmac' or 'rsa'"):
        explain_signature(CHANGE_MODE, scheme="ecdsa")  # type: ignore[arg-type]


def test_importing_the_client_does_not_import_cryptography() -> None:
    code = (
        "import sys\n"
        "from threecommas_hedge import ThreeCommas, HmacSigner\n"
        "HmacSigner('s').sign(b'm')\n"
        "ThreeCommas(api_key='k', api_secret='s').close()\n"
        "assert not [m for m in sys.modules if m.startswith('cryptography')], 'loaded'\n"
        "from threecommas_hedge import RsaSigner\n"
        "assert not [m for m in sys.modules if m.startswith('cryptography')], 'class loaded'\n"
    )
    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
