"""Campaigns: who gets which message on a given day, and the policy that decides what may go.

Pure core: rows, rules results and segments in, a :class:`DayPlan` out. The day (``today``) and the
time of day (``now``, for quiet hours) are parameters; nothing here reads the clock, a file or the
network. The ledger's view of what was already sent comes in as a :class:`History`.

- :func:`candidates` lists every message due today (birthday, 3-day / 3-week / 3-month follow-ups,
  points expiring, gift card lapsing, paid membership ending, win-back, event invitations, course
  card reminders, monthly statement, festival greetings), each with its deterministic key
  ``campaign:member:occasion``, its kind (service / marketing) and its reason.
- :func:`apply_policy` applies consent, opt-outs, quiet hours, one message per member per day,
  the weekly cap and one message per recipient, and says why each held message is held.
- :func:`plan_day` does both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from ..model import Member, MemberFile
from ..rules import Evaluation
from ..segments import SegmentResult
from .candidates import Candidate, Friend, candidates, festival_days, first_purchases
from .policy import HELD_REASONS, DayPlan, Held, History, OptOuts, Planned, apply_policy, language_of, slot_of
from .settings import (
    CAMPAIGN_NAMES,
    CampaignSettings,
    ChannelName,
    Festival,
    Kind,
    MessagingSettings,
    QuietHours,
    Reward,
)


def plan_day(mf: MemberFile, ev: Evaluation, seg: SegmentResult | None, campaigns: CampaignSettings,
             messaging: MessagingSettings, *, today: date, now: datetime, zones: Mapping[str | None, str],
             history: History | None = None, only: Sequence[str] | None = None) -> DayPlan:
    """The day's plan: :func:`candidates` then :func:`apply_policy` (``ev`` and ``seg`` as of ``today``)."""
    members: dict[str, Member] = {}
    for m in mf.members:
        members.setdefault(m.member_id, m)
    cands = candidates(mf, ev, seg, campaigns, messaging, today, only=only)
    return apply_policy(cands, members, messaging, now=now, today=today, zones=zones, opt_outs=mf.opt_outs,
                        history=history)


__all__ = [
    "CAMPAIGN_NAMES",
    "HELD_REASONS",
    "CampaignSettings",
    "Candidate",
    "ChannelName",
    "DayPlan",
    "Festival",
    "Friend",
    "Held",
    "History",
    "Kind",
    "MessagingSettings",
    "OptOuts",
    "Planned",
    "QuietHours",
    "Reward",
    "apply_policy",
    "candidates",
    "festival_days",
    "first_purchases",
    "language_of",
    "plan_day",
    "slot_of",
]
