"""The effect report in words: the manager's paragraph, the tables, ``--json``, the Report sheet and
the small block on the Dashboard. Text from the member file (call outcomes, event titles, sources) is
data: it goes into cells as values and into the terminal escaped by the caller."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from ..i18n import has, t
from ..messaging.render import money
from ..sheet_looks import report_look
from ..workbook.writer import CellValue, OwnedSheet
from . import CampaignEffect, Comparison, EffectReport


def campaign_name(campaign: str, lang: str) -> str:
    key = f"report.campaign.{campaign}"
    return t(key, lang) if has(key) else campaign


def pct(x: float | None) -> str:
    return "" if x is None else f"{x * 100:.0f}%"


def verdict(c: Comparison) -> str:
    if c.verdict == "ok":
        return "ok_sig" if c.significant else "ok_not_sig"
    return c.verdict


def uplift_text(c: Comparison) -> str:
    """``+17% (+6% … +28%)``: the difference in came-back share and its 95% range (percentage points)."""
    if c.uplift is None or c.low is None or c.high is None:
        return ""
    return f"{c.uplift * 100:+.0f}% ({c.low * 100:+.0f}% … {c.high * 100:+.0f}%)"


def version_label(effect: CampaignEffect, lang: str) -> str:
    return t("report.version", lang, n=effect.version) if effect.version else t("report.version_old", lang)


def _several_versions(report: EffectReport) -> set[str]:
    n = Counter(c.campaign for c in report.totals())
    return {name for name, k in n.items() if k > 1}


def _shown_window(effect: CampaignEffect) -> Comparison:
    """The first window already over for someone (the shortest that says something)."""
    return next((c for c in effect.windows if c.verdict != "pending"), effect.windows[0])


def paragraph(report: EffectReport, lang: str, currency: str, limit: int = 5) -> list[str]:
    """A few plain sentences for the manager: what the messages did, then last month's health."""
    out: list[tuple[int, Decimal, str]] = []
    several = _several_versions(report)
    any_holdout = False
    for e in report.totals():
        c = _shown_window(e)
        if e.held_out:
            any_holdout = True
        name = campaign_name(e.campaign, lang)
        if e.campaign in several:
            name = f"{name} ({version_label(e, lang)})"
        v = verdict(c)
        if v == "ok_sig" and c.uplift is not None and c.uplift < 0:
            out.append((1, Decimal(0), t("report.says.ok_sig_worse", lang, campaign=name, rate_m=pct(c.messaged.rate),
                                         rate_h=pct(c.holdout.rate), days=c.window)))
        elif v in ("ok_sig", "ok_not_sig"):
            extra = c.extra_spend or Decimal(0)
            out.append((0 if v == "ok_sig" else 1, -extra, t(
                f"report.says.{v}", lang, campaign=name, rate_m=pct(c.messaged.rate), rate_h=pct(c.holdout.rate),
                days=c.window, extra=money(max(extra, Decimal(0)), currency, lang))))
        elif v == "too_few":
            out.append((2, Decimal(0), t("report.says.too_few", lang, campaign=name, messaged=c.messaged.members,
                                         held=c.holdout.members, min=report.min_group)))
    out.sort(key=lambda x: (x[0], x[1]))
    said = [s for _, _, s in out[:limit]]
    if not report.totals():
        said.append(t("report.nothing", lang))
    elif not any_holdout:
        said.append(t("report.no_holdout_at_all", lang))
    months = [h for h in report.health if h.month < f"{report.today.year}-{report.today.month:02d}"]
    last = months[-1] if months else (report.health[-1] if report.health else None)
    if last is not None:
        said.append(t("report.says.health", lang, month=last.month, active=last.active, repeat=pct(last.repeat_rate),
                      new=last.new_members, lost=last.lost))
    return said


def campaign_header(report: EffectReport, lang: str) -> list[str]:
    head = [t(f"report.col.{k}", lang) for k in ("campaign", "month", "version", "sent", "held_out")]
    for n in report.windows:
        head += [t(f"report.col.{k}", lang, days=n) for k in ("came", "came_holdout", "spend", "uplift", "extra",
                                                               "verdict")]
    return head


def campaign_rows(report: EffectReport, lang: str) -> list[list[CellValue]]:
    """Per campaign: its months, then the whole period (month: all)."""
    rows: list[list[CellValue]] = []
    for e in report.campaigns:
        row: list[CellValue] = [campaign_name(e.campaign, lang), e.month or t("report.all_months", lang),
                                version_label(e, lang), e.sent, e.held_out]
        for c in e.windows:
            row += [pct(c.messaged.rate), pct(c.holdout.rate), c.messaged.spend_each, uplift_text(c), c.extra_spend,
                    t(f"report.verdict.{verdict(c)}", lang)]
        rows.append(row)
    return rows


def compact_header(report: EffectReport, lang: str) -> list[str]:
    """The terminal's narrower table: one column per window (came back, messaged / held out; uplift; verdict)."""
    head = [t(f"report.col.{k}", lang) for k in ("campaign", "month", "version", "sent", "held_out")]
    return head + [t("report.col.came", lang, days=n) for n in report.windows]


def compact_rows(report: EffectReport, lang: str) -> list[list[CellValue]]:
    rows: list[list[CellValue]] = []
    for e in report.campaigns:
        row: list[CellValue] = [campaign_name(e.campaign, lang), e.month or t("report.all_months", lang),
                                version_label(e, lang), e.sent, e.held_out]
        for c in e.windows:
            parts = [f"{pct(c.messaged.rate) or '-'} / {pct(c.holdout.rate) or '-'}"]
            if c.uplift is not None:
                parts.append(uplift_text(c))
            parts.append(t(f"report.verdict.{verdict(c)}", lang))
            row.append("\n".join(parts))
        rows.append(row)
    return rows


