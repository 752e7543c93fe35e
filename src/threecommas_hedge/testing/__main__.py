"""``python -m threecommas_hedge.testing``: serve a fake 3Commas on loopback until Ctrl-C.

Prints the base URL and the fake's own random credentials. ``--seed`` adds a paper futures and a
paper spot account with BTC prices; ``--account`` and ``--price`` add more.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import cast

from ._accounts import AccountKind, AccountMode
from ._fake import FakeThreeCommas
from ._http_server import serve

SEED_PRICES = {"USDT_BTCUSDT": Decimal(60000), "USDT_BTC": Decimal(60000)}


def _price(text: str) -> tuple[str, Decimal]:
    pair, _, value = text.partition("=")
    try:
        price = Decimal(value)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"expected PAIR=PRICE, got {text!r}") from None
    if not pair or not price.is_finite() or price <= 0:
        raise argparse.ArgumentTypeError(f"expected PAIR=PRICE, got {text!r}")
    return pair, price


def _account(text: str) -> tuple[AccountKind, AccountMode]:
    kind, _, mode = text.partition(":")
    mode = mode or "paper"
    if kind not in ("spot", "futures") or mode not in ("paper", "real"):
        raise argparse.ArgumentTypeError(f"expected spot|futures[:paper|real], got {text!r}")
    return cast(AccountKind, kind), cast(AccountMode, mode)


def build_parser() -> argparse.ArgumentParser:
    """The command line options."""
    parser = argparse.ArgumentParser(
        prog="python -m threecommas_hedge.testing", description="Serve a fake 3Commas API."
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (0 picks a free one)")
    parser.add_argument("--auth", choices=("hmac", "rsa"), default="hmac")
    parser.add_argument("--seed", action="store_true", help="paper accounts and BTC prices")
    parser.add_argument(
        "--account", type=_account, action="append", default=[], metavar="KIND[:MODE]"
    )
    parser.add_argument("--price", type=_price, action="append", default=[], metavar="PAIR=PRICE")
    parser.add_argument("--no-rate-limits", action="store_true", help="never answer 429")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until interrupted."""
    args = build_parser().parse_args(argv)
    fake = FakeThreeCommas(auth=args.auth, rate_limits=not args.no_rate_limits)
    accounts: list[tuple[AccountKind, AccountMode]] = list(args.account)
    prices: list[tuple[str, Decimal]] = list(args.price)
    if args.seed:
        accounts = [("futures", "paper"), ("spot", "paper"), *accounts]
        prices = [*SEED_PRICES.items(), *prices]
    ids = [fake.add_account(kind, mode) for kind, mode in accounts]
    for pair, price in prices:
        fake.set_price(pair, price)
    try:
        server = serve(fake, args.host, args.port)
    except (OSError, ValueError) as exc:
        print(f"cannot serve: {exc}", file=sys.stderr)
        return 1
    print(f"base_url:    {server.base_url}")
    print(f"api_key:     {fake.api_key}")
    if fake.api_secret is not None:
        print(f"api_secret:  {fake.api_secret}")
    else:
        print(f"private_key:\n{fake.private_key}")
    for account_id, (kind, mode) in zip(ids, accounts, strict=True):
        print(f"account:     {account_id} ({mode} {kind})")
    sys.stdout.flush()
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
