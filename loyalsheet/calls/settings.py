"""The Call list's settings (``call_list`` in config.yaml)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CALL_KINDS = ("followup-3d", "satisfaction", "churn", "birthday", "expiring", "membership", "followup-3w",
              "followup-3m", "friends_card", "event")


class CallListSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    best_times: tuple[str, ...] = Field(("11:00-12:00", "16:00-17:00"), description="Best times to phone, shown on the Call list")
    capacity: int = Field(40, ge=1, le=5000, description="Calls a store's staff can make in a week: the Call list never holds more")
    order: tuple[str, ...] = Field(CALL_KINDS, description="Which reasons are phoned first, most urgent first (any left out follow, in the default order)")
    followup_days: tuple[int, ...] = Field((3, 21, 90), description="Follow-up calls this many days after a first purchase (3-3-3)")
    window_days: int = Field(7, ge=1, le=31, description="A follow-up, birthday or lapsing card is listed when due within this many days")
    birthday_days: int = Field(30, ge=1, le=62, description="List a birthday this many days ahead, to arrange the gift")
    points_min: int = Field(100, ge=0, description="List expiring points only from this many points")
    event_days: int = Field(14, ge=1, description="Phone valued members about an event this many days before it")
    membership_days: int = Field(30, ge=1, le=120, description="List a paid membership ending within this many days")
    satisfaction_days: int = Field(3, ge=1, le=31, description="A satisfaction call within this many days after a treatment or course card session")
    valued_share: float = Field(0.3, gt=0, le=1, description="Declining or lapsed members in this top share by lifetime spend get a churn call")
    retry_days: int = Field(14, ge=1, le=90, description="A call marked no answer is tried again for this many days")

    @model_validator(mode="before")
    @classmethod
    def _old_max_rows(cls, data: Any) -> Any:
        """``max_rows`` (before capacity) is accepted and ignored: capacity says how many calls fit a week."""
        if isinstance(data, dict) and "max_rows" in data:
            data = {k: v for k, v in data.items() if k != "max_rows"}
        return data

    @field_validator("order")
    @classmethod
    def _known_kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [k for k in value if k not in CALL_KINDS]
        if unknown:
            raise ValueError(f"unknown call reason {', '.join(unknown)}: use {', '.join(CALL_KINDS)}")
        return tuple(dict.fromkeys(value))
