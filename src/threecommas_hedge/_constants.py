"""Defaults and fixed names: base URL, timeouts, retry delays, headers and environment variables."""

from __future__ import annotations

from . import __version__

DEFAULT_BASE_URL = "https://api.3commas.io/public/api"
"""Every endpoint lives under ``/public/api``; that prefix is part of the signed string."""

DEFAULT_TIMEOUT = 10.0
"""Seconds for connect, read, write and pool (each). A client never waits without a limit."""

DEFAULT_MAX_RETRIES = 2

INITIAL_RETRY_DELAY = 0.5
"""Seconds before the first retry; doubles with each retry."""

MAX_RETRY_DELAY = 8.0
"""Upper bound of the exponential backoff, in seconds."""

RETRY_JITTER = 0.25
"""A backoff delay is shortened by a random fraction of up to this much."""

MAX_RETRY_AFTER = 60.0
"""A 429's ``Retry-After`` longer than this (seconds) is not waited for: RateLimitError at once."""

MODES = ("paper", "real")

ENV_API_KEY = "THREECOMMAS_API_KEY"
ENV_API_SECRET = "THREECOMMAS_API_SECRET"  # noqa: S105 - a variable name, not a secret
ENV_PRIVATE_KEY = "THREECOMMAS_PRIVATE_KEY"
ENV_LOG = "THREECOMMAS_LOG"
ENV_BASE_URL = "THREECOMMAS_BASE_URL"
"""Another API root (e.g. the fake server's URL); an explicit ``base_url=`` wins."""

HEADER_API_KEY = "Apikey"
HEADER_SIGNATURE = "Signature"
HEADER_FORCED_MODE = "Forced-Mode"
HEADER_REQUEST_ID = "X-Request-Id"
HEADER_RETRY_AFTER = "Retry-After"

SENSITIVE_HEADERS = frozenset({HEADER_API_KEY.lower(), HEADER_SIGNATURE.lower()})
"""Headers replaced by ``REDACTED`` on any request an exception carries."""

REDACTED = "[redacted]"

USER_AGENT = f"threecommas-hedge/{__version__}"

ATTEMPT_ENDS = "threecommas_hedge.attempt_ends"
"""Request extension: the ``time.monotonic()`` by which the attempt must be over (read by the sync
client's own transport, ``_transport.DeadlineTransport``)."""
