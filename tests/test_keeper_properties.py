"""Random sequences of balance changes, price moves, ticks and kills against the fake: never more
than one open hedge per coin, and the short never above spot quantity x ratio plus the band."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from threecommas_hedge.keeper import Holding, Keeper, KeeperPolicy, SqliteJournal
from threecommas_hedge.testing import FakeThreeCommas

D = Decimal
ASSETS = ("BTC", "ETH")
START = {"BTC": D("60000"), "ETH": D("3000")}
FINAL = {"finished", "cancelled", "failed", "panic_sold", "successfully_finish"}


class Killed(BaseException):
    """The process dies right after a write went out."""


step = st.one_of(
    st.tuples(st.just("bag"), st.sampled_from(ASSETS), st.decimals("0", "3", places=2)),
    st.tuples(st.just("price"), st.sampled_from(ASSETS), st.decimals("0.9", "1.1", places=3)),
    st.tuples(st.just("tick")),
    st.tuples(st.just("kill")),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(step, min_size=1, max_size=12),
    rearm=st.sampled_from(["never", "cooldown", "immediately"]),
)
def test_one_hedge_per_coin_and_never_over_the_band(steps: list[Any], rearm: str) -> None:
    fake = FakeThreeCommas()
    for asset, price in START.items():
        fake.set_price(f"USDT_{asset}USDT", price)
    spot, futures = fake.add_account("spot"), fake.add_account()
    bag = {"BTC": D("1"), "ETH": D("10")}
    policy = KeeperPolicy(
        spot_account_id=spot,
        futures_account_id=futures,
        ratio=D("0.5"),
        ratios={"ETH": D("0.3")},
        band=D("0.1"),
        take_profit_percent=D("-5"),
        stop_loss_percent=D("5"),
        rearm=rearm,  # type: ignore[arg-type]
        cooldown_seconds=60,
        min_value=D("50"),
    )
    now = [0.0]

    def holdings(_: int) -> dict[str, Holding]:
        return {a: Holding(q, fake.price(f"USDT_{a}USDT") or D(0)) for a, q in bag.items()}

    with TemporaryDirectory() as tmp, fake.client(_sleep=lambda seconds: None) as client:
        path = Path(tmp) / "k.sqlite"

        def keeper() -> Keeper:
            return Keeper(
                client, policy, journal=SqliteJournal(path), clock=lambda: now[0], balances=holdings
            )

        current = keeper()
        for item in [*steps, ("tick",)]:
            now[0] += 30
            fake.advance(5)
            if item[0] == "bag":
                bag[item[1]] = item[2]
            elif item[0] == "price":
                name = f"USDT_{item[1]}USDT"
                fake.set_price(name, (fake.price(name) or D(0)) * item[2])
            elif item[0] == "kill":
                send = client._send

                # dies once a write's answer is in (its outcome never journaled)
                def dying(prepared: Any, send: Any = send) -> Any:
                    answer = send(prepared)
                    if prepared.request.method != "GET":
                        raise Killed
                    return answer

                client._send = dying  # type: ignore[method-assign]
                try:
                    with contextlib.suppress(Killed):
                        current.run_once()
                finally:
                    del client._send
                current = keeper()
            else:
                current.run_once()
                fake.advance(5)
                check(fake, bag, policy)


def check(fake: FakeThreeCommas, bag: dict[str, D], policy: KeeperPolicy) -> None:
    for asset in ASSETS:
        open_ = [
            t
            for t in fake.smart_trades()
            if t["pair"] == f"USDT_{asset}USDT" and t["status"]["type"] not in FINAL
        ]
        assert len(open_) <= 1, f"{asset}: {len(open_)} open hedges"
        for trade in open_:
            short = D(str(trade["position"]["units"]["value"]))
            bound = bag[asset] * policy.ratio_of(asset) * (1 + policy.band)
            assert short <= bound, f"{asset}: short {short} above {bound}"
