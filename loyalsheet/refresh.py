"""The weekly refresh: the sheets the tool owns, built from the rules and the segments.

``build_refresh`` is a function of plain data (the member file, the rules' evaluation, the segments,
what the owned sheets held before, messages sent) and returns the sheets to write, the moves since
the last refresh and the call outcomes collected. It reads nothing and writes nothing; the CLI does.

Sheets (titles in both languages, as in MEMBER_FILE.md "Sheets the tool owns"):

- 会员状态 Member status: one row per member.
- 回访名单 Call list: who to phone this week and why, most valuable first, with empty columns for
  the outcome. Outcomes typed there are collected on the next refresh into
- 回访日志 Call log: every outcome collected from the Call list, kept across refreshes (the
  manager's own Call notes sheet is never written; both are read for "last call").
- 看板 Dashboard: counts by tier, quadrant and stage, members gained and lost, monthly spend and
  visits, messages sent, with native charts.
"""

from __future__ import annotations

import functools
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import compress, islice, repeat
from operator import and_, attrgetter, eq, is_, is_not, le, or_
from typing import Any, ParamSpec, TypeVar

from .benefits_view import STATUS_BENEFIT_COLUMNS, StatusCells, member_benefits, partner_rows
from .campaigns.audience import points_audience
from .collector import paused
from .config import Config
from .i18n import t
from .model import CallNote, Member, MemberFile, Txn, TxnType
from .rules import Evaluation, explain
from .rules.benefits import Benefits
from .rules.explain import ReasonTexts
from .segments import Aspect, Move, Quadrant, RfmGroup, SegmentResult, Stage, Standing, label, moves
from .workbook.chain import store_sheet_title
from .workbook.writer import CellValue, ChartSeries, ChartSpec, OwnedSheet

STATUS = ("会员状态", "Member status")
CALLS = ("回访名单", "Call list")
CALL_LOG = ("回访日志", "Call log")
DASHBOARD = ("看板", "Dashboard")
OWNED_TITLES = tuple(f"{zh} {en}" for zh, en in (STATUS, CALLS, CALL_LOG, DASHBOARD))

DATE = "yyyy-mm-dd"
MONEY = "#,##0.00"

# (zh, en) headers of each sheet, in column order
STATUS_COLUMNS = (
    ("会员编号", "Member ID"), ("姓名", "Name"), ("等级", "Tier"), ("等级原因", "Tier reason"),
    ("积分", "Points"), ("下次过期日", "Next expiry"), ("下次过期积分", "Points expiring"),
    ("储值余额", "Stored value"), ("四象限", "Quadrant"), ("RFM", "RFM"), ("RFM 分组", "RFM group"),
    ("生命周期", "Lifecycle"), ("生命周期原因", "Lifecycle reason"), ("最近到店", "Last visit"),
    ("到店次数(12个月)", "Visits (window)"), ("消费(12个月)", "Spend (window)"), ("沉睡贵宾", "Gone quiet"),
    ("大客户", "Whale"), ("下月生日", "Birthday next month"), *STATUS_BENEFIT_COLUMNS,
)
CALL_COLUMNS = (
    ("会员编号", "Member ID"), ("姓名", "Name"), ("手机", "Phone"), ("等级", "Tier"), ("原因", "Why"),
    ("开场白", "Opening line"), ("最佳时间", "Best times"), ("上次回访", "Last call"),
    ("结果", "Outcome"), ("备注", "Note"), ("下次回访", "Next call"), ("回访人", "Staff"),
)
CALL_LOG_COLUMNS = (
    ("日期", "Date"), ("会员编号", "Member ID"), ("回访人", "Staff"), ("结果", "Outcome"), ("备注", "Note"),
    ("下次回访", "Next call"),
)
_OUTCOME_COLUMNS = (8, 9, 10, 11)  # Outcome, Note, Next call, Staff in CALL_COLUMNS

_P = ParamSpec("_P")
_R = TypeVar("_R")


def sheet_title(names: tuple[str, str]) -> str:
    return f"{names[0]} {names[1]}"


def header(names: tuple[str, str], style: str) -> str:
    zh, en = names
    return {"zh": zh, "en": en, "en-zh": f"{en}\n{zh}"}.get(style, f"{zh}\n{en}")


def _norm(text: object) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).casefold().replace(" ", "").replace("\n", "")


def _column_index(head: Sequence[CellValue], names: tuple[str, str]) -> int | None:
    """Where a header is in a sheet the tool wrote earlier (in any header style)."""
    wanted = {_norm(names[0]), _norm(names[1]), _norm(names[0] + names[1]), _norm(names[1] + names[0])}
    for i, cell in enumerate(head):
        if _norm(cell) in wanted:
            return i
    return None


