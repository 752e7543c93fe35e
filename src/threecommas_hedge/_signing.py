"""Request signing: the preimage, HMAC and RSA signers, and an ``httpx.Auth`` signing what is sent.

The preimage is built from the request exactly as it goes on the wire (section 2.4 of the API
reference, checked against the four official vectors):

- the URL path, including the ``/public/api`` prefix;
- ``?`` + the query string, when there is a query;
- the body, appended directly after the query; with no query, after the scheme's body separator
  (HMAC ``?``, RSA nothing).

Neither signer's key material appears in its repr, and ``explain_signature`` never shows a
secret or a signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

import httpx

from ._constants import HEADER_API_KEY, HEADER_SIGNATURE
from ._exceptions import ConfigurationError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

SchemeName = Literal["hmac", "rsa"]

_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")


@runtime_checkable
class Signer(Protocol):
    """What signs requests; bring your own (a key in a KMS, an HSM or a vault) as ``signer=``.

    ``scheme`` is the kind of key the API key was made with, ``"hmac"`` or ``"rsa"``: it decides
    how the signed string is built (the body separator: HMAC ``?``, RSA nothing; a signer may
    override it with a ``body_separator`` bytes attribute). ``sign(preimage)`` returns the
    signature of exactly those bytes as the API expects it: the lowercase hex HMAC-SHA256, or the
    base64 RSASSA-PKCS1-v1_5 SHA-256 signature. Keep key material out of the signer's repr.
    :class:`HmacSigner` and :class:`RsaSigner` are the two shipped implementations.
    """

    @property
    def scheme(self) -> SchemeName: ...

    def sign(self, preimage: bytes) -> str: ...


SCHEME_LABELS: dict[str, str] = {
    "hmac": "hmac-sha256 (hex)",
    "rsa": "rsa-pkcs1v15-sha256 (base64)",
}
"""How each scheme signs, as ``explain_signature`` shows it."""

_SEPARATORS: dict[str, bytes] = {"hmac": b"?", "rsa": b""}


def check_signer(signer: object) -> Signer:
    """``signer`` if it follows the :class:`Signer` protocol, else ``ConfigurationError``."""
    scheme = getattr(signer, "scheme", None)
    if not isinstance(scheme, str) or scheme not in _SEPARATORS:
        raise ConfigurationError(
            "signer", f"needs a scheme of 'hmac' or 'rsa' (a {type(signer).__name__} was given)"
        )
    if not callable(getattr(signer, "sign", None)):
        raise ConfigurationError("signer", "needs a sign(preimage: bytes) -> str method")
    separator = getattr(signer, "body_separator", b"")
    if not isinstance(separator, bytes):
        raise ConfigurationError("signer", "body_separator, when given, must be bytes")
    return signer  # type: ignore[return-value]


def body_separator(signer: Signer) -> bytes:
    """The signer's ``body_separator``, or its scheme's."""
    separator = getattr(signer, "body_separator", None)
    return separator if isinstance(separator, bytes) else _SEPARATORS[signer.scheme]


class HmacSigner:
    """HMAC-SHA256 keyed with the API secret; the signature is the lowercase hex digest.

    ``body_separator`` goes between the path and a body when there is no query (``?`` per the
    official vector; configurable in case the server is found to expect otherwise).
    """

    scheme: SchemeName = "hmac"
    name: SchemeName = "hmac"  # the same as scheme (kept for older code)

    def __init__(self, secret: str | bytes, *, body_separator: str | bytes = b"?") -> None:
        key = secret.encode() if isinstance(secret, str) else bytes(secret)
        if not key:
            raise ValueError("the HMAC secret is empty")
        self._key = key
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)  # copied per message: no key setup
        self.body_separator = _as_bytes(body_separator)

    def sign(self, message: bytes) -> str:
        """The hex HMAC-SHA256 of ``message``."""
        mac = self._keyed.copy()
        mac.update(message)
        return mac.hexdigest()

    def __repr__(self) -> str:
        return "HmacSigner()"


class RsaSigner:
    """RSASSA-PKCS1-v1_5 with SHA-256 under a self-generated RSA key; the signature is base64.

    ``private_key`` is the PEM text or bytes (an unencrypted key; literal ``\\n`` sequences, as
    often found in environment variables, are accepted). ``body_separator`` defaults to nothing,
    per the official vector.
    """

    scheme: SchemeName = "rsa"
    name: SchemeName = "rsa"  # the same as scheme (kept for older code)

    def __init__(self, private_key: str | bytes, *, body_separator: str | bytes = b"") -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

        pem = private_key.encode() if isinstance(private_key, str) else bytes(private_key)
        if b"\\n" in pem and b"\n" not in pem.strip():
            pem = pem.replace(b"\\n", b"\n")
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError):
            # from None: never chain anything that could hold key material
            raise ValueError(
                "private_key is not an unencrypted PEM-encoded RSA private key"
            ) from None
        if not isinstance(key, RSAPrivateKey):
            raise ValueError("private_key is not an RSA key")
        self._key: RSAPrivateKey = key
        self.body_separator = _as_bytes(body_separator)

    @property
    def key_size(self) -> int:
        """The key's size in bits."""
        return self._key.key_size

    def sign(self, message: bytes) -> str:
        """The base64 PKCS#1 v1.5 SHA-256 signature of ``message`` (deterministic)."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        signature = self._key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")

    def __repr__(self) -> str:
        return f"RsaSigner(key_size={self.key_size})"


def signature_preimage(target: bytes, body: bytes = b"", *, body_separator: bytes = b"?") -> bytes:
    """The bytes that get signed.

    ``target`` is the URL path plus ``?query`` exactly as sent (httpx's ``URL.raw_path``), ``body``
    the exact body bytes.
    """
    path, _, query = target.partition(b"?")
    message = path
    if query:
        message += b"?" + query
    elif body:
        message += body_separator
    return message + body


class SignatureAuth(httpx.Auth):
    """Adds ``Apikey`` and ``Signature`` to a request, signing its final URL and body bytes.

    The client signs the requests it builds once, as it builds them (``headers``); as an
    ``httpx.Auth`` it signs any request sent through an httpx client (the fake's tests do).
    """

    requires_request_body = True

    def __init__(self, api_key: str, signer: Signer) -> None:
        if not api_key:
            raise ValueError("the API key is empty")
        self._api_key = api_key
        self.signer = check_signer(signer)
        self._separator = body_separator(signer)

    def headers(self, target: bytes, body: bytes) -> dict[str, str]:
        """The ``Apikey`` and ``Signature`` headers of a request to ``target`` (the URL's raw
        path and query, as sent) with ``body``: what the client puts in a request it builds."""
        signature = self.signer.sign(
            signature_preimage(target, body, body_separator=self._separator)
        )
        if not (isinstance(signature, str) and signature and _HEADER_SAFE.fullmatch(signature)):
            raise ConfigurationError(
                "signer",
                f"sign() must return printable ASCII text, got a {type(signature).__name__}",
            )
        return {HEADER_API_KEY: self._api_key, HEADER_SIGNATURE: signature}

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self.headers(request.url.raw_path, request.content))
        yield request

    def __repr__(self) -> str:
        return f"SignatureAuth(scheme={self.signer.scheme!r})"


@dataclass(frozen=True)
class SignatureExplanation:
    """What gets signed for one request; ``str()`` gives a readable summary for support cases."""

    scheme: str
    path: str
    query: str
    body: str
    body_separator: str
    preimage: bytes

    def __str__(self) -> str:
        return "\n".join(
            [
                f"scheme:         {self.scheme}",
                f"path:           {self.path}",
                f"query:          {self.query or '(none)'}",
                f"body:           {self.body or '(none)'}",
                f"body separator: {self.body_separator!r}",
                f"signed string:  {self.preimage.decode('utf-8', 'replace')}",
            ]
        )


def explain_signature(
    request: httpx.Request | str,
    *,
    body: bytes | str = b"",
    scheme: SchemeName | Signer = "hmac",
) -> SignatureExplanation:
    """Show the string that is signed for a request, and how; never a secret or a signature.

    ``request`` is an ``httpx.Request`` (its URL and body are used as is) or a URL or path with
    an optional query, e.g. ``"/public/api/ver1/users/change_mode?mode=paper"``, with ``body``
    the exact body bytes. ``scheme`` is ``"hmac"``, ``"rsa"`` or a signer (whose body separator
    is used).
    """
    if isinstance(request, httpx.Request):
        target, content = request.url.raw_path, request.content
    else:
        target, content = httpx.URL(request).raw_path, _as_bytes(body)
    if isinstance(scheme, str):
        if scheme not in _SEPARATORS:
            raise ValueError(f"scheme must be 'hmac' or 'rsa', not {scheme!r}")
        label, separator = SCHEME_LABELS[scheme], _SEPARATORS[scheme]
    else:
        label, separator = SCHEME_LABELS[check_signer(scheme).scheme], body_separator(scheme)
    path, _, query = target.partition(b"?")
    return SignatureExplanation(
        scheme=label,
        path=path.decode("ascii", "replace"),
        query=query.decode("ascii", "replace"),
        body=content.decode("utf-8", "replace"),
        body_separator=separator.decode("ascii", "replace"),
        preimage=signature_preimage(target, content, body_separator=separator),
    )


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)
