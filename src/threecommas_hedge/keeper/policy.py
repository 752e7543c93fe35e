"""``KeeperPolicy``: what the keeper keeps (ratios, band, exits, re-arming), checked up front."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Literal

from threecommas_hedge._exceptions import HedgeValidationError
from threecommas_hedge.hedge.portfolio import futures_pair

__all__ = ["KeeperPolicy", "Rearm"]

Rearm = Literal["never", "cooldown", "immediately"]
_REARM = ("never", "cooldown", "immediately")


def _decimal(name: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise HedgeValidationError(name, f"must be a Decimal, got {value!r}")
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise HedgeValidationError(name, f"must be a number, got {value!r}") from None
    if not number.is_finite():
        raise HedgeValidationError(name, "must be finite")
    return number


def _account(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise HedgeValidationError(name, f"must be a positive account id, got {value!r}")
    return value


def _ratio(name: str, value: object) -> Decimal:
    number = _decimal(name, value)
    if not Decimal(0) <= number <= 1:
        raise HedgeValidationError(name, f"must be between 0 and 1 (a hedge), got {number}")
    return number


@dataclass(frozen=True)
class KeeperPolicy:
    """The keeper's settings. Targets per coin as in a portfolio plan: ``ratios`` overrides
    ``ratio`` per asset (0 leaves a coin unhedged). ``band``: act only when a hedge is off its
    target by more than this fraction of the target. ``rearm`` after a TP/SL exit: ``"never"``,
    ``"cooldown"`` (``cooldown_seconds`` from when the keeper first saw the exit) or
    ``"immediately"``. Coins worth less than ``min_value`` (quote) are not hedged, and their hedge
    is closed. ``dry_run`` decides and journals without writing."""

    spot_account_id: int
    futures_account_id: int
    ratio: Decimal = Decimal("0.5")
    ratios: Mapping[str, Decimal] = field(default_factory=dict)
    band: Decimal = Decimal("0.1")
    take_profit_percent: Decimal | None = None
    stop_loss_percent: Decimal | None = None
    leverage: int = 1
    rearm: Rearm = "cooldown"
    cooldown_seconds: float = 3600
    min_value: Decimal = Decimal("10")
    exclude: tuple[str, ...] = ()
    dry_run: bool = False
    quote: str = "USDT"

    def __post_init__(self) -> None:
        put = object.__setattr__
        _account("spot_account_id", self.spot_account_id)
        _account("futures_account_id", self.futures_account_id)
        if self.spot_account_id == self.futures_account_id:
            raise HedgeValidationError("futures_account_id", "must differ from spot_account_id")
        put(self, "ratio", _ratio("ratio", self.ratio))
        if not isinstance(self.ratios, Mapping):
            raise HedgeValidationError("ratios", "must map an asset to a ratio")
        ratios = {_asset("ratios", k): _ratio(f"ratios.{k}", v) for k, v in self.ratios.items()}
        put(self, "ratios", MappingProxyType(ratios))
        band = _decimal("band", self.band)
        if not Decimal(0) <= band < 1:
            raise HedgeValidationError("band", f"must be at least 0 and below 1, got {band}")
        put(self, "band", band)
        if self.take_profit_percent is not None:
            tp = _decimal("take_profit_percent", self.take_profit_percent)
            if tp >= 0:
                raise HedgeValidationError(
                    "take_profit_percent", "must be negative for a short (-8 is 8 % below)"
                )
            put(self, "take_profit_percent", tp)
        if self.stop_loss_percent is not None:
            sl = _decimal("stop_loss_percent", self.stop_loss_percent)
            if sl <= 0:
                raise HedgeValidationError(
                    "stop_loss_percent", "must be positive for a short (3 is 3 % above)"
                )
            put(self, "stop_loss_percent", sl)
        if isinstance(self.leverage, bool) or not isinstance(self.leverage, int):
            raise HedgeValidationError("leverage", "must be a whole number")
        if not 1 <= self.leverage <= 125:
            raise HedgeValidationError("leverage", "must be between 1 and 125")
        if self.rearm not in _REARM:
            raise HedgeValidationError("rearm", f"must be one of {', '.join(_REARM)}")
        if isinstance(self.cooldown_seconds, bool) or not isinstance(
            self.cooldown_seconds, int | float
        ):
            raise HedgeValidationError("cooldown_seconds", "must be a number of seconds")
        if not 0 <= self.cooldown_seconds < float("inf"):
            raise HedgeValidationError("cooldown_seconds", "must be 0 or more seconds")
        min_value = _decimal("min_value", self.min_value)
        if min_value < 0:
            raise HedgeValidationError("min_value", "must be 0 or more")
        put(self, "min_value", min_value)
        if isinstance(self.exclude, str):
            raise HedgeValidationError("exclude", "must be a sequence of assets, not one string")
        put(self, "exclude", tuple(_asset("exclude", a) for a in self.exclude))
        put(self, "quote", _asset("quote", self.quote))
        if not isinstance(self.dry_run, bool):
            raise HedgeValidationError("dry_run", "must be True or False")

    def ratio_of(self, asset: str) -> Decimal:
        """The hedge ratio of ``asset``: its override, else ``ratio``."""
        return self.ratios.get(asset, self.ratio)

    def pair_of(self, asset: str) -> str:
        """The futures pair the keeper shorts ``asset`` on (``USDT_BTCUSDT``), as the planner's."""
        return futures_pair(asset, self.quote)


def _asset(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.isalnum() or value.upper() != value:
        raise HedgeValidationError(
            name, f"an asset is upper-case letters and digits, got {value!r}"
        )
    return value