@dataclass(frozen=True)
class CallOutcome:
    day: date
    member_id: str
    staff: str | None
    outcome: str | None
    note: str | None
    next_call: date | None


@dataclass(frozen=True)
class RefreshPlan:
    sheets: tuple[OwnedSheet, ...]
    moves: tuple[Move, ...]
    collected: tuple[CallOutcome, ...]  # outcomes typed in the Call list since the last refresh
    calls: int  # members on the new Call list
    counts: Mapping[str, Counter[str]]


# --- reading back what the tool wrote last time --------------------------------------------------

_REVERSE: dict[str, Quadrant | Stage | RfmGroup] = {}
for _enum in (Quadrant, Stage, RfmGroup):
    for _v in _enum:
        for _lang in ("zh", "en"):
            _REVERSE[_norm(label(_v, _lang))] = _v
        _REVERSE[_norm(_v.value)] = _v


def previous_standing(rows: Sequence[Sequence[CellValue]]) -> dict[str, Standing]:
    """Where each member stood at the last refresh, from the Member status sheet as it is now."""
    if not rows:
        return {}
    head = rows[0]
    at_id = _column_index(head, STATUS_COLUMNS[0])
    if at_id is None:
        return {}
    # quadrant, stage, RFM group: each column's few distinct texts are looked up once
    columns: list[tuple[int | None, type, dict[CellValue, object]]] = [
        (_column_index(head, STATUS_COLUMNS[i]), kind, {}) for i, kind in ((8, Quadrant), (11, Stage), (10, RfmGroup))]
    standings: dict[tuple[object, ...], Standing] = {}  # equal standings share one (frozen) object
    out: dict[str, Standing] = {}
    for row in rows[1:]:
        n = len(row)
        member_id = row[at_id] if at_id < n else None
        if member_id is None:
            continue
        found: list[object] = []
        for i, kind, seen in columns:
            value = row[i] if i is not None and i < n else None
            plain = value is None or type(value) is str  # (1, 1.0 and True are equal keys that read apart)
            hit = seen.get(value, _UNSEEN) if plain else _UNSEEN
            if hit is _UNSEEN:
                hit = _REVERSE.get(_norm(value))
                hit = hit if isinstance(hit, kind) else None
                if plain:
                    seen[value] = hit
            found.append(hit)
        key = tuple(found)
        standing = standings.get(key)
        if standing is None:
            q, st, r = found
            standing = standings[key] = Standing(
                quadrant=q if isinstance(q, Quadrant) else None,
                stage=st if isinstance(st, Stage) else None,
                rfm=r if isinstance(r, RfmGroup) else None,
            )
        out[str(member_id)] = standing
    return out


_UNSEEN = object()


def _as_date(value: CellValue) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _text(value: CellValue) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def collect_outcomes(rows: Sequence[Sequence[CellValue]], today: date) -> list[CallOutcome]:
    """Outcomes staff typed in the Call list: any row with an outcome, note, next call or staff."""
    if not rows:
        return []
    head = rows[0]
    idx = {i: _column_index(head, CALL_COLUMNS[i]) for i in (0, *_OUTCOME_COLUMNS)}
    if idx[0] is None:
        return []
    out = []
    for row in rows[1:]:
        def cell(i: int, row: Sequence[CellValue] = row) -> CellValue:
            j = idx[i]
            return row[j] if j is not None and j < len(row) else None

        member_id = _text(cell(0))
        outcome, note, next_call, staff = cell(8), cell(9), cell(10), cell(11)
        if member_id is None or all(v is None or _text(v) is None for v in (outcome, note, next_call, staff)):
            continue
        out.append(CallOutcome(today, member_id, _text(staff), _text(outcome), _text(note), _as_date(next_call)))
    return out


def read_call_log(rows: Sequence[Sequence[CellValue]]) -> list[CallOutcome]:
    if not rows:
        return []
    head = rows[0]
    idx = [_column_index(head, names) for names in CALL_LOG_COLUMNS]
    out = []
    for row in rows[1:]:
        vals = [row[i] if i is not None and i < len(row) else None for i in idx]
        day, member_id = _as_date(vals[0]), _text(vals[1])
        if day is None or member_id is None:
            continue
        out.append(CallOutcome(day, member_id, _text(vals[2]), _text(vals[3]), _text(vals[4]), _as_date(vals[5])))
    return out


# --- building the sheets -------------------------------------------------------------------------


def _tier(ev: Evaluation, member_id: str, lang: str) -> str:
    result = ev.members.get(member_id)
    if result is None:
        return ""
    return result.tier.tier_zh if lang == "zh" else result.tier.tier


def _yes(flag: bool, lang: str) -> str:
    return t("seg.yes", lang) if flag else ""


def _next_month(today: date) -> tuple[int, int]:
    return (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)


