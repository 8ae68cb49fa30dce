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

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from itertools import compress, repeat
from operator import eq
from typing import Any

from . import optouts_received
from .ahead import Ahead, ahead, first_purchases, monthly_figures, twelve_months
from .benefits_view import STATUS_BENEFIT_COLUMNS, StatusCells, member_benefits
from .calls.build import CallList
from .calls.outcomes import CallOutcome
from .calls.sheet import (
    CALL_COLUMNS,
    CALL_LOG,
    CALLS,
    column_index,
    header,
    log_sheet,
    norm,
    read_call_list,
    read_call_log,
    sheet_title,
)
from .calls.week import week_calls, week_sheet
from .config import Config
from .dashboard import DashboardInput, build_dashboard, calls_made, dashboard_sheet
from .events import Funnel, Invitation, event_funnels
from .facts import Facts, MemberFacts
from .i18n import t
from .model import CallNote, MemberFile
from .rules import Evaluation, explain
from .rules.benefits import Benefits
from .rules.explain import ReasonTexts
from .segments import Move, Quadrant, RfmGroup, SegmentResult, Stage, Standing, label, moves
from .sheet_looks import call_log_look, calls_look, currency_symbol, status_look, tier_fills
from .workbook.chain import store_sheet_title
from .workbook.look import Look
from .workbook.writer import CellValue, ChartSpec, OwnedSheet

STATUS = ("会员状态", "Member status")
DASHBOARD = ("看板", "Dashboard")
REPORT = ("效果报告", "Report")  # written by the refresh from loyalsheet.effect (title: report.sheet in config)
__all__ = ["CALLS", "CALL_LOG", "DASHBOARD", "OWNED_TITLES", "REPORT", "STATUS", "Ahead", "RefreshPlan", "ahead",
           "build_refresh", "describe_move", "header", "previous_standing", "sheet_title"]
OWNED_TITLES = tuple(f"{zh} {en}" for zh, en in (STATUS, CALLS, CALL_LOG, DASHBOARD, REPORT))


# (zh, en) headers of each sheet, in column order
STATUS_COLUMNS = (
    ("会员编号", "Member ID"), ("姓名", "Name"), ("等级", "Tier"), ("等级原因", "Tier reason"),
    ("积分", "Points"), ("下次过期日", "Next expiry"), ("下次过期积分", "Points expiring"),
    ("储值余额", "Stored value"), ("四象限", "Quadrant"), ("RFM", "RFM"), ("RFM 分组", "RFM group"),
    ("生命周期", "Lifecycle"), ("生命周期原因", "Lifecycle reason"), ("最近到店", "Last visit"),
    ("到店次数(12个月)", "Visits (window)"), ("消费(12个月)", "Spend (window)"), ("沉睡贵宾", "Gone quiet"),
    ("大客户", "Whale"), ("下月生日", "Birthday next month"), ("已退订", "Opted out"), *STATUS_BENEFIT_COLUMNS,
)



_norm, _column_index = norm, column_index


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
                 opted_out: Mapping[str, str], benefits: Benefits | None = None) -> list[list[CellValue]]:
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
        f = MemberFacts(r, ms)  # every figure below is the member's one fact (see facts.py)
        tier = r.tier
        tier_reason = reasons.get(id(tier))
        if tier_reason is None:
            tier_reason = reasons[id(tier)] = explain(f.tier_why, lang)
        birthday = f.birthday_next
        rfm = ms.rfm
        rows.append([
            member_id, m.name, f.tier_zh if zh else f.tier, tier_reason, f.points,
            f.next_expiry, f.next_expiry_points or None, f.stored_value,
            quadrants[ms.quadrant], rfm.code if rfm else "", groups[rfm.group] if rfm else "",
            stages[ms.stage], stage_reason(ms.stage_reason), f.last_visit, f.visits_window, f.spend_window,
            yes if ms.gone_quiet else "", yes if ms.whale else "",
            birthday if birthday is not None and (birthday.year, birthday.month) == next_month else None,
            opted_out.get(member_id),
            *(benefit_cells(member_id, f.points) if benefit_cells is not None else no_benefits),
        ])
    return rows


def _dashboard(
    mf: MemberFile, ev: Evaluation, seg: SegmentResult, lang: str, moved: Sequence[Move],
    sent: Mapping[str, int], store: str | None = None, by_store: Sequence[tuple[str, int, Decimal]] = (),
    counts: Mapping[str, Counter[str | None]] | None = None, early: Ahead | None = None, calls: int = 0,
    currency: str = "", funnels: Sequence[Funnel] = (), effect: Sequence[list[CellValue]] = (),
) -> tuple[list[str], list[list[CellValue]], list[ChartSpec]]:
    months = twelve_months(seg.today)
    monthly = (early.monthly if early is not None and early.txns is mf.txns
               else monthly_figures(mf.txns, months, seg.today, ev.settings.tiers.spend.include_gift_card))
    data = DashboardInput(months, monthly, moved, sent, calls, store, by_store, currency, funnels, effect)
    return build_dashboard(mf, ev, seg, lang, data, counts)


