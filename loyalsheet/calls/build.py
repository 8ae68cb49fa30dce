"""One store's Call list for the week: reasons -> households -> ranking -> capacity -> rows.

Only the calls that make the list get their opening line and purpose rendered; the ones that wait
get their reasons written (short) and no phone number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ..i18n import t
from ..model import CallNote, Member, MemberFile
from ..rules import Evaluation, explain
from ..rules import Reason as RuleReason
from ..rules.benefits import Benefits
from ..segments import SegmentResult
from ..workbook.writer import CellValue
from .openers import Openers
from .outcomes import CallHistory, CallOutcome
from .ranking import Call, cut, households, rank
from .reasons import Reason, gather
from .settings import CALL_KINDS, CallListSettings
from .sheet import (
    BEST,
    CALL_COLUMNS,
    EVENT,
    LAST,
    MEMBER,
    NAME,
    NO,
    OPENING,
    PHONE,
    PURPOSE,
    TIER,
    TYPE,
    WAITING,
    WHY,
    WHY_NOW,
)

WAITING_SHOWN = 3  # who waits is listed up to three weeks' capacity (all are counted): a big chain's
# thousands of candidates stay off the sheet, and those listed are carried forward with priority


@dataclass(frozen=True)
class CallList:
    rows: list[list[CellValue]]  # the calls that fit, in order
    waiting: list[list[CellValue]]  # the first calls that wait, in order (up to WAITING_SHOWN x capacity)
    listed: list[Call]
    left: list[Call]  # the first who wait
    waiting_count: int  # how many wait in all


def kind_label(kind: str, lang: str) -> str:
    return t(f"calls.kind.{kind}", lang)


def kind_of(label: str | None) -> str | None:
    """The reason kind a Call list's "Call type" cell names (in either language)."""
    if not label:
        return None
    wanted = "".join(label.split()).casefold()
    for kind in CALL_KINDS:
        for lang in ("zh", "en"):
            if "".join(kind_label(kind, lang).split()).casefold() == wanted:
                return kind
    return None


def _shown(value: Any, lang: str = "zh") -> Any:
    if isinstance(value, RuleReason):  # (what the points buy, said as the card says it)
        return explain(value, lang)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return value


def reason_text(r: Reason, lang: str) -> str:
    params = {k: _shown(v, lang) for k, v in r.params.items()}
    if "stage" in params:
        params["stage"] = t(f"calls.stage.{params['stage']}", lang)
    if r.why == "explain":
        return explain(r.params["reason"], lang)
    return t(r.why, lang, **params)


def _describe(n: CallNote | CallOutcome) -> str:
    parts = [n.day.isoformat(), n.outcome or "", n.note or ""]
    if n.next_call is not None:
        parts.append(f"→ {n.next_call.isoformat()}")
    return " ".join(p for p in parts if p)


def _retries(hist: CallHistory, reasons: dict[str, list[Reason]], members: Mapping[str, Member],
             today: date) -> None:
    """A member with no answer on the Call list whose reason has passed since is still tried again, for
    the same reason (a Call notes row says no reason: its member is tried again only for one that holds)."""
    for member_id, n in hist.no_answer.items():
        if member_id in reasons or member_id not in members or member_id in hist.do_not_call:
            continue
        kind = kind_of(getattr(n, "reason", None))
        if kind is None:
            continue
        reasons[member_id] = [Reason(kind, member_id, float((today - n.day).days), "calls.why.retry",
                                     {"day": n.day, "type": kind_label(kind, "zh"), "type_en": kind_label(kind, "en")},
                                     "calls.now.retry", getattr(n, "event_id", None))]


def _friends_card_offered(reasons: dict[str, list[Reason]], hist: CallHistory, members: Mapping[str, Member],
                          today: date) -> None:
    """A member reached this year on a call listed for the friends card (the last call that reached the
    household) is not listed for it again this year: staff offered it; a card given is on Gift cards."""
    reached = {who for who, n in hist.last.items()
               if n.day.year == today.year and n.day <= today and kind_of(getattr(n, "reason", None)) == "friends_card"}
    if not reached:
        return
    for member_id, rs in list(reasons.items()):
        m = members.get(member_id)
        if member_id not in reached and (m is None or m.family_of not in reached):
            continue
        if any(r.kind == "friends_card" for r in rs):
            kept = [r for r in rs if r.kind != "friends_card"]
            if kept:
                reasons[member_id] = kept
            else:
                del reasons[member_id]