class _Labels(dict[Any, str]):
    """Segment names in one language, each looked up once (None reads "")."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def __missing__(self, value: Any) -> str:
        text = self[value] = label(value, self.lang)
        return text


def _status_rows(mf: MemberFile, ev: Evaluation, seg: SegmentResult, lang: str,
                 benefits: Benefits | None = None) -> list[list[CellValue]]:
    rows: list[list[CellValue]] = []
    next_month = _next_month(seg.today)
    # members who share a tier result (everyone who never left the first tier) share its reason: render it
    # once (the results live in ``ev`` for the whole call, so their ids are stable)
    reasons: dict[int, str] = {}
    stage_reason = ReasonTexts(lang)
    quadrants, stages, groups = _Labels(lang), _Labels(lang), _Labels(lang)
    yes = t("seg.yes", lang)
    zh = lang == "zh"
    results, segments = ev.members, seg.by_id
    benefit_cells = StatusCells(benefits, lang) if benefits is not None else None
    no_benefits: list[CellValue] = [None, None]
    for m in mf.members:
        member_id = m.member_id
        r = results.get(member_id)
        ms = segments.get(member_id)
        if r is None or ms is None:
            continue
        tier = r.tier
        tier_reason = reasons.get(id(tier))
        if tier_reason is None:
            tier_reason = reasons[id(tier)] = explain(tier.why, lang)
        p = r.points
        birthday = r.birthday.next if r.birthday is not None else None
        a = ms.activity
        rfm = ms.rfm
        rows.append([
            member_id, m.name, tier.tier_zh if zh else tier.tier, tier_reason, p.balance,
            p.next_expiry, p.next_expiry_points or None, r.wallet.balance if r.wallet is not None else None,
            quadrants[ms.quadrant], rfm.code if rfm else "", groups[rfm.group] if rfm else "",
            stages[ms.stage], stage_reason(ms.stage_reason), a.last_visit, a.visits, a.spend,
            yes if ms.gone_quiet else "", yes if ms.whale else "",
            birthday if birthday is not None and (birthday.year, birthday.month) == next_month else None,
            *(benefit_cells(member_id, p.balance) if benefit_cells is not None else no_benefits),
        ])
    return rows


@dataclass
class _Call:
    member: Member
    value: Decimal
    reasons: list[tuple[int, str, Any]]  # (priority, kind, what to say: see _reason_text)


def _last_calls(notes: Iterable[CallNote | CallOutcome]) -> dict[str, CallNote | CallOutcome]:
    last: dict[str, CallNote | CallOutcome] = {}
    for n in notes:
        held = last.get(n.member_id)
        if held is None or n.day >= held.day:
            last[n.member_id] = n
    return last


def _describe_call(n: CallNote | CallOutcome) -> str:
    parts = [n.day.isoformat(), n.outcome or "", n.note or ""]
    if n.next_call is not None:
        parts.append(f"→ {n.next_call.isoformat()}")
    return " ".join(p for p in parts if p)


def _audience_ok(audience: Sequence[str], m: Member, tier: str, tier_zh: str, quadrant: str) -> bool:
    words = {_norm(w) for w in audience}
    if not words or _norm("all") in words or _norm("全部") in words:
        return True
    return bool(words & {_norm(tier), _norm(tier_zh), _norm(quadrant), _norm(m.store or "")})


class _Normalised(dict[str, str]):
    """``_norm`` of a few texts met many times (tier names, quadrants, stores), each worked out once."""

    def __missing__(self, text: str) -> str:
        value = self[text] = _norm(text)
        return value


def _reason_text(kind: str, what: Any, lang: str) -> str:
    """A Call list reason, written only for the members who make the list."""
    if kind == "quiet":
        return explain(what, lang)
    if kind == "followup":
        days, first, due = what
        return t("calls.followup", lang, days=days, first=first.isoformat(), due=due.isoformat())
    if kind == "points":
        return t("calls.points", lang, points=f"{what.expiring_soon:,}", until=what.expiring_soon_until.isoformat())
    if kind == "birthday":
        return t("calls.birthday", lang, day=what.next.isoformat(), budget=f"{what.budget:,}")
    if kind == "friends_card":
        return explain(what, lang)
    if kind == "gift_card":
        return t("calls.gift_card", lang, card=what.card_id, balance=f"{what.balance:,}",
                 day=what.expires.isoformat() if what.expires else "")
    return t("calls.event", lang, title=what.title, day=what.day.isoformat())


_MEMBER, _TYPE, _DAY, _AMOUNT = map(attrgetter, ("member_id", "type", "day", "amount"))


def _in_date_order(days: Sequence[date]) -> bool:
    """Whether ``days`` never go back (a Transactions sheet is usually typed in date order)."""
    return all(map(le, days, islice(days, 1, None)))


def _first_purchases(txns: Sequence[Txn], today: date) -> dict[str, date]:
    """Each member's first purchase day, up to ``today``."""
    purchases = list(map(is_, map(_TYPE, txns), repeat(TxnType.PURCHASE)))
    days = list(compress(map(_DAY, txns), purchases))
    ids = list(compress(map(_MEMBER, txns), purchases))
    if _in_date_order(days):  # each member's first purchase is the first in the list: build the dict in C
        n = bisect_right(days, today)
        return dict(zip(reversed(ids[:n]), reversed(days[:n]), strict=True))
    first: dict[str, date] = {}
    held_of = first.get
    for member_id, day in zip(ids, days, strict=True):
        if day <= today:
            held = held_of(member_id)
            if held is None or day < held:
                first[member_id] = day
    return first


