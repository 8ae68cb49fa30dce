"""`loyalsheet member` (a member's card at the front desk) and `loyalsheet birthdays` (next month's list)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from .. import optouts_received
from ..benefits_view import card_fields, member_benefits
from ..calls import outcomes
from ..calls.outcomes import CallOutcome
from ..calls.sheet import CALL_LOG, read_call_log, sheet_title
from ..config import Config
from ..facts import Facts, MemberFacts
from ..i18n import one_language
from ..model import CallNote, Member, MemberFile, Txn, TxnType
from ..rules import Evaluation, MemberResult, birthdays_in_month, evaluate, explain
from ..rules.benefits import Benefits
from ..rules.explain import display
from ..workbook import parse as P
from ..workbook.access import BookAccess
from ..workbook.chain import store_sheet_title
from .common import App, common_options, open_book, out_console, print_json, progress_bar


@dataclass(frozen=True)
class Loaded:
    config: Config
    mf: MemberFile
    ev: Evaluation
    today: date
    book: BookAccess

    def benefits(self) -> Benefits:
        return member_benefits(self.mf, self.config, self.config.campaigns, self.today)


def load_and_evaluate(app: App, workbook: Path | None, day: date | None) -> Loaded:
    config, book = open_book(app, workbook)
    with progress_bar(app) as update:
        mf = book.read_member_file(config.region, update)
    today = app.today(day)
    return Loaded(config, mf, evaluate(mf, config, today), today, book)


def find_members(mf: MemberFile, query: str, region: str) -> list[Member]:
    """Members matching an ID (exact), a phone (any spelling, or its last 4+ digits) or part of a name."""
    q = P.fold(query)
    by_id = [m for m in mf.members if m.member_id.casefold() == q.casefold()]
    if by_id:
        return by_id
    digits = re.sub(r"\D", "", q)
    if len(digits) >= 4 and len(digits) >= len(q.replace(" ", "").replace("-", "").replace("+", "")) - 1:
        try:
            e164 = P.parse_phone(q, region)
        except P.CellError:
            e164 = None
        exact = [m for m in mf.members if e164 is not None and m.phone == e164]
        if exact:
            return exact
        return [m for m in mf.members if m.phone is not None and m.phone.endswith(digits)]
    needle = q.casefold()
    return [m for m in mf.members if needle in m.name.casefold()]


def _visits(txns: list[Txn], limit: int = 5) -> list[Txn]:
    visits = [t for t in txns if t.type in (TxnType.PURCHASE, TxnType.SESSION)]
    return sorted(visits, key=lambda t: (t.day, t.row), reverse=True)[:limit]


def _tier_name(result: MemberResult, lang: str) -> str:
    return result.tier.tier_zh if lang == "zh" else result.tier.tier


def call_notes_of(config: Config, mf: MemberFile, book: BookAccess) -> list[CallNote | CallOutcome]:
    """The Call notes sheet and every Call log the tool wrote (the one shop's, and each store's)."""
    logs = [sheet_title(CALL_LOG)]
    if config.is_chain:
        logs += [store_sheet_title(sheet_title(CALL_LOG), s) for s in config.store_names]
    notes: list[CallNote | CallOutcome] = list(mf.call_notes)
    for title in logs:
        notes += read_call_log(book.read_owned_sheet(title))
    return notes


def member_card(member: Member, result: MemberResult, mf: MemberFile, ev: Evaluation, lang: str,
                notes: Sequence[CallNote | CallOutcome] = (), benefits: Benefits | None = None) -> dict[str, Any]:
    """Everything the front desk may tell (and staff-only notes marked), as plain data."""
    today = ev.today
    txns = [t for t in mf.txns if t.member_id == member.member_id and t.day <= today]
    p = result.points
    f = MemberFacts(result, None)  # the figures every view shows (facts.py); the card needs no segments
    card: dict[str, Any] = {
        "member_id": member.member_id,
        "name": member.name,
        "phone": member.phone,
        "email": member.email,
        "store": member.store,
        "membership": member.membership.value,
        "joined": member.joined,
        "tier": {
            "name": _tier_name(result, lang),
            "since": result.tier.since,
            "reason": explain(result.tier.why, lang),
            "pending": explain(result.tier.pending.reason, lang) if result.tier.pending else None,
        },
        "discount": {"factor": result.discount.factor, "reason": explain(result.discount.why, lang)},
        "benefits": [one_language(b.text, lang) for b in result.tier.benefits if not b.hidden],
        "staff_only_benefits": [one_language(b.text, lang) for b in result.tier.benefits if b.hidden],
        "points": {
            "balance": f.points,
            "reason": explain(p.why, lang),
            "next_expiring": [{"points": x.points, "expires": x.expires} for x in f.expiring],
            "next_expiry": ({"points": f.next_expiry_points, "expires": f.next_expiry}
                            if f.next_expiry is not None else None),
        },
        "stored_value": None,
        "family": {"holder": result.family_holder, "members": list(result.family)},
        "household": list(Facts(ev, None).household_of(member.member_id)),
        "gift_cards": [
            {"card": g.card_id, "friend": g.friend_name, "balance": g.balance, "expires": g.expires,
             "status": g.status.value, "reason": explain(g.why, lang)}
            for g in result.gift_cards
        ],
        "course_cards": [
            {"card": c.card_id, "service": c.service, "left": c.left, "sessions": c.sessions,
             "valid_until": c.valid_until, "status": c.status.value, "reason": explain(c.why, lang)}
            for c in result.course_cards
        ],
        "referrals": [{"member_id": r.referred, "status": r.status.value, "reason": explain(r.why, lang)}
                      for r in result.referrals],
        "referred_by": member.referred_by,
        "birthday": None,
        "spend": {"total": f.spend_total, "last_12_months": f.spend_12m,
                  "visits": f.visits_total, "last_visit": f.last_visit, "first_visit": f.first_visit},
        "last_visits": [{"date": t.day, "type": t.type.value, "amount": t.amount, "category": t.category}
                        for t in _visits(txns)],
    }
    mine = [n for n in notes if n.member_id == member.member_id]
    said_no = outcomes.do_not_call(mine).get(member.member_id)
    card["calls"] = {"do_not_call": said_no, "satisfaction": outcomes.satisfaction_scores(mine).get(member.member_id)}
    if result.wallet is not None:
        card["stored_value"] = {"balance": f.stored_value, "holder": f.stored_value_holder,
                                "reason": explain(result.wallet.why, lang)}
    if result.birthday is not None:
        b = result.birthday
        card["birthday"] = {
            "month": b.birthday.month, "day": b.birthday.day, "year": b.birthday.year, "lunar": b.birthday.lunar,
            "next": f.birthday_next, "age": b.age, "turning": b.turning, "gift_budget": f.birthday_budget,
            "reason": explain(b.why, lang),
            "budget_household": list(b.household),  # a card holder's budget counts these members' spend
            "budget_holder": b.holder,  # a family member's gift budget is this card holder's
        }
    if benefits is not None:
        card.update(card_fields(benefits, member, result, lang))
    return card


def _show_benefits(row: Callable[[str, Any], None], card: dict[str, Any]) -> None:
    """The card's benefit lines (see :func:`loyalsheet.benefits_view.card_fields`)."""
    if "rewards" not in card:
        return

    def text(value: str | None) -> str | None:  # (the card's console prints text as typed: never as markup)
        return value or None

    row("card.rewards_now", text(card["rewards"]["now_text"]))
    row("card.rewards_next", text(card["rewards"]["next_text"]))
    row("card.vouchers", text("; ".join(v["text"] for v in card["vouchers"])))
    if card["friends_discount"]:
        row("card.friends_discount", text(card["friends_discount"]["text"]))
    row("card.friends_card", text(card["friends_card"]))
    row("card.partner", text(card["partner"]))
    row("card.source", text(card["source"]))


