"""A stateful fake 3Commas for tests: in-process (``httpx.MockTransport``) or over loopback HTTP.

```python
from decimal import Decimal
from threecommas_hedge.testing import FakeThreeCommas

fake = FakeThreeCommas()
account_id = fake.add_account()            # a paper USDT-M futures account
fake.set_price("USDT_BTCUSDT", Decimal("60000"))
with fake.client() as client:              # a ThreeCommas wired to fake.transport
    client.request("GET", "/ver1/accounts")
```

The pytest plugin (installed with the package) provides the ``threecommas_fake`` fixture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from threecommas_hedge.hedge._costs import DEFAULT_FEES, FeeSchedule

from ._fake import FakeThreeCommas, RecordedRequest

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._http_server import FakeServer, serve

__all__ = [
    "DEFAULT_FEES",
    "FakeServer",
    "FakeThreeCommas",
    "FeeSchedule",
    "RecordedRequest",
    "serve",
]


def __getattr__(name: str) -> Any:
    """The loopback server (``FakeServer``, ``serve``) loads on first use: the in-process fake
    (the demo's) needs no ``http.server``."""
    if name in ("FakeServer", "serve"):
        from . import _http_server

        return getattr(_http_server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
