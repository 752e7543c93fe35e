"""The client tag: a short random marker the client puts in a new SmartTrade's ``note``.

3Commas has no idempotency key, so the tag stands in for one: after a create whose outcome is
unknown, the client looks for a SmartTrade whose note carries the tag, and never sends it again
blind. A caller who got ``WriteOutcomeUnknownError`` re-runs the create (or ``hedges.open``) with
``client_tag=error.client_tag``: the trade of the earlier attempt is found and returned instead of
a second one being opened.

The note sent is the caller's note (any earlier tag removed) followed by `` [tch:<12 hex>]``; the
whole stays within the API's 300 characters, so a caller's note may be up to
``MAX_USER_NOTE_LENGTH`` characters.
"""

from __future__ import annotations

import re
import secrets

from threecommas_hedge._exceptions import HedgeValidationError
from threecommas_hedge.models.smart_trade_params import (
    CLIENT_TAG_LENGTH,
    MAX_NOTE_LENGTH,
    MAX_USER_NOTE_LENGTH,
)

__all__ = [
    "MAX_USER_NOTE_LENGTH",
    "check_client_tag",
    "client_tag_of",
    "new_client_tag",
    "tag_note",
    "without_client_tag",
]

_TAG = re.compile(r"\[tch:([0-9a-f]{12})\]")
_TAG_WITH_SPACE = re.compile(r"\s*\[tch:[0-9a-f]{12}\]")


def new_client_tag() -> str:
    """A fresh tag: 12 random lowercase hex digits (48 bits)."""
    return secrets.token_hex(6)


def check_client_tag(tag: object) -> str:
    """A caller's ``client_tag`` (to find the trade of an earlier attempt), checked.

    Raises ``HedgeValidationError`` (field ``client_tag``) unless it is 12 lowercase hex digits,
    as ``new_client_tag`` makes and ``WriteOutcomeUnknownError.client_tag`` carries.
    """
    if not isinstance(tag, str) or _TAG.fullmatch(f"[tch:{tag}]") is None:
        raise HedgeValidationError("client_tag", f"must be 12 lowercase hex digits, got {tag!r}")
    return tag


def tag_note(note: str | None, tag: str) -> str:
    """The note to send: ``note`` without any earlier tag, then `` [tch:<tag>]``.

    Raises ``HedgeValidationError`` (field ``note``) when the caller's note leaves no room.
    """
    if _TAG.fullmatch(f"[tch:{tag}]") is None:
        raise ValueError(f"a client tag is 12 lowercase hex digits, got {tag!r}")
    text = _TAG_WITH_SPACE.sub("", note or "").strip()
    if len(text) > MAX_USER_NOTE_LENGTH:
        raise HedgeValidationError(
            "note",
            f"at most {MAX_USER_NOTE_LENGTH} characters on create (got {len(text)}): "
            f"{CLIENT_TAG_LENGTH} of the API's {MAX_NOTE_LENGTH} carry the client tag",
        )
    return f"{text} [tch:{tag}]" if text else f"[tch:{tag}]"


def without_client_tag(note: str | None) -> str:
    """The note as the caller wrote it: every client tag removed (``""`` when nothing is left)."""
    return _TAG_WITH_SPACE.sub("", note or "").strip()


def client_tag_of(note: str | None) -> str | None:
    """The client tag in a note (the last one, if the note was edited), or None."""
    found = _TAG.findall(note or "")
    return found[-1] if found else None