def _status_sheet(rows: list[list[CellValue]], style: str, look: Look) -> OwnedSheet:
    return OwnedSheet(title=sheet_title(STATUS), header=[header(c, style) for c in STATUS_COLUMNS], rows=rows,
                      look=look)


def _looks(config: Config, lang: str) -> tuple[Look, Look, str]:
    """Member status's and the Call list's looks, and the currency symbol, for ``config``."""
    currency = currency_symbol(config.default_store.currency, lang)
    tiers = tier_fills((rank, tier.label_zh if lang == "zh" else tier.name)
                       for rank, tier in enumerate(config.tiers.ladder))
    return status_look(tiers, lang, currency), calls_look(tiers, currency), currency


def _calls_made(notes: Iterable[CallNote | CallOutcome], today: date) -> int:
    return calls_made([n.day for n in notes], today)


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
                 stores: Sequence[str], households: bool = False) -> dict[str, _StoreView]:
    """Each store's view: the members whose home store it is, and the transactions made there (a
    transaction without a store belongs to its member's). Each row's store is worked out once.
    ``households``: a family member belongs to their card holder's home store (for the Call list,
    which lists a household once, under its card holder)."""
    home = _HomeStores(config)
    member_homes = [home[m.store] for m in mf.members]
    if households:
        by_id = {m.member_id: h for m, h in zip(mf.members, member_homes, strict=True)}
        results = ev.members
        member_homes = [by_id.get(r.family_holder or "", h) if (r := results.get(m.member_id)) is not None else h
                        for m, h in zip(mf.members, member_homes, strict=True)]
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


def _week_calls(mf: MemberFile, ev: Evaluation, seg: SegmentResult, config: Config, lang: str,
                notes: Sequence[CallNote | CallOutcome], waiting: Mapping[str, date], store: str | None,
                early: Ahead | None, benefits: Benefits) -> CallList:
    first = (early.first_purchases if early is not None and early.txns is mf.txns
             else first_purchases(mf.txns, seg.today))
    return week_calls(mf, ev, seg, config, lang, notes, waiting, store, first, benefits=benefits)


def _calls_out(week: CallList, title: str, config: Config, lang: str, store: str | None, look: Look) -> OwnedSheet:
    # what prints is the reminder and the week's calls: who waits is for the screen
    return replace(week_sheet(week, title, config, lang, store), widths=None,
                   look=replace(look, print_rows=1 + len(week.rows)))


def _log_out(log: Sequence[CallOutcome], title: str, style: str) -> OwnedSheet:
    return replace(log_sheet(log, title, style), widths=None, look=call_log_look())