def _months(today: date) -> list[tuple[int, int]]:
    """The twelve months up to ``today``'s, oldest first."""
    months: list[tuple[int, int]] = []
    y, mo = today.year, today.month
    for _ in range(12):
        months.append((y, mo))
        y, mo = (y - 1, 12) if mo == 1 else (y, mo - 1)
    months.reverse()
    return months


@dataclass(frozen=True)
class Ahead:
    """What a refresh reads off a book's transactions alone, worked out ahead (while a worker still
    computes the segments): each member's first purchase day and the monthly spend and visits."""

    txns: Sequence[Txn]  # the transactions these are of
    first_purchases: dict[str, date]
    monthly: list[tuple[Decimal, int]]


def ahead(mf: MemberFile, today: date) -> Ahead:
    """:class:`Ahead` for the whole book ``mf`` as of ``today``."""
    return Ahead(mf.txns, _first_purchases(mf.txns, today), _monthly(mf.txns, _months(today), today))


def _call_rows(
    mf: MemberFile, ev: Evaluation, seg: SegmentResult, config: Config, lang: str,
    notes: Sequence[CallNote | CallOutcome], store: str | None = None, early: Ahead | None = None,
    benefits: Benefits | None = None,
) -> list[list[CellValue]]:
    """Who to phone and why. Every member with a reason is a candidate; the reasons are written (the
    costly part) only for the ``max_rows`` most valuable candidates, who make the list."""
    today = seg.today
    cl = config.call_list
    window = timedelta(days=cl.window_days)
    last = _last_calls(notes)
    calls: dict[str, _Call] = {}
    members = {m.member_id: m for m in mf.members}
    by_id = seg.by_id
    results = ev.members

    def add(member_id: str, priority: int, kind: str, what: Any) -> None:
        call = calls.get(member_id)
        if call is None:
            m = members.get(member_id)
            ms = by_id.get(member_id)
            if m is None or ms is None:
                return
            call = calls[member_id] = _Call(m, ms.activity.lifetime_spend, [])
        call.reasons.append((priority, kind, what))

    first_purchase = (early.first_purchases if early is not None and early.txns is mf.txns
                      else _first_purchases(mf.txns, today))
    due_from, due_to = today - window, today + window
    points_min = max(cl.points_min, 1)
    birthdays_to = today + timedelta(days=cl.birthday_days)
    followups = [(days, timedelta(days=days)) for days in cl.followup_days]
    three_days = timedelta(days=3)
    for ms in seg.members:
        mid = ms.member_id
        if ms.gone_quiet:
            add(mid, 1, "quiet", ms.quiet_reason)
        first = first_purchase.get(mid)
        if first is not None:
            for days, after in followups:
                due = first + after
                if due_from < due <= due_to:
                    called = last.get(mid)
                    if not (called and called.day >= due - three_days):
                        add(mid, 2, "followup", (days, first, due))
        r = results.get(mid)
        if r is None:
            continue
        if r.points.expiring_soon >= points_min:
            add(mid, 4, "points", r.points)
        b = r.birthday
        if b is not None and b.budget > 0 and today <= b.next <= birthdays_to:
            add(mid, 5, "birthday", b)
    for rem in ev.gift_card_reminders:
        add(rem.card.giver, 3, "gift_card", rem.card)
    if benefits is not None:
        for mid, why in benefits.friends_cards_due(results).items():
            add(mid, 7, "friends_card", why)
    upcoming = [e for e in mf.events if today <= e.day <= today + timedelta(days=cl.event_days)]
    if upcoming:
        # (what _audience_ok decides, with each event's words and each text normalised once)
        norm = _Normalised()
        audiences = []
        for e in upcoming:
            points_rules, named = points_audience(e.audience)  # (the yearly exchange's points conditions)
            words = {_norm(w) for w in named}
            audiences.append((e, words, not words or _norm("all") in words or _norm("全部") in words, points_rules))
        quadrant_en = _Labels("en")
        confidant = Quadrant.CONFIDANT
        for ms in seg.members:
            if not (ms.whale or ms.quadrant is confidant):
                continue
            r = results.get(ms.member_id)
            m = members.get(ms.member_id)
            if r is None or m is None:
                continue
            tier = r.tier
            for e, words, everyone, points_rules in audiences:
                if points_rules and not all(rule.holds(r.points) for rule in points_rules):
                    continue
                if (everyone or norm[tier.tier] in words or norm[tier.tier_zh] in words
                        or norm[quadrant_en[ms.quadrant]] in words or norm[m.store or ""] in words
                        or (m.partner is not None and norm[m.partner] in words)):
                    add(ms.member_id, 6, "event", e)

    ordered = sorted(calls.values(), key=lambda c: (-c.value, c.member.member_id))[: cl.max_rows]
    best = ", ".join(config.best_times_of(store))
    rows: list[list[CellValue]] = []
    for call in ordered:
        reasons = sorted((priority, kind, _reason_text(kind, what, lang)) for priority, kind, what in call.reasons)
        m = call.member
        kind = reasons[0][1]
        home = m.store or config.default_store.name
        opening = t(f"calls.open.{kind}", lang, name=m.name, store=home)
        previous = last.get(m.member_id)
        rows.append([
            m.member_id, m.name, m.phone or m.email or "", _tier(ev, m.member_id, lang),
            "; ".join(text for _, _, text in reasons), opening, best,
            _describe_call(previous) if previous else "", None, None, None, None,
        ])
    return rows


