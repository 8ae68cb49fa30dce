"""The ``report:`` section of config.yaml: how the effect report measures and where it is written."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ReportSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    windows: tuple[int, ...] = Field(
        (14, 30), min_length=1, max_length=4,
        description="Came back within these many days after a message (or a call), each measured apart",
    )
    min_group: int = Field(
        20, ge=5, le=10_000,
        description="Fewer members than this on either side (messaged / held out): 'too few to tell', no percentage",
    )
    months: int = Field(12, ge=1, le=60, description="Months the report covers when --since is not given")
    lost_after: int = Field(
        180, ge=30, le=1000, description="A member is counted lost after this many days without a purchase",
    )
    sheet: str = Field("效果报告 Report", min_length=1, max_length=31, description="Sheet refresh writes the report to")

    @field_validator("windows")
    @classmethod
    def _days(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 1 <= n <= 365 for n in v):
            raise ValueError("each window is 1 to 365 days, e.g. [14, 30]")
        return tuple(sorted(set(v)))
