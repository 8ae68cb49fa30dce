"""Segments: who is in which group as of a day, each assignment with the rule that put them there.

``segment(members, txns, settings, today)`` is the one entry point: a pure function of its
arguments (no file, clock, network or environment). It aggregates the transactions once
(``activity``), then places every member in

- a **quadrant** of visits x spend over the window (``quadrants``),
- **RFM** scores and a named group (``rfm``),
- a **lifecycle stage** (``lifecycle``),
- the **valued members gone quiet** and the **whales** (``quiet``),
- **preference** segments: main category, age band, gender (``preferences``),

and returns the thresholds it used (medians, quintile cut points, top-share cuts) so a dashboard can
show them. Every assignment carries a ``Reason`` (catalog key + parameters, ``reason.render("en")``).
``moves(previous, result)`` lists who changed quadrant or stage (or RFM group, whale, gone quiet)
since a previous refresh.

Speed and exactness: one pass over the transactions, money summed as whole cents in ``int``, so
every total is exact; medians are exact ``Decimal`` (x.5 allowed); shares and the gone-quiet factor
are compared as ``Decimal`` once per member. No floats anywhere, so a member on a threshold is
always on the same side of it. Reasons that many members share (no visit, outside the top share,
an age, a category share) are made once per pass. 100,000 members and 1,000,000 transactions take
about 3-4 s of CPU (``scripts/bench_segments``). The pass makes no reference cycles.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from itertools import compress
from operator import attrgetter

from .. import i18n
from ..model import Member, Txn
from ..rules.explain import Reason
from .activity import Activity, Window, activities
from .lifecycle import Stage, stage
from .preferences import Preferences, age
from .quadrants import Quadrant, QuadrantThresholds, no_quadrant, quadrant, thresholds
from .quiet import TopCut, gone_quiet, no_rhythm, valued_judge, whale, whale_judge
from .rfm import Rfm, RfmCuts, RfmGroup, score_all
from .settings import SegmentSettings

__all__ = [
    "Activity",
    "Aspect",
    "MemberSegments",
    "Move",
    "Quadrant",
    "QuadrantThresholds",
    "Rfm",
    "RfmCuts",
    "RfmGroup",
    "SegmentResult",
    "SegmentSettings",
    "Stage",
    "Standing",
    "Thresholds",
    "TopCut",
    "Window",
    "label",
    "moves",
    "segment",
]


@dataclass(frozen=True, slots=True)
class MemberSegments:
    """One member's segments as of the day, each with its reason."""

    member_id: str
    activity: Activity
    quadrant: Quadrant | None
    quadrant_reason: Reason
    rfm: Rfm | None
    rfm_reason: Reason
    stage: Stage
    stage_reason: Reason
    gone_quiet: bool
    quiet_reason: Reason
    whale: bool
    whale_reason: Reason
    main_category: str | None
    category_reason: Reason
    age: int | None
    age_band: str | None
    age_reason: Reason
    gender: str | None


@dataclass(frozen=True, slots=True)
class Thresholds:
    """What the segments were split at, to show beside them."""

    window: Window  # counted: window.start < day <= window.today
    quadrants: QuadrantThresholds
    rfm: RfmCuts
    valued: TopCut  # the top share used for "valued members gone quiet"
    whales: TopCut


@dataclass(frozen=True)
class SegmentResult:
    today: date
    members: tuple[MemberSegments, ...]  # in the order of the members given
    thresholds: Thresholds

    @cached_property
    def by_id(self) -> Mapping[str, MemberSegments]:
        return {ms.member_id: ms for ms in reversed(self.members)}  # a repeated id: the first

    def counts(self) -> dict[str, Counter[str | None]]:
        """Members per quadrant, stage, RFM group, main category, age band, gender, and the two flags."""
        members = self.members
        out: dict[str, Counter[str | None]] = {
            "quadrant": Counter(map(_QUADRANT, members)),
            "stage": Counter(map(_STAGE, members)),
            "rfm": Counter(ms.rfm.group if ms.rfm else None for ms in members),
            "main_category": Counter(map(_MAIN_CATEGORY, members)),
            "age_band": Counter(map(_AGE_BAND, members)),
            "gender": Counter(map(_GENDER, members)),
            "flags": Counter(),
        }
        # the flags in the order they first occur (gone quiet first within a member), as counted one by one
        n = range(len(members))
        quiet = list(compress(n, map(_GONE_QUIET, members)))
        whales = list(compress(n, map(_WHALE, members)))
        firsts = []
        if quiet:
            firsts.append((quiet[0], 0, "gone_quiet", len(quiet)))
        if whales:
            firsts.append((whales[0], 1, "whale", len(whales)))
        for _first, _order, flag, count in sorted(firsts):
            out["flags"][flag] = count
        return out


_QUADRANT, _STAGE, _MAIN_CATEGORY, _AGE_BAND, _GENDER, _GONE_QUIET, _WHALE = map(
    attrgetter, ("quadrant", "stage", "main_category", "age_band", "gender", "gone_quiet", "whale"))


