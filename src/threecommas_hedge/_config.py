"""Checks of the client's options: each returns the value to keep or raises naming the option."""

from __future__ import annotations

import ipaddress
import math

import httpx

from ._constants import MODES
from ._exceptions import ConfigurationError
from ._guard import Mode

__all__ = [
    "check_base_url",
    "check_deadline",
    "check_max_retries",
    "check_max_wait",
    "check_mode",
    "check_timeout",
    "check_window",
    "is_loopback",
]


def check_base_url(base_url: str) -> str:
    """``base_url`` if safe to send credentials to: https, or http to a loopback host only."""
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as exc:
        raise ConfigurationError("base_url", f"{base_url!r} is not a valid URL ({exc})") from None
    if url.scheme not in ("http", "https") or not url.host or url.query or url.fragment:
        raise ConfigurationError(
            "base_url", f"must be an http(s) URL with a host and no query, got {base_url!r}"
        )
    if url.scheme == "http" and not is_loopback(url.host):
        raise ConfigurationError(
            "base_url",
            f"must use https (plain http only to a loopback host such as 127.0.0.1, ::1 or "
            f"localhost: credentials are sent with every request), got {base_url!r}",
        )
    return str(url).rstrip("/")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is ``localhost`` or a loopback address (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_deadline(name: str, seconds: float | None) -> float | None:
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
        raise ConfigurationError(name, f"must be seconds > 0 (or None: derived), got {seconds!r}")
    if seconds == math.inf:
        raise ConfigurationError(name, "must be finite: a call never waits without a limit")
    return float(seconds)


def check_max_wait(seconds: float | None) -> float | None:
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:
        raise ConfigurationError("max_wait", f"must be seconds >= 0 (or None), got {seconds!r}")
    return float(seconds)


def check_window(seconds: float) -> float:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:
        raise ValueError(f"write_check_window must be seconds >= 0, got {seconds!r}")
    return float(seconds)


def check_mode(mode: str) -> Mode:
    if mode not in MODES:
        raise ValueError(f"mode must be 'paper' or 'real', got {mode!r}")
    return "real" if mode == "real" else "paper"


def check_timeout(timeout: float | httpx.Timeout) -> httpx.Timeout:
    if isinstance(timeout, httpx.Timeout):
        limits = timeout
    elif isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        limits = httpx.Timeout(float(timeout))
    else:
        raise TypeError(f"timeout must be seconds or an httpx.Timeout, got {timeout!r}")
    values = (limits.connect, limits.read, limits.write, limits.pool)
    if any(value is None or value <= 0 for value in values):
        raise ValueError("timeout must be a positive number of seconds for every phase")
    return limits


def check_max_retries(max_retries: int) -> int:
    if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
        raise ValueError(f"max_retries must be an int >= 0, got {max_retries!r}")
    return max_retries