def build_call_list(mf: MemberFile, ev: Evaluation, seg: SegmentResult, cl: CallListSettings, hist: CallHistory,
                    *, lang: str, first_purchase: Mapping[str, date], waiting: Mapping[str, date],
                    capacity: int, best_times: Sequence[str], store_name: str, openers: Openers,
                    attended: Mapping[str, int] | None = None, benefits: Benefits | None = None) -> CallList:
    """Who to phone this week (at most ``capacity``), and who waits. ``benefits`` are the run's (the card's
    and Member status's): the friends card reason and what the points buy come from them."""
    today = seg.today
    members = {m.member_id: m for m in mf.members}
    reasons = gather(mf, ev, seg, cl, hist, first_purchase, attended or {}, benefits)
    _friends_card_offered(reasons, hist, members, today)
    _retries(hist, reasons, members, today)
    grouped = households(reasons, members, hist.do_not_call)
    value = {ms.member_id: ms.activity.lifetime_spend_cents for ms in seg.members}
    ranked, total = rank(grouped, members, cl.order, value, waiting, hist.no_answer,
                         limit=(1 + WAITING_SHOWN) * capacity)
    listed, left = cut(ranked, capacity)
    rows = [_row(i, c, ev, lang, hist, best_times, store_name, openers, members, today, full=True)
            for i, c in enumerate(listed, start=1)]
    waits = [_row(None, c, ev, lang, hist, best_times, store_name, openers, members, today, full=False)
             for c in left]
    return CallList(rows, waits, listed, left, total - len(listed))


def _row(no: int | None, c: Call, ev: Evaluation, lang: str, hist: CallHistory, best_times: Sequence[str],
         store_name: str, openers: Openers, members: Mapping[str, Member], today: date,
         *, full: bool) -> list[CellValue]:
    m = c.member
    first = c.first
    texts = []
    for r in c.reasons:
        said = reason_text(r, lang) if r.why != "calls.why.retry" else _retry_text(r, lang)
        if r.member_id != m.member_id:
            who = members[r.member_id].name if r.member_id in members else r.member_id
            said = t("calls.family", lang, name=who, member=r.member_id, why=said)
        texts.append(said)
    now = [t(first.now, lang, **{k: _shown(v, lang) for k, v in first.params.items()})] if first.now else []
    if c.retry is not None:
        now.insert(0, t("calls.now.retry", lang, day=c.retry.day.isoformat()))
    elif c.waiting_since is not None and c.waiting_since < today:
        now.insert(0, t("calls.now.waiting", lang, day=c.waiting_since.isoformat()))
    result = ev.members.get(m.member_id)
    tier = (result.tier.tier_zh if lang == "zh" else result.tier.tier) if result is not None else ""
    row: list[CellValue] = [None] * len(CALL_COLUMNS)
    row[NO] = no
    row[MEMBER] = m.member_id
    row[NAME] = m.name
    row[TIER] = tier
    row[TYPE] = kind_label(first.kind, lang)
    row[WHY] = "; ".join(dict.fromkeys(texts))
    row[WHY_NOW] = "; ".join(dict.fromkeys(now))
    previous = hist.last_any.get(m.member_id)
    row[LAST] = _describe(previous) if previous is not None else ""
    row[WAITING] = c.waiting_since or today
    row[EVENT] = next((r.event_id for r in c.reasons if r.event_id), None)
    if full:
        family = sorted({members[r.member_id].name for r in c.reasons
                         if r.member_id != m.member_id and r.member_id in members})
        context = {k: v for k, v in first.params.items() if k not in ("stage",)}
        template = "retry" if first.why == "calls.why.retry" else first.kind
        about = members[first.member_id].name if first.member_id != m.member_id and first.member_id in members else None
        words = openers.words(template, lang, {**context, "name": m.name, "store": store_name, "family": family,
                                               "about": about})
        times = list(best_times)
        if c.retry is not None and len(times) > 1:  # no answer last time: the next best time first
            times = times[1:] + times[:1]
        row[PHONE] = m.phone or m.email or ""
        row[OPENING] = words.opening
        row[PURPOSE] = words.purpose
        row[BEST] = ", ".join(times)
    return row


def _retry_text(r: Reason, lang: str) -> str:
    return t("calls.why.retry", lang, day=r.params["day"].isoformat(),
             type=r.params["type"] if lang == "zh" else r.params["type_en"])


def attended_counts(came: Mapping[str, set[str]]) -> Counter[str]:
    """How many past events each member came to."""
    out: Counter[str] = Counter()
    for who in came.values():
        out.update(who)
    return out


def upcoming(mf: MemberFile, cl: CallListSettings, today: date) -> bool:
    return any(today <= e.day <= today + timedelta(days=cl.event_days) for e in mf.events)