def _monthly(txns: Sequence[Txn], months: Sequence[tuple[int, int]], today: date) -> list[tuple[Decimal, int]]:
    """Spend (purchases - refunds) and visits (a member's day with a purchase or a session) in each of
    ``months`` (consecutive, the last one today's), counting transactions up to ``today``."""
    start = date(months[0][0], months[0][1], 1)
    days = list(map(_DAY, txns))
    if not _in_date_order(days):
        return _monthly_by_row(txns, months, start, today)
    # in date order (as a Transactions sheet usually is): each month and each day is a slice, and the
    # sums and distinct members are taken in C, adding the amounts in the same order as row by row
    lo, hi = bisect_left(days, start), bisect_right(days, today)
    txns, days = txns[lo:hi], days[lo:hi]
    kinds = list(map(_TYPE, txns))
    amounts = list(map(_AMOUNT, txns))
    priced = list(map(is_not, amounts, repeat(None)))
    purchases = list(map(and_, map(is_, kinds, repeat(TxnType.PURCHASE)), priced))
    refunds = list(map(and_, map(is_, kinds, repeat(TxnType.REFUND)), priced))
    money = list(map(or_, purchases, refunds))
    visit = list(map(or_, purchases, map(is_, kinds, repeat(TxnType.SESSION))))
    for i in compress(range(len(amounts)), refunds):
        amounts[i] = -abs(amounts[i])  # (x - abs(r) is x + -abs(r), to the last digit)
    ids = list(compress(map(_MEMBER, txns), visit))
    visit_days = list(compress(days, visit))
    out: list[tuple[Decimal, int]] = []
    for y, m in months:
        first, after = date(y, m, 1), (date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1))
        a, b = bisect_left(days, first), bisect_left(days, after)
        spend = sum(compress(amounts[a:b], money[a:b]), Decimal())
        visits = 0
        at, end = bisect_left(visit_days, first), bisect_left(visit_days, after)
        while at < end:  # members with a visit, day by day
            nxt = bisect_right(visit_days, visit_days[at], at, end)
            visits += len(set(ids[at:nxt]))
            at = nxt
        out.append((spend, visits))
    return out


def _monthly_by_row(txns: Sequence[Txn], months: Sequence[tuple[int, int]], start: date,
                    today: date) -> list[tuple[Decimal, int]]:
    spend: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    visits: dict[tuple[int, int], set[tuple[str, date]]] = defaultdict(set)
    purchase, refund, session = TxnType.PURCHASE, TxnType.REFUND, TxnType.SESSION
    for txn in txns:
        if start <= txn.day <= today:
            key = (txn.day.year, txn.day.month)
            if txn.type is purchase and txn.amount is not None:
                spend[key] += txn.amount
                visits[key].add((txn.member_id, txn.day))
            elif txn.type is refund and txn.amount is not None:
                spend[key] -= abs(txn.amount)
            elif txn.type is session:
                visits[key].add((txn.member_id, txn.day))
    return [(spend[key], len(visits[key])) for key in months]