def _empty_calls(rows: list[list[CellValue]], title: str, style: str) -> OwnedSheet:
    return OwnedSheet(title=title, header=[header(c, style) for c in CALL_COLUMNS], rows=rows)


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
    opt_outs: Sequence[optouts_received.Received] = (),
    invitations: Sequence[Invitation] = (),
    effect: Sequence[list[CellValue]] = (),
) -> RefreshPlan:
    """The owned sheets for ``seg.today``, the moves since the last refresh, the outcomes collected.

    One store: Member status, Call list, Call log and Dashboard. A chain (several stores in config):
    Member status and Dashboard for the whole chain, and for each store its own Call list, Call log
    and Dashboard (titled ``... · STORE``; ``store_calls`` and ``store_logs`` hold what those sheets
    held, by store). With ``store``, only that store's three sheets. Points, tiers and stored value
    are the chain's either way. ``sent_by_member`` ((campaign, member id) per message sent) gives
    each store's dashboard its own messages; ``sent`` is the whole chain's count by campaign.
    ``moved`` is ``moves(previous_standing(previous_status), seg)`` and ``early`` is ``ahead(mf, today, ...)``,
    when the caller has them already. ``opt_outs`` (the ledger's, matched to members) fill Member status's
    Opted out column and, when there are any, the sheet 退订记录 Opt-outs received (with the chain's sheets).
    ``invitations`` (event invitations sent by SMS or e-mail) and the Call log make the event funnel on the
    Dashboard.
    ``effect``: the effect report's block for the (whole book's) Dashboard.
    """
    opted_out = optouts_received.member_texts(opt_outs, lang)
    received = [optouts_received.sheet(opt_outs, lang, config.header_style)] if opt_outs else []
    style = config.header_style
    today = seg.today
    status_look_, calls_look_, currency = _looks(config, lang)
    benefits = member_benefits(mf, config, config.campaigns, today)
    moved = tuple(moves(previous_standing(previous_status), seg) if moved is None else moved)
    if sent_by_member is not None:
        sent = Counter(campaign for campaign, _ in sent_by_member)
    if not config.is_chain:
        previous = read_call_list(previous_calls, today)
        collected = [x.outcome for x in previous.typed]
        log = read_call_log(previous_log) + collected
        notes: list[CallNote | CallOutcome] = [*mf.call_notes, *log]
        status = _status_sheet(_status_rows(mf, ev, seg, lang, opted_out, benefits), style, status_look_)
        week = _week_calls(mf, ev, seg, config, lang, notes, previous.waiting, None, early, benefits)
        funnels = event_funnels(mf, log, invitations, today)
        by_segment = seg.counts()
        sheets = (status, _calls_out(week, sheet_title(CALLS), config, lang, None, calls_look_),
                  _log_out(log, sheet_title(CALL_LOG), style),
                  dashboard_sheet(_dashboard(mf, ev, seg, lang, moved, sent or {}, counts=by_segment, early=early,
                                             calls=_calls_made(notes, today), currency=currency, funnels=funnels,
                                             effect=effect),
                                  sheet_title(DASHBOARD), currency), *received)
        counts = {k: Counter({str(key): n for key, n in c.items()}) for k, c in by_segment.items()}
        return RefreshPlan(sheets, moved, tuple(collected), len(week.rows), counts)

    stores = [s.name for s in config.stores] if store is None else [store]
    store_calls, store_logs = store_calls or {}, store_logs or {}
    logs = {s: read_call_log(store_logs.get(s, ())) for s in config.store_names}
    all_collected: list[CallOutcome] = []
    # A shop that grew into a chain: what its one Call list and Call log held goes to each member's store
    legacy = [x.outcome for x in read_call_list(previous_calls, today).typed] if store is None else []
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
    call_views = views  # a family member on the card of a holder of another store is called by that store
    if any(r.family_holder is not None and r.family_holder not in view.ids
           for view in views.values() for r in view.ev.members.values()):
        call_views = _store_views(mf, ev, seg, config, stores, households=True)
    for name, view in views.items():
        previous = read_call_list(store_calls.get(name, ()), today)
        collected = [x.outcome for x in previous.typed]
        all_collected += collected
        logs[name] = logs[name] + collected
        notes = [*mf.call_notes, *(o for lg in logs.values() for o in lg)]
        calls_of = call_views[name]
        week = _week_calls(calls_of.mf, calls_of.ev, calls_of.seg, config, lang, notes, previous.waiting, name, None,
                           benefits)
        calls_total += len(week.rows)
        store_sent = (Counter(c for c, mid in sent_by_member if mid in view.ids) if sent_by_member is not None
                      else Counter())
        store_moves = [m for m in moved if m.member_id in view.ids]
        store_counts = view.seg.counts()
        sheets_out += [
            _calls_out(week, store_sheet_title(sheet_title(CALLS), name), config, lang, name, calls_look_),
            _log_out(logs[name], store_sheet_title(sheet_title(CALL_LOG), name), style),
            dashboard_sheet(_dashboard(view.mf, view.ev, view.seg, lang, store_moves, store_sent, store=name,
                                       counts=store_counts, calls=_calls_made(logs[name], today), currency=currency),
                            store_sheet_title(sheet_title(DASHBOARD), name), currency),
        ]
        for k, c in store_counts.items():
            counts_all.setdefault(k, Counter()).update({str(key): n for key, n in c.items()})
    if store is None:
        for name, view in views.items():
            by_store.append((name, len(view.mf.members),
                             sum((f.spend_window for f in Facts(view.ev, view.seg)), Decimal(0))))
        status = _status_sheet(_status_rows(mf, ev, seg, lang, opted_out, benefits), style, status_look_)
        by_segment = seg.counts()
        funnels = event_funnels(mf, [o for lg in logs.values() for o in lg], invitations, today)
        all_calls = _calls_made([*mf.call_notes, *(o for lg in logs.values() for o in lg)], today)
        chain_dash = dashboard_sheet(_dashboard(mf, ev, seg, lang, moved, sent or {}, by_store=by_store,
                                                counts=by_segment, early=early, calls=all_calls, currency=currency,
                                                funnels=funnels, effect=effect),
                                     sheet_title(DASHBOARD), currency)
        sheets_out = [status, chain_dash, *sheets_out, *received]
        for base, rows, make in ((CALLS, previous_calls, _empty_calls), (CALL_LOG, previous_log, log_sheet)):
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
