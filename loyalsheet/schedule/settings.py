"""The ``schedule:`` section of config.yaml, declared once as a pydantic model.

``loyalsheet schedule`` runs two jobs by itself: the daily messages (``loyalsheet today``) at
``daily_at`` in each store's time zone, and the weekly refresh (``loyalsheet refresh``) on
``weekly_day`` at ``weekly_at`` in the first store's time zone. Messages leave only with
``sending: on``; otherwise the daily job is a dry run that writes its plan into the workbook.
Every field has a default and a description.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..campaigns.settings import parse_hhmm

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScheduleSettings(_Strict):
    daily_at: str = Field(
        "10:00", description="Time of the daily messages (HH:MM), in each store's own time zone"
    )
    weekly_day: Weekday = Field("monday", description="Day of the weekly refresh (monday ... sunday)")
    weekly_at: str = Field("08:00", description="Time of the weekly refresh (HH:MM), in the first store's time zone")
    sending: bool = Field(
        False, description="on: the daily job sends (today --send); off: a dry run that writes the plan into the "
        "workbook (today --write-plan) and the schedule log",
    )
    catch_up: bool = Field(
        True, description="A job missed while the computer slept or was off runs at the next check, once: the "
        "daily job on the same day only, the weekly refresh in the same week; false: only within an hour of its time",
    )
    max_retries_per_day: int = Field(
        3, ge=0, le=50, description="A job that could not run (exit code 2) is tried again at the next check, at "
        "most this many more times a day",
    )
    check_minutes: int = Field(
        10, ge=1, le=240, description="How often the scheduler looks for a job that is due, missed or to retry; "
        "also the interval of the task definitions --print-task writes",
    )
    job_timeout_minutes: int = Field(
        120, ge=1, le=1440, description="A job still running after this many minutes is stopped and counts as failed",
    )
    log_file: str = Field(
        "loyalsheet-schedule.log", min_length=1, description="The schedule's log, beside the member file (or a path)"
    )
    log_max_kb: int = Field(1024, ge=16, description="The log is rotated at this size (KB) ...")
    log_backups: int = Field(5, ge=0, le=100, description="... keeping this many old logs (.log.1, .log.2, ...)")
    journal: str = Field(
        "loyalsheet-schedule.jsonl", min_length=1,
        description="The run journal (which job ran when, with its exit code), beside the member file. It decides "
        "what is due: do not delete it while the scheduler runs",
    )

    @field_validator("daily_at", "weekly_at", mode="before")
    @classmethod
    def _hhmm(cls, v: object) -> object:
        if isinstance(v, str):
            t = parse_hhmm(v)
            return f"{t.hour:02d}:{t.minute:02d}"
        return v

    @field_validator("weekly_day", mode="before")
    @classmethod
    def _day(cls, v: object) -> object:
        if isinstance(v, str):
            name = v.strip().lower()
            for day in WEEKDAYS:
                if name in (day, day[:3]):
                    return day
        return v

    @property
    def weekday(self) -> int:
        """``weekly_day`` as ``date.weekday()`` counts: Monday 0 ... Sunday 6."""
        return WEEKDAYS.index(self.weekly_day)
