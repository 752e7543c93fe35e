"""Which credentials sign the requests: arguments, a signer of your own, or the environment."""

from __future__ import annotations

import os

from ._constants import ENV_API_KEY, ENV_API_SECRET, ENV_PRIVATE_KEY
from ._exceptions import ConfigurationError, ThreeCommasError
from ._signing import HmacSigner, RsaSigner, SignatureAuth, Signer, check_signer

__all__ = ["resolve_auth"]


def resolve_auth(
    api_key: str | None,
    api_secret: str | bytes | None,
    private_key: str | bytes | None,
    signer: Signer | None = None,
) -> SignatureAuth:
    """The signing auth from the arguments, falling back to the environment variables.

    ``signer`` (any :class:`Signer`) or an explicit secret or private key wins over the
    variables; giving two of them (or setting both variables) is an error, as is giving none.
    """
    api_key = api_key or os.environ.get(ENV_API_KEY) or None
    api_secret = api_secret or None
    private_key = private_key or None
    if signer is not None:
        if api_secret is not None or private_key is not None:
            raise ConfigurationError(
                "signer",
                "give signer= or api_secret=/private_key= (the key it signs with), not both",
            )
        signer = check_signer(signer)
    elif api_secret is None and private_key is None:
        api_secret = os.environ.get(ENV_API_SECRET) or None
        private_key = os.environ.get(ENV_PRIVATE_KEY) or None
        if api_secret is not None and private_key is not None:
            raise ThreeCommasError(
                f"both {ENV_API_SECRET} and {ENV_PRIVATE_KEY} are set: keep the one that matches "
                "the API key (HMAC secret or RSA private key)"
            )
    elif api_secret is not None and private_key is not None:
        raise ThreeCommasError("give api_secret (HMAC key) or private_key (RSA key), not both")
    if api_secret is not None:
        signer = HmacSigner(api_secret)
    elif private_key is not None:
        signer = RsaSigner(private_key)
    if api_key is None or signer is None:
        missing = [] if api_key is not None else [f"api_key= or {ENV_API_KEY}"]
        if signer is None:
            missing.append(
                f"api_secret= or {ENV_API_SECRET} (HMAC key), "
                f"or private_key= or {ENV_PRIVATE_KEY} (RSA key), or signer="
            )
        raise ThreeCommasError("missing credentials: " + "; ".join(missing))
    return SignatureAuth(api_key, signer)
