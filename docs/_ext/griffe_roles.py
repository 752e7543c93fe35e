"""Griffe extension for the API reference: Sphinx roles in docstrings become Markdown code.

The library's docstrings use a few Sphinx roles (``:class:`~pkg.Name` ``, ``:meth:`build` ``).
mkdocstrings renders Markdown, where a role would show as ``:class:`` next to the code, so each
role becomes a plain code span of the name as Sphinx would display it (``~`` keeps the last part).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|meth|func|data|attr|mod|exc|obj):`(~?)([^`]+)`")


def _display(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"


class SphinxRolesToCode(griffe.Extension):
    """Rewrite the roles of every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _ROLE.sub(_display, obj.docstring.value)