def _dashboard(
    mf: MemberFile, ev: Evaluation, seg: SegmentResult, lang: str, moved: Sequence[Move],
    sent: Mapping[str, int], store: str | None = None, by_store: Sequence[tuple[str, int, Decimal]] = (),
    counts: Mapping[str, Counter[str | None]] | None = None, early: Ahead | None = None,
) -> tuple[list[str], list[list[CellValue]], list[ChartSpec]]:
    today = seg.today
    rows: list[list[CellValue]] = []
    charts: list[ChartSpec] = []

    def block(title_key: str, items: Sequence[tuple[CellValue, CellValue, CellValue]]) -> tuple[int, int]:
        rows.append([t(title_key, lang), None, None])
        first = len(rows) + 2  # +1 for the header row, +1 for the first item
        for item in items:
            rows.append(list(item))
        last = len(rows) + 1
        rows.append([None, None, None])
        return first, last

    tiers = Counter(r.tier.rank for r in ev.members.values())
    names = {r.tier.rank: (r.tier.tier_zh if lang == "zh" else r.tier.tier) for r in ev.members.values()}
    counts = seg.counts() if counts is None else counts
    tf, tl = block("dash.tiers", [(names[rank], n, None) for rank, n in sorted(tiers.items())])
    charts.append(ChartSpec("column", t("dash.tiers", lang), [ChartSeries(f"B{tf}:B{tl}", t("dash.members", lang))],
                            categories=f"A{tf}:A{tl}", anchor="E2", width=9, height=14))
    quadrants = [(label(q, lang), counts["quadrant"].get(q, 0), None) for q in Quadrant]
    qf, ql = block("dash.quadrants", quadrants)
    charts.append(ChartSpec("pie", t("dash.quadrants", lang), [ChartSeries(f"B{qf}:B{ql}", t("dash.members", lang))],
                            categories=f"A{qf}:A{ql}", anchor="E17", width=9, height=14))
    block("dash.stages", [(label(s, lang), counts["stage"].get(s, 0), None) for s in Stage])
    gained = sum(1 for m in mf.members if m.joined is not None and today - timedelta(days=30) < m.joined <= today)
    lost = sum(1 for mv in moved if mv.aspect is Aspect.STAGE and mv.after is Stage.LAPSED)
    block("dash.members_block", [
        (t("dash.total", lang), len(mf.members), None),
        (t("dash.gained", lang), gained, None),
        (t("dash.lapsed_now", lang), counts["stage"].get(Stage.LAPSED, 0), None),
        (t("dash.lost", lang), lost, None),
        (t("dash.gone_quiet", lang), counts["flags"].get("gone_quiet", 0), None),
        (t("dash.whales", lang), counts["flags"].get("whale", 0), None),
    ])
    months = _months(today)
    rows.append([t("dash.monthly", lang), t("dash.spend", lang), t("dash.visits", lang)])
    mf_first = len(rows) + 2
    monthly = early.monthly if early is not None and early.txns is mf.txns else _monthly(mf.txns, months, today)
    for key, (spend, visits) in zip(months, monthly, strict=True):
        rows.append([f"{key[0]}-{key[1]:02d}", spend, visits])
    mf_last = len(rows) + 1
    rows.append([None, None, None])
    charts.append(ChartSpec("line", t("dash.monthly_spend", lang),
                            [ChartSeries(f"B{mf_first}:B{mf_last}", t("dash.spend", lang))],
                            categories=f"A{mf_first}:A{mf_last}", anchor="E32", width=12, height=14))
    block("dash.messages", [(campaign, n, None) for campaign, n in sorted(sent.items())] or
          [(t("dash.none", lang), 0, None)])
    if by_store:
        rows.append([t("dash.stores", lang), t("dash.members", lang), t("dash.spend", lang)])
        for name, members, spent in by_store:
            rows.append([name, members, spent])
        rows.append([None, None, None])
    rows.extend(partner_rows(mf.members, lang))
    title = t("dash.title", lang, day=today.isoformat())
    head = [f"{title} · {store}" if store else title, None, None]
    return [str(h) if h is not None else "" for h in head], rows, charts


def _calls_sheet(rows: list[list[CellValue]], title: str, style: str) -> OwnedSheet:
    return OwnedSheet(
        title=title, header=[header(c, style) for c in CALL_COLUMNS], rows=rows,
        widths=[12, 12, 16, 8, 50, 40, 22, 30, 12, 24, 12, 10], number_formats={10: DATE},
    )


def _log_sheet(log: Sequence[CallOutcome], title: str, style: str) -> OwnedSheet:
    return OwnedSheet(
        title=title, header=[header(c, style) for c in CALL_LOG_COLUMNS],
        rows=[[o.day, o.member_id, o.staff, o.outcome, o.note, o.next_call] for o in log],
        widths=[12, 12, 10, 14, 40, 12], number_formats={0: DATE, 5: DATE},
    )


