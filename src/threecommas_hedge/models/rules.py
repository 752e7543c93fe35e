"""Exchange trading rules the hedge builder rounds and checks against."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ._types import ApiDecimal


class MarketRules(BaseModel):
    """Price tick, lot step and minimums of one market; a field left as ``None`` is not enforced."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    price_step: ApiDecimal | None = Field(default=None, gt=0, description="price tick")
    lot_step: ApiDecimal | None = Field(default=None, gt=0, description="quantity step, base units")
    min_lot: ApiDecimal | None = Field(default=None, ge=0, description="minimum quantity, base")
    min_notional: ApiDecimal | None = Field(default=None, ge=0, description="minimum order value")
    max_leverage: int | None = Field(default=None, ge=1, description="highest allowed leverage")
