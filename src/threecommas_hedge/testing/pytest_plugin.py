"""Pytest plugin (the package's ``pytest11`` entry point): the ``threecommas_fake`` fixture.

The fake is imported inside the fixture, so loading the plugin costs nothing for test runs that
never ask for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from threecommas_hedge.testing import FakeThreeCommas


@pytest.fixture
def threecommas_fake() -> FakeThreeCommas:
    """A fresh `FakeThreeCommas` (HMAC credentials, no accounts, no prices yet)."""
    from threecommas_hedge.testing import FakeThreeCommas

    return FakeThreeCommas()
