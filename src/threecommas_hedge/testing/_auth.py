"""The fake user's credentials, and signature checks done exactly like the server's.

The signed string comes from the library's own `signature_preimage` (one source of truth); HMAC
signatures are compared case-insensitively, RSA ones are verified with the public key.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from typing import TYPE_CHECKING, Literal

import httpx

from threecommas_hedge._constants import HEADER_API_KEY, HEADER_SIGNATURE
from threecommas_hedge._signing import HmacSigner, RsaSigner, signature_preimage

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

__all__ = ["AuthScheme", "Identity"]

AuthScheme = Literal["hmac", "rsa"]


class Identity:
    """An API key with either an HMAC secret or an RSA key pair; random unless given."""

    def __init__(
        self,
        scheme: AuthScheme = "hmac",
        *,
        api_key: str | None = None,
        api_secret: str | None = None,
        private_key: str | None = None,
    ) -> None:
        if scheme not in ("hmac", "rsa"):
            raise ValueError("auth must be 'hmac' or 'rsa'")
        self.scheme: AuthScheme = scheme
        self.api_key = api_key or secrets.token_hex(32)
        self.api_secret: str | None = None
        self.private_key: str | None = None
        self._signer: HmacSigner | RsaSigner
        if scheme == "hmac":
            self.api_secret = api_secret or secrets.token_hex(32)
            self._signer = HmacSigner(self.api_secret)
            self._public_key: rsa.RSAPublicKey | None = None
        else:
            from cryptography.hazmat.primitives import serialization  # only RSA keys need it
            from cryptography.hazmat.primitives.asymmetric import rsa

            self.private_key = private_key or _new_private_key()
            self._signer = RsaSigner(self.private_key)
            loaded = serialization.load_pem_private_key(self.private_key.encode(), password=None)
            if not isinstance(loaded, rsa.RSAPrivateKey):
                raise ValueError("private_key is not an RSA key")
            self._public_key = loaded.public_key()

    def verify(self, request: httpx.Request) -> bool:
        """Whether the request carries this API key and a valid signature of what was sent."""
        api_key = request.headers.get(HEADER_API_KEY, "")
        signature = request.headers.get(HEADER_SIGNATURE, "")
        if not api_key or not signature:
            return False
        if not hmac.compare_digest(api_key.encode(), self.api_key.encode()):
            return False
        preimage = signature_preimage(
            request.url.raw_path, request.content, body_separator=self._signer.body_separator
        )
        if self._public_key is None:
            expected = self._signer.sign(preimage)
            return hmac.compare_digest(signature.strip().lower().encode(), expected.encode())
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        try:
            raw = base64.b64decode(signature.strip(), validate=True)
            self._public_key.verify(raw, preimage, padding.PKCS1v15(), hashes.SHA256())
        except (binascii.Error, ValueError, InvalidSignature):
            return False
        return True

    def __repr__(self) -> str:
        return f"Identity(scheme={self.scheme!r})"


def _new_private_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem.decode("ascii")
