"""The ``threecommas_hedge`` logger; ``THREECOMMAS_LOG=debug`` turns its debug output on.

Log lines carry the method, path (no query), status, request id and retries: never a header, so
never an API key or a signature.
"""

from __future__ import annotations

import logging
import os

from ._constants import ENV_LOG

logger = logging.getLogger("threecommas_hedge")

_handler = logging.StreamHandler()
_handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))


def setup_logging() -> None:
    """Send debug lines to stderr when ``THREECOMMAS_LOG=debug``; otherwise leave logging alone."""
    if os.environ.get(ENV_LOG, "").strip().lower() != "debug":
        return
    logger.setLevel(logging.DEBUG)
    if _handler not in logger.handlers:
        logger.addHandler(_handler)