def _dashboard_sheet(parts: tuple[list[str], list[list[CellValue]], list[ChartSpec]], title: str) -> OwnedSheet:
    head, rows, charts = parts
    return OwnedSheet(title=title, header=head, rows=rows, widths=[22, 14, 10], number_formats={}, charts=charts)


@dataclass(frozen=True)
class _StoreView:
    """One store's members (by their home store) and the transactions made at that store."""

    mf: MemberFile
    ev: Evaluation
    seg: SegmentResult
    ids: frozenset[str]


class _HomeStores(dict[str | None, str]):
    """``config.home_store`` of the few store names a book holds, each worked out once."""

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config

    def __missing__(self, name: str | None) -> str:
        home = self[name] = self.config.home_store(name)
        return home


def _store_views(mf: MemberFile, ev: Evaluation, seg: SegmentResult, config: Config,
                 stores: Sequence[str]) -> dict[str, _StoreView]:
    """Each store's view: the members whose home store it is, and the transactions made there (a
    transaction without a store belongs to its member's). Each row's store is worked out once."""
    home = _HomeStores(config)
    member_homes = [home[m.store] for m in mf.members]
    store_of = {m.member_id: m.store for m in mf.members}
    txn_homes = [home[x.store or store_of.get(x.member_id)] for x in mf.txns]
    views: dict[str, _StoreView] = {}
    for store in stores:
        members = tuple(compress(mf.members, map(eq, member_homes, repeat(store))))
        ids = frozenset(m.member_id for m in members)
        views[store] = _StoreView(
            mf=replace(mf, members=members, txns=tuple(compress(mf.txns, map(eq, txn_homes, repeat(store))))),
            ev=replace(ev, members={k: v for k, v in ev.members.items() if k in ids}),
            seg=SegmentResult(seg.today, tuple(ms for ms in seg.members if ms.member_id in ids), seg.thresholds),
            ids=ids,
        )
    return views


