"""Generic fixtures: test data, a clean environment, an independent signature check."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

DATA = Path(__file__).parent / "data"

_ENV_VARS = (
    "THREECOMMAS_API_KEY",
    "THREECOMMAS_API_SECRET",
    "THREECOMMAS_PRIVATE_KEY",
    "THREECOMMAS_LOG",
    "THREECOMMAS_BASE_URL",
)


@pytest.fixture(autouse=True)
def _clean_threecommas_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's real 3Commas credentials or log setting."""
    for name in _ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def signature_vectors() -> dict[str, Any]:
    """The official worked signing examples (tests/data/signatures.json)."""
    return json.loads((DATA / "signatures.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def rsa_private_key_pem() -> bytes:
    """The RSA test key printed in the official docs (PEM)."""
    return (DATA / "doc_rsa_private_key.pem").read_bytes()


@pytest.fixture(scope="session")
def check_signature(rsa_private_key_pem: bytes) -> Callable[..., bool]:
    """``check(request, secret=...)`` (HMAC) or ``check(request)`` (RSA, docs' key): recompute.

    Rebuilds the signed string from the request as sent (raw path and query, body bytes) by the
    documented rule, not with the library's code: HMAC ``path?query+body`` (``?`` whenever there
    is a query or body), RSA ``path`` + ``?query`` if any + body. HMAC uses stdlib ``hmac``; RSA
    verifies with the public half of the docs' key.
    """
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    private = serialization.load_pem_private_key(rsa_private_key_pem, password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    public = private.public_key()

    def check(request: httpx.Request, *, secret: str | None = None) -> bool:
        path, _, query = request.url.raw_path.partition(b"?")
        body = request.content
        signature = request.headers["Signature"]
        if secret is not None:
            message = path + (b"?" + query + body if query or body else b"")
            expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
            return hmac.compare_digest(signature, expected)
        message = path + (b"?" + query if query else b"") + body
        try:
            public.verify(base64.b64decode(signature), message, padding.PKCS1v15(), hashes.SHA256())
        except Exception:
            return False
        return True

    return check