def call_header(report: EffectReport, lang: str) -> list[str]:
    head = [t("report.col.outcome", lang), t("report.col.calls", lang)]
    for n in report.windows:
        head += [t("report.col.came", lang, days=n), t("report.col.spend", lang, days=n)]
    return head


def call_rows(report: EffectReport, lang: str) -> list[list[CellValue]]:
    rows: list[list[CellValue]] = []
    for c in report.calls:
        row: list[CellValue] = [c.outcome or t("report.outcome_blank", lang), c.calls]
        for g in c.windows:
            row += [pct(g.rate), g.spend_each]
        rows.append(row)
    return rows


EVENT_COLUMNS = ("event", "day", "invited", "confirmed", "came_day", "bought", "event_spend", "held_out",
                 "holdout_came")


def event_rows(report: EffectReport) -> list[list[CellValue]]:
    return [[f"{f.event_id} {f.title}", f.day, f.invited, f.confirmed, f.came, f.bought, f.spend, f.held_out,
             f.held_out_came] for f in report.events]


HEALTH_COLUMNS = ("month", "active", "repeat", "new", "lost", "sources")


def health_rows(report: EffectReport, lang: str) -> list[list[CellValue]]:
    blank = t("report.source_blank", lang)
    return [[h.month, h.active, pct(h.repeat_rate), h.new_members, h.lost,
             ", ".join(f"{s or blank} {n}" for s, n in h.by_source)] for h in report.health]


def as_json(report: EffectReport, lang: str, currency: str) -> dict[str, Any]:
    def comp(c: Comparison) -> dict[str, Any]:
        return {
            "window": c.window, "verdict": c.verdict, "significant": c.significant,
            "messaged": {"members": c.messaged.members, "came": c.messaged.came, "rate": c.messaged.rate,
                         "spend": str(c.messaged.spend)},
            "holdout": {"members": c.holdout.members, "came": c.holdout.came, "rate": c.holdout.rate,
                        "spend": str(c.holdout.spend)},
            "uplift": c.uplift, "low": c.low, "high": c.high,
            "extra_spend": None if c.extra_spend is None else str(c.extra_spend),
            "says": t(f"report.verdict.{verdict(c)}", lang),
        }

    return {
        "today": report.today.isoformat(), "since": report.since.isoformat(), "windows": list(report.windows),
        "min_group": report.min_group, "currency": currency, "summary": paragraph(report, lang, currency),
        "campaigns": [{"campaign": e.campaign, "name": campaign_name(e.campaign, lang), "month": e.month,
                       "version": e.version, "first": e.first.isoformat(), "last": e.last.isoformat(),
                       "sent": e.sent, "held_out": e.held_out, "windows": [comp(c) for c in e.windows]}
                      for e in report.campaigns],
        "calls": [{"outcome": c.outcome, "calls": c.calls,
                   "windows": [{"window": n, "members": g.members, "came": g.came, "rate": g.rate,
                                "spend": str(g.spend)} for n, g in zip(report.windows, c.windows, strict=True)]}
                  for c in report.calls],
        "events": [{"event_id": f.event_id, "title": f.title, "day": f.day.isoformat(), "invited": f.invited,
                    "held_out": f.held_out, "confirmed": f.confirmed, "came": f.came, "bought": f.bought,
                    "spend": str(f.spend), "held_out_came": f.held_out_came} for f in report.events],
        "health": [{"month": h.month, "active": h.active, "returning": h.returning, "repeat_rate": h.repeat_rate,
                    "new_members": h.new_members, "by_source": {s or "": n for s, n in h.by_source},
                    "lost": h.lost} for h in report.health],
    }


def report_sheet(report: EffectReport, title: str, lang: str, currency: str) -> OwnedSheet:
    """The Report (效果报告) sheet: the paragraph, then messages, calls, events and health, each with its header."""
    rows: list[list[CellValue]] = [[t("report.title", lang, since=report.since.isoformat(),
                                      today=report.today.isoformat())], [t("report.summary", lang)]]
    rows += [[s] for s in paragraph(report, lang, currency)]
    rows += [[t("report.how", lang)], []]

    def section(key: str, header: list[str], body: list[list[CellValue]]) -> None:
        rows.append([t(key, lang)])
        rows.append(list(header))
        rows.extend(body or [[t("report.no_rows", lang)]])
        rows.append([])

    section("report.campaigns", campaign_header(report, lang), campaign_rows(report, lang))
    section("report.calls", call_header(report, lang), call_rows(report, lang))
    section("report.events", [t(f"report.col.{k}", lang) for k in EVENT_COLUMNS], event_rows(report))
    section("report.health", [t(f"report.col.{k}", lang) for k in HEALTH_COLUMNS], health_rows(report, lang))
    head = [t("report.sheet_title", lang, today=report.today.isoformat())]
    width = max(len(r) for r in rows)
    return OwnedSheet(title=title, header=head, rows=rows, look=report_look(width))


def dashboard_rows(report: EffectReport, lang: str, currency: str, sheet: str) -> list[list[CellValue]]:
    """The Dashboard's block (three columns): a title, the paragraph's first sentences, where the rest is."""
    said = paragraph(report, lang, currency, limit=3)
    rows: list[list[CellValue]] = [[t("report.dash", lang), None, None]]
    rows += [[s, None, None] for s in said]
    rows.append([t("report.see_sheet", lang, sheet=sheet), None, None])
    rows.append([None, None, None])
    return rows
