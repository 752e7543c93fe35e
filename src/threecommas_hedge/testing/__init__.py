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

from threecommas_hedge.hedge._costs import DEFAULT_FEES, FeeSchedule

from ._fake import FakeThreeCommas, RecordedRequest
from ._http_server import FakeServer, serve

__all__ = [
    "DEFAULT_FEES",
    "FakeServer",
    "FakeThreeCommas",
    "FeeSchedule",
    "RecordedRequest",
    "serve",
]