def _show_card(app: App, card: dict[str, Any]) -> None:
    t = app.t
    table = Table(title=f"{card['name']}  ({card['member_id']})", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")

    def row(label: str, value: Any) -> None:
        if value not in (None, "", []):
            table.add_row(t(label), str(value))

    row("card.contact", " · ".join(x for x in (card["phone"], card["email"], card["store"]) if x))
    calls = card.get("calls") or {}
    if calls.get("do_not_call"):
        row("card.calls", t("calls.do_not_call", day=calls["do_not_call"]))
    if calls.get("satisfaction"):
        row("card.calls", t("calls.satisfaction", score=calls["satisfaction"]))
    row("card.tier", card["tier"]["reason"])
    row("card.pending", card["tier"]["pending"])
    row("card.discount", card["discount"]["reason"])
    row("card.benefits", "; ".join(card["benefits"]))
    if card["staff_only_benefits"]:
        row("card.staff_only", "; ".join(card["staff_only_benefits"]))
    row("card.points", card["points"]["reason"])
    if card["points"]["next_expiring"]:
        row("card.expiring", "; ".join(t("card.lot", points=f"{x['points']:,}", day=x["expires"])
                                       for x in card["points"]["next_expiring"]))
    _show_benefits(row, card)
    if card["stored_value"]:
        row("card.stored_value", card["stored_value"]["reason"])
    fam = card["family"]
    if fam["holder"]:
        row("card.family", t("card.family_of", holder=fam["holder"]))
    elif fam["members"]:
        row("card.family", t("card.family_members", members=", ".join(fam["members"])))
    for g in card["gift_cards"]:
        row("card.gift_card", f"{g['card']}: {g['reason']}")
    for c in card["course_cards"]:
        row("card.course_card", f"{c['card']} {c['service']}: {c['reason']}")
    for r in card["referrals"]:
        row("card.referral", f"{r['member_id']}: {r['reason']}")
    row("card.referred_by", card["referred_by"])
    row("card.opt_outs", card.get("opt_outs"))
    if card["birthday"]:
        row("card.birthday", card["birthday"]["reason"])
    s = card["spend"]
    row("card.spend", t("card.spend_line", total=display(s["total"]), last12=display(s["last_12_months"]),
                        visits=s["visits"], last=s["last_visit"] or "-"))
    if card["last_visits"]:
        row("card.last_visits", "; ".join(
            f"{v['date']} {v['category'] or ''} {v['amount'] if v['amount'] is not None else ''}".strip()
            for v in card["last_visits"]))
    out_console().print(table)


@click.command()
@click.argument("query")
@click.option("--workbook", type=click.Path(path_type=Path), default=None, help="Member file / 会员档案")
@common_options(json_flag=True, day=True)
def member(app: App, query: str, workbook: Path | None, as_json: bool, day: date | None) -> None:
    """Show a member's card: QUERY is a member ID, a phone number or part of a name.  查看会员卡。

    Exit code 0: one member found; 1: none, or several (they are listed); 2: could not run.
    """
    loaded = load_and_evaluate(app, workbook, day)
    found = find_members(loaded.mf, query, loaded.config.region)
    mine = app.members_of_store(loaded.mf)
    if mine is not None:
        found = [m for m in found if m.member_id in mine]
    if len(found) != 1:
        if as_json:
            print_json({"query": query, "matches": [{"member_id": m.member_id, "name": m.name, "phone": m.phone}
                                                    for m in found]})
        elif not found:
            out_console().print(app.t("member.none", query=query))
        else:
            table = Table(title=app.t("member.several", query=query, count=len(found)), title_justify="left")
            for key in ("col.member_id", "col.name", "col.phone"):
                table.add_column(app.t(key))
            for m in found[:50]:
                table.add_row(m.member_id, m.name, m.phone or m.email or "")
            out_console().print(table)
        sys.exit(1)
    m = found[0]
    result = loaded.ev.members.get(m.member_id)
    if result is None:  # a member row the rules could not use (e.g. a duplicate ID): say so, no card
        out_console().print(app.t("member.unusable", member=m.member_id))
        sys.exit(1)
    card = member_card(m, result, loaded.mf, loaded.ev, app.lang, call_notes_of(loaded.config, loaded.mf, loaded.book),
                       loaded.benefits())
    received = optouts_received.match(optouts_received.opt_outs_of(Path(loaded.mf.path)), [m],
                                      loaded.config.default_store.timezone)
    card["opt_outs"] = optouts_received.member_texts(received, app.lang).get(m.member_id)
    if as_json:
        print_json(card)
    else:
        _show_card(app, card)


def _month(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", value.strip())
    if not m or not 1 <= int(m[2]) <= 12:
        from ..i18n import t

        raise click.BadParameter(t("month.bad", ctx.params.get("lang") or "en", value=value))
    return int(m[1]), int(m[2])


@click.command()
@click.option("--month", callback=_month, default=None, metavar="YYYY-MM",
              help="The month to list (default: next month) / 月份（默认下个月）")
@click.option("--workbook", type=click.Path(path_type=Path), default=None, help="Member file / 会员档案")
@common_options(json_flag=True, day=True)
def birthdays(app: App, month: tuple[int, int] | None, workbook: Path | None, as_json: bool,
              day: date | None) -> None:
    """List a month's birthdays with gift budgets (default: next month).  下月生日名单与礼品预算。"""
    loaded = load_and_evaluate(app, workbook, day)
    if month is None:
        y, mo = loaded.today.year, loaded.today.month
        month = (y + 1, 1) if mo == 12 else (y, mo + 1)
    entries = birthdays_in_month(loaded.ev, *month)
    mine = app.members_of_store(loaded.mf)
    if mine is not None:
        entries = tuple(e for e in entries if e.member_id in mine)
    label = f"{month[0]}-{month[1]:02d}"
    total = sum((e.budget for e in entries), start=Decimal(0))
    if as_json:
        print_json({"month": label, "count": len(entries), "total_budget": total, "birthdays": [
            {"member_id": e.member_id, "name": e.name, "day": e.day, "lunar": e.birthday.lunar, "turning": e.turning,
             "budget": e.budget, "budget_year": e.budget_year, "budget_spend": e.budget_spend,
             "budget_household": list(e.household), "budget_holder": e.holder}
            for e in entries]})
        return
    table = Table(title=app.t("birthdays.title", month=label, count=len(entries), total=f"{total:,}"),
                  title_justify="left")
    for key in ("col.day", "col.member_id", "col.name", "col.lunar", "col.turning", "col.budget", "col.basis"):
        table.add_column(app.t(key))
    for e in entries:
        table.add_row(e.day.isoformat(), e.member_id, e.name,
                      f"{e.birthday.month}/{e.birthday.day}" if e.birthday.lunar else "",
                      str(e.turning or ""), f"{e.budget:,}",
                      explain(e.why, app.lang) if e.holder or e.household else
                      app.t("birthdays.basis", year=e.budget_year, spend=f"{e.budget_spend:,}", rate=e.rate))
    out_console().print(table)
