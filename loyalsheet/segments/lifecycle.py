"""Lifecycle stage, with the rule that put the member there.

The rules are tried in this order; the first that holds gives the stage:

1. **potential**: registered, no visit (purchase or session) up to the day.
2. **lapsed**: no visit for MORE than ``lapsed_days`` (default 180).
3. **new**: first visit at most ``new_days`` ago (default 90).
4. **declining**: at least ``declining_min_visits`` visit days in the earlier half of the window, and
   fewer than ``declining_share`` (default 50%) as many in the recent half. The halves are equally
   long, so this compares the member's recent visit rate with their own earlier rate.
5. **mature** (loyal): at least ``mature_visits`` visit days ever (default 6) AND a first visit at
   least ``mature_days`` ago (default 365): a regular with a year of history.
6. **growing**: everyone else: visiting, past the new period, not yet mature.
"""

from __future__ import annotations

import enum
from decimal import Decimal

from ..model import Member
from ..rules.explain import Reason
from .activity import Activity, Window
from .settings import LifecycleSettings, percent


class Stage(enum.StrEnum):
    POTENTIAL = "potential"
    NEW = "new"
    GROWING = "growing"
    MATURE = "mature"
    DECLINING = "declining"
    LAPSED = "lapsed"


def stage(m: Member, a: Activity, s: LifecycleSettings, window: Window) -> tuple[Stage, Reason]:
    first, since = a.first_visit, a.days_since_last_visit
    if first is None or since is None:
        if m.joined is None:
            return Stage.POTENTIAL, Reason("seg.why.potential")
        return Stage.POTENTIAL, Reason("seg.why.potential_joined", {"joined": m.joined})
    if since > s.lapsed_days:
        return Stage.LAPSED, Reason("seg.why.lapsed", {"days": since, "limit": s.lapsed_days, "last": a.last_visit})
    tenure = (window.today - first).days
    if tenure <= s.new_days:
        return Stage.NEW, Reason("seg.why.new", {"first": first, "days": tenure, "limit": s.new_days})
    if a.earlier_visits >= s.declining_min_visits and a.recent_visits < s.declining_share * a.earlier_visits:
        params = {
            "recent": a.recent_visits,
            "earlier": a.earlier_visits,
            "share": percent(s.declining_share),
            "half": (Decimal(window.months) / 2).normalize(),
        }
        return Stage.DECLINING, Reason("seg.why.declining", params)
    params = {
        "visits": a.lifetime_visits,
        "first": first,
        "days": tenure,
        "min_visits": s.mature_visits,
        "min_days": s.mature_days,
    }
    if a.lifetime_visits >= s.mature_visits and tenure >= s.mature_days:
        return Stage.MATURE, Reason("seg.why.mature", params)
    return Stage.GROWING, Reason("seg.why.growing", params)

