"""The Dashboard sheet (看板): its tables in columns A to C and its charts in a grid beside them,
laid out to print on one landscape page.

Blocks: members by tier, the four quadrants, lifecycle stages, members gained and lost, spend and
visits by month (the current month marked "to date" and left out of the charts, so an unfinished
month does not look like a fall), messages sent and calls made, and for a chain members and spend
by store. Charts, two a row: tiers (in their colours), quadrants (a pie with its values), lifecycle
(in the stages' colours), monthly spend, monthly visits, messages and calls, and for a chain members
and spend per store. Titles and axes are in the book's language.

A function of plain data: the counts come in, the rows and charts go out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .benefits_view import partner_rows
from .events import Funnel
from .i18n import t
from .model import MemberFile
from .rules import Evaluation
from .segments import Aspect, Move, Quadrant, SegmentResult, Stage, label
from .sheet_looks import STAGE_COLORS, TIER_COLORS, dashboard_look
from .workbook.writer import CellValue, ChartKind, ChartSeries, ChartSpec, OwnedSheet

CHART_COLUMN = 4  # E: the charts' grid starts here (D is a narrow gap)
CHART_WIDTH = 7  # columns
CHART_HEIGHT = 15  # rows
CHARTS_PER_ROW = 2
COUNT = "#,##0"


@dataclass(frozen=True)
class DashboardInput:
    """What the Dashboard shows besides the member file and its segments."""

    months: Sequence[tuple[int, int]]  # the twelve months up to today's, oldest first
    monthly: Sequence[tuple[Decimal, int]]  # spend and visits of each
    moved: Sequence[Move]
    sent: Mapping[str, int]  # messages sent, by campaign
    calls_made: int = 0  # call outcomes in the last 30 days
    store: str | None = None
    by_store: Sequence[tuple[str, int, Decimal]] = ()  # a chain: (store, members, spend)
    currency: str = ""
    funnels: Sequence[Funnel] = ()  # each event's invited -> confirmed -> came -> bought
    effect: Sequence[Sequence[CellValue]] = ()  # the effect report's few lines (its own sheet has the rest)


def _anchor(n: int) -> str:
    col = CHART_COLUMN + (n % CHARTS_PER_ROW) * CHART_WIDTH
    row = 2 + (n // CHARTS_PER_ROW) * (CHART_HEIGHT + 1)
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


def build_dashboard(mf: MemberFile, ev: Evaluation, seg: SegmentResult, lang: str, data: DashboardInput,
                    counts: Mapping[str, Counter[str | None]] | None = None,
                    ) -> tuple[list[str], list[list[CellValue]], list[ChartSpec]]:
    """The header, rows and charts of the Dashboard."""
    today = seg.today
    rows: list[list[CellValue]] = []
    charts: list[ChartSpec] = []
    members = t("dash.members", lang)

    def block(title_key: str, items: Sequence[tuple[CellValue, CellValue, CellValue]]) -> tuple[int, int]:
        rows.append([t(title_key, lang), None, None])
        first = len(rows) + 2  # +1 for the header row, +1 for the first item
        for item in items:
            rows.append(list(item))
        last = len(rows) + 1
        rows.append([None, None, None])
        return first, last

    def chart(kind: ChartKind, title: str, values: str, categories: str, *, series: str = members,
              labels: bool = False, value_format: str = COUNT, colors: Sequence[str] = ()) -> None:
        charts.append(ChartSpec(kind, title, [ChartSeries(values, series)], categories=categories,
                                anchor=_anchor(len(charts)), width=CHART_WIDTH, height=CHART_HEIGHT,
                                labels=labels, value_format=value_format, colors=colors))

    tiers = Counter(r.tier.rank for r in ev.members.values())
    names = {r.tier.rank: (r.tier.tier_zh if lang == "zh" else r.tier.tier) for r in ev.members.values()}
    counts = seg.counts() if counts is None else counts
    ranks = sorted(tiers)
    tf, tl = block("dash.tiers", [(names[rank], tiers[rank], None) for rank in ranks])
    chart("column", t("dash.tiers", lang), f"B{tf}:B{tl}", f"A{tf}:A{tl}", labels=True, value_format=COUNT,
          colors=[TIER_COLORS[min(r, len(TIER_COLORS) - 1)] for r in ranks])
    qf, ql = block("dash.quadrants", [(label(q, lang), counts["quadrant"].get(q, 0), None) for q in Quadrant])
    chart("pie", t("dash.quadrants", lang), f"B{qf}:B{ql}", f"A{qf}:A{ql}", labels=True, value_format=COUNT)
    sf, sl = block("dash.stages", [(label(s, lang), counts["stage"].get(s, 0), None) for s in Stage])
    chart("bar", t("dash.stages", lang), f"B{sf}:B{sl}", f"A{sf}:A{sl}", labels=True, value_format=COUNT,
          colors=[STAGE_COLORS[s] for s in Stage])
    gained = sum(1 for m in mf.members if m.joined is not None and today - timedelta(days=30) < m.joined <= today)
    lost = sum(1 for mv in data.moved if mv.aspect is Aspect.STAGE and mv.after is Stage.LAPSED)
    block("dash.members_block", [
        (t("dash.total", lang), len(mf.members), None),
        (t("dash.gained", lang), gained, None),
        (t("dash.lapsed_now", lang), counts["stage"].get(Stage.LAPSED, 0), None),
        (t("dash.lost", lang), lost, None),
        (t("dash.gone_quiet", lang), counts["flags"].get("gone_quiet", 0), None),
        (t("dash.whales", lang), counts["flags"].get("whale", 0), None),
    ])
    rows.append([t("dash.monthly", lang), t("dash.spend", lang), t("dash.visits", lang)])
    first = len(rows) + 2
    for (y, m), (spend, visits) in zip(data.months, data.monthly, strict=True):
        month = f"{y}-{m:02d}"
        partial = (y, m) == (today.year, today.month)
        rows.append([t("dash.to_date", lang, month=month) if partial else month, spend, visits])
    # the charts end with the last whole month: the current one is still filling up
    last = len(rows) + 1 - (1 if data.months and tuple(data.months[-1]) == (today.year, today.month) else 0)
    rows.append([None, None, None])
    money = f'"{data.currency}"#,##0' if data.currency else COUNT
    chart("column", t("dash.monthly_spend", lang), f"B{first}:B{last}", f"A{first}:A{last}",
          series=t("dash.spend", lang), value_format=money)
    chart("line", t("dash.monthly_visits", lang), f"C{first}:C{last}", f"A{first}:A{last}",
          series=t("dash.visits", lang), value_format=COUNT, labels=True)
    sent = [(campaign, n, None) for campaign, n in sorted(data.sent.items())]
    af, al = block("dash.messages", [*sent, (t("dash.calls_made", lang), data.calls_made, None)])
    chart("bar", t("dash.activity", lang), f"B{af}:B{al}", f"A{af}:A{al}", series=t("dash.count", lang),
          labels=True, value_format=COUNT)
    if data.funnels:
        block("dash.events", [(f"{f.title} ({f.day.isoformat()})",
                               f"{f.invited} → {f.confirmed} → {f.came} → {f.bought}", f.amount) for f in data.funnels])
    if data.by_store:
        rows.append([t("dash.stores", lang), members, t("dash.spend", lang)])
        bf = len(rows) + 2
        for name, count, spent in data.by_store:
            rows.append([name, count, spent])
        bl = len(rows) + 1
        rows.append([None, None, None])
        chart("column", t("dash.store_members", lang), f"B{bf}:B{bl}", f"A{bf}:A{bl}", labels=True,
              value_format=COUNT)
        chart("column", t("dash.store_spend", lang), f"C{bf}:C{bl}", f"A{bf}:A{bl}", series=t("dash.spend", lang),
              labels=True, value_format=money)
    rows.extend(partner_rows(mf.members, lang))  # members by co-branded card (none: nothing)
    rows.extend(list(r) for r in data.effect)
    title = t("dash.title", lang, day=today.isoformat())
    head = [f"{title} · {data.store}" if data.store else title, "", ""]
    return head, rows, charts


def dashboard_sheet(parts: tuple[list[str], list[list[CellValue]], list[ChartSpec]], title: str,
                    currency: str = "") -> OwnedSheet:
    head, rows, charts = parts
    return OwnedSheet(title=title, header=head, rows=rows, charts=charts, look=dashboard_look(currency))


def calls_made(days: Sequence[date], today: date) -> int:
    """How many of the call outcomes on ``days`` fall in the 30 days up to ``today``."""
    since = today - timedelta(days=30)
    return sum(1 for d in days if since < d <= today)
