"""Pytest plugin (registered through the ``pytest11`` entry point): the ``threecommas_fake`` fixture.

The fake is imported inside the fixture so that loading the plugin costs nothing for test runs that
never ask for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from threecommas_hedge.testing import FakeThreeCommas


@pytest.fixture
def threecommas_fake() -> Iterator[FakeThreeCommas]:
    """A fresh `FakeThreeCommas` with one paper USDT-M futures account (``fake.account_id``)."""
    from threecommas_hedge.testing import FakeThreeCommas

    fake = FakeThreeCommas()
    fake.add_account()
    yield fake