def segment(members: Sequence[Member], txns: Sequence[Txn], settings: SegmentSettings, today: date, *,
            include_gift_card: bool = True) -> SegmentResult:
    """Every member's segments as of ``today``; transactions dated after ``today`` are ignored.

    ``include_gift_card`` is config's ``tiers.spend.include_gift_card``: whether purchases paid with a
    gift card are the member's spend (pass it, so spend here is the rules' spend; see ``facts``)."""
    months = settings.window_months
    window = Window.of(today, months)
    acts = activities(members, txns, today, window, include_gift_card=include_gift_card)
    q_th = thresholds(acts, settings.quadrants)
    rfms, cuts = score_all(acts, settings.rfm, months)
    valued = valued_judge(acts, settings.quiet, months)
    whales = whale_judge(acts, settings.whales, months)
    rhythm_unknown = no_rhythm(settings.quiet)
    prefs = Preferences(settings.preferences, months)
    outside = no_quadrant(months)
    out: list[MemberSegments] = []
    for m, a, (rfm, rfm_reason) in zip(members, acts, rfms, strict=True):
        q, q_reason = quadrant(a, q_th, months, outside)
        st, st_reason = stage(m, a, settings.lifecycle, window)
        quiet, quiet_reason = gone_quiet(a, valued, settings.quiet, rhythm_unknown)
        big, big_reason = whale(a, whales)
        cat, cat_reason = prefs.main_category(a)
        years = age(m.birthday, today)
        band, band_reason = prefs.age_band(years)
        out.append(
            MemberSegments(
                member_id=m.member_id,
                activity=a,
                quadrant=q,
                quadrant_reason=q_reason,
                rfm=rfm,
                rfm_reason=rfm_reason,
                stage=st,
                stage_reason=st_reason,
                gone_quiet=quiet,
                quiet_reason=quiet_reason,
                whale=big,
                whale_reason=big_reason,
                main_category=cat,
                category_reason=cat_reason,
                age=years,
                age_band=band,
                age_reason=band_reason,
                gender=m.gender,
            )
        )
    return SegmentResult(today, tuple(out), Thresholds(window, q_th, cuts, valued.top, whales.top))


# --- moves since the last refresh -------------------------------------------------------------


class Aspect(enum.StrEnum):
    QUADRANT = "quadrant"
    STAGE = "stage"
    RFM = "rfm"
    WHALE = "whale"
    GONE_QUIET = "gone_quiet"


Value = Quadrant | Stage | RfmGroup | bool | None


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a member stood at a refresh: what the Member status sheet recorded (None: no quadrant/group)."""

    quadrant: Quadrant | None = None
    stage: Stage | None = None
    rfm: RfmGroup | None = None
    whale: bool = False
    gone_quiet: bool = False

    @classmethod
    def of(cls, ms: MemberSegments) -> Standing:
        return cls(ms.quadrant, ms.stage, ms.rfm.group if ms.rfm else None, ms.whale, ms.gone_quiet)

    def get(self, aspect: Aspect) -> Value:
        value: Value = getattr(self, aspect.value)
        return value


@dataclass(frozen=True, slots=True)
class Move:
    """``member_id``'s ``aspect`` went from ``before`` to ``after``; ``reason`` is why it is ``after`` now."""

    member_id: str
    aspect: Aspect
    before: Value
    after: Value
    reason: Reason


_REASON = {
    Aspect.QUADRANT: "quadrant_reason",
    Aspect.STAGE: "stage_reason",
    Aspect.RFM: "rfm_reason",
    Aspect.WHALE: "whale_reason",
    Aspect.GONE_QUIET: "quiet_reason",
}


def moves(
    previous: Mapping[str, Standing],
    current: SegmentResult | Iterable[MemberSegments],
    aspects: Sequence[Aspect] = (Aspect.QUADRANT, Aspect.STAGE),
) -> list[Move]:
    """Who changed, aspect by aspect, in the order of ``current``.

    Members missing from ``previous`` (new since then, or the first refresh) are not moves; neither
    are members missing from ``current``.
    """
    rows = current.members if isinstance(current, SegmentResult) else current
    # (what Standing.get and Standing.of would give, read straight off the member's segments)
    plan = [(aspect, aspect.value, _REASON[aspect]) for aspect in aspects]
    before_of = previous.get
    out: list[Move] = []
    for ms in rows:
        before = before_of(ms.member_id)
        if before is None:
            continue
        for aspect, name, why in plan:
            b: Value = getattr(before, name)
            a: Value = (ms.rfm.group if ms.rfm else None) if name == "rfm" else getattr(ms, name)
            if b != a:
                out.append(Move(ms.member_id, aspect, b, a, getattr(ms, why)))
    return out


_LABEL_KEYS: dict[tuple[type, Value], str] = {
    (kind, value): f"seg.{name}.{value.value}"
    for kind, name in ((Quadrant, "quadrant"), (Stage, "stage"), (RfmGroup, "rfm")) for value in kind
}


def label(value: Value, lang: str = "zh") -> str:
    """A segment's name in ``lang``: 知己 / confidant, 成熟期 / mature, 冠军客户 / champions; "" for None."""
    if value is None:
        return ""
    key = _LABEL_KEYS.get((type(value), value))
    if key is not None:
        return i18n.t(key, lang)
    if isinstance(value, bool):
        return i18n.t("seg.yes" if value else "seg.no", lang)
    kind = {Quadrant: "quadrant", Stage: "stage", RfmGroup: "rfm"}[type(value)]
    return i18n.t(f"seg.{kind}.{value.value}", lang)