def _collector_paused(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``fn`` with the cyclic garbage collector paused, and move what it made to the oldest
    generation unscanned (as the reader does with the member file). The refresh makes some 300,000
    objects and no cycles; with a million rows of the member file in memory, a full collection they
    set off would cost about as much as the refresh itself."""

    @functools.wraps(fn)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with paused():
            return fn(*args, **kwargs)

    return run


@_collector_paused
def build_refresh(
    mf: MemberFile,
    ev: Evaluation,
    seg: SegmentResult,
    config: Config,
    *,
    lang: str,
    previous_status: Sequence[Sequence[CellValue]] = (),
    previous_calls: Sequence[Sequence[CellValue]] = (),
    previous_log: Sequence[Sequence[CellValue]] = (),
    sent: Mapping[str, int] | None = None,
    store: str | None = None,
    store_calls: Mapping[str, Sequence[Sequence[CellValue]]] | None = None,
    store_logs: Mapping[str, Sequence[Sequence[CellValue]]] | None = None,
    sent_by_member: Sequence[tuple[str, str]] | None = None,
    moved: Sequence[Move] | None = None,
    early: Ahead | None = None,
) -> RefreshPlan:
    """The owned sheets for ``seg.today``, the moves since the last refresh, the outcomes collected.

    One store: Member status, Call list, Call log and Dashboard. A chain (several stores in config):
    Member status and Dashboard for the whole chain, and for each store its own Call list, Call log
    and Dashboard (titled ``... · STORE``; ``store_calls`` and ``store_logs`` hold what those sheets
    held, by store). With ``store``, only that store's three sheets. Points, tiers and stored value
    are the chain's either way. ``sent_by_member`` ((campaign, member id) per message sent) gives
    each store's dashboard its own messages; ``sent`` is the whole chain's count by campaign.
    ``moved`` is ``moves(previous_standing(previous_status), seg)`` and ``early`` is ``ahead(mf, today)``,
    when the caller has them already.
    """
    style = config.header_style
    today = seg.today
    benefits = member_benefits(mf, config, config.campaigns, today)
    moved = tuple(moves(previous_standing(previous_status), seg) if moved is None else moved)
    if sent_by_member is not None:
        sent = Counter(campaign for campaign, _ in sent_by_member)
    if not config.is_chain:
        collected = collect_outcomes(previous_calls, today)
        log = read_call_log(previous_log) + collected
        notes: list[CallNote | CallOutcome] = [*mf.call_notes, *log]
        status = OwnedSheet(
            title=sheet_title(STATUS), header=[header(c, style) for c in STATUS_COLUMNS],
            rows=_status_rows(mf, ev, seg, lang, benefits),
            widths=[12, 12, 8, 40, 9, 12, 10, 11, 9, 6, 12, 10, 40, 12, 9, 12, 8, 8, 12, 40, 36],
            number_formats={5: DATE, 7: MONEY, 13: DATE, 15: MONEY, 18: DATE},
        )
        call_rows = _call_rows(mf, ev, seg, config, lang, notes, early=early, benefits=benefits)
        by_segment = seg.counts()
        sheets = (status, _calls_sheet(call_rows, sheet_title(CALLS), style),
                  _log_sheet(log, sheet_title(CALL_LOG), style),
                  _dashboard_sheet(_dashboard(mf, ev, seg, lang, moved, sent or {}, counts=by_segment, early=early),
                                   sheet_title(DASHBOARD)))
        counts = {k: Counter({str(key): n for key, n in c.items()}) for k, c in by_segment.items()}
        return RefreshPlan(sheets, moved, tuple(collected), len(call_rows), counts)

    stores = [s.name for s in config.stores] if store is None else [store]
    store_calls, store_logs = store_calls or {}, store_logs or {}
    logs = {s: read_call_log(store_logs.get(s, ())) for s in config.store_names}
    all_collected: list[CallOutcome] = []
    # A shop that grew into a chain: what its one Call list and Call log held goes to each member's store
    legacy = collect_outcomes(previous_calls, today) if store is None else []
    if legacy or (store is None and previous_log):
        homes = {m.member_id: m.store for m in mf.members}
        for o in [*read_call_log(previous_log), *legacy]:
            logs[config.home_store(homes.get(o.member_id))].append(o)
        all_collected += legacy
    sheets_out: list[OwnedSheet] = []
    calls_total = 0
    by_store: list[tuple[str, int, Decimal]] = []
    counts_all: dict[str, Counter[str]] = {}
    views = _store_views(mf, ev, seg, config, stores)
    for name, view in views.items():
        collected = collect_outcomes(store_calls.get(name, ()), today)
        all_collected += collected
        logs[name] = logs[name] + collected
        notes = [*mf.call_notes, *(o for lg in logs.values() for o in lg)]
        call_rows = _call_rows(view.mf, view.ev, view.seg, config, lang, notes, store=name, benefits=benefits)
        calls_total += len(call_rows)
        store_sent = (Counter(c for c, mid in sent_by_member if mid in view.ids) if sent_by_member is not None
                      else Counter())
        store_moves = [m for m in moved if m.member_id in view.ids]
        store_counts = view.seg.counts()
        sheets_out += [
            _calls_sheet(call_rows, store_sheet_title(sheet_title(CALLS), name), style),
            _log_sheet(logs[name], store_sheet_title(sheet_title(CALL_LOG), name), style),
            _dashboard_sheet(_dashboard(view.mf, view.ev, view.seg, lang, store_moves, store_sent, store=name,
                                        counts=store_counts),
                             store_sheet_title(sheet_title(DASHBOARD), name)),
        ]
        for k, c in store_counts.items():
            counts_all.setdefault(k, Counter()).update({str(key): n for key, n in c.items()})
    if store is None:
        for name, view in views.items():
            by_store.append((name, len(view.mf.members), sum((ms.activity.spend for ms in view.seg.members), Decimal(0))))
        status = OwnedSheet(
            title=sheet_title(STATUS), header=[header(c, style) for c in STATUS_COLUMNS],
            rows=_status_rows(mf, ev, seg, lang, benefits),
            widths=[12, 12, 8, 40, 9, 12, 10, 11, 9, 6, 12, 10, 40, 12, 9, 12, 8, 8, 12, 40, 36],
            number_formats={5: DATE, 7: MONEY, 13: DATE, 15: MONEY, 18: DATE},
        )
        by_segment = seg.counts()
        chain_dash = _dashboard_sheet(_dashboard(mf, ev, seg, lang, moved, sent or {}, by_store=by_store,
                                                 counts=by_segment, early=early), sheet_title(DASHBOARD))
        sheets_out = [status, chain_dash, *sheets_out]
        for base, rows, make in ((CALLS, previous_calls, _calls_sheet), (CALL_LOG, previous_log, _log_sheet)):
            if rows:  # the one-store sheet is left with a line saying where its rows went
                moved_to = make([], sheet_title(base), style)
                pointer = [t("refresh.per_store", lang, sheet=store_sheet_title(sheet_title(base), "…"))]
                sheets_out.append(replace(moved_to, rows=[pointer]))
        counts_all = {k: Counter({str(key): n for key, n in c.items()}) for k, c in by_segment.items()}
        shown = moved
    else:
        shown = tuple(m for m in moved if m.member_id in views[store].ids)
    return RefreshPlan(tuple(sheets_out), tuple(shown), tuple(all_collected), calls_total, counts_all)


def describe_move(move: Move, lang: str) -> dict[str, Any]:
    return {
        "member_id": move.member_id,
        "aspect": t(f"refresh.aspect.{move.aspect.value}", lang),
        "before": label(move.before, lang),
        "after": label(move.after, lang),
        "why": explain(move.reason, lang),
    }
