"""Every view of a book, built as the commands build them, and every disagreement between them.

``disagreements(config, mf, today)`` builds, in this process and from the same code the commands run:
each member's card (``loyalsheet member --json``), the refresh's sheets (Member status, Call list,
Dashboard), the day's messages (``today --json``: reasons and rendered previews) and the birthday
lists (``loyalsheet birthdays --json``); then lists each figure shown in more than one of them that
differs, as "member: what: one view's value != another's". An empty list: one truth per member.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from loyalsheet.benefits_view import member_benefits
from loyalsheet.cli.member import member_card
from loyalsheet.config import Config
from loyalsheet.i18n import t
from loyalsheet.messaging.daily import prepare_day, templates_for
from loyalsheet.model import MemberFile
from loyalsheet.refresh import CALLS, DASHBOARD, STATUS, STATUS_COLUMNS, build_refresh, sheet_title
from loyalsheet.rules import birthdays_in_month, evaluate
from loyalsheet.rules.explain import display
from loyalsheet.segments import segment
from loyalsheet.usecases.today import held_rows, planned_rows
from loyalsheet.workbook.writer import OwnedSheet

_STATUS_AT = {en: i for i, (_zh, en) in enumerate(STATUS_COLUMNS)}
_POINTS = re.compile(r"^([\d,]+) 积分将于 (\d{4}-\d\d-\d\d) 过期$")
_FRIENDS_CARD = ("可赠送亲友卡", "May be given a friends card")
_BIRTHDAY_CALL = re.compile(r"^(\d{4}-\d\d-\d\d) 生日：请准备礼品（预算 ([\d,.]+)）$")
_FIRST_CALL = re.compile(r"^首次消费（(\d{4}-\d\d-\d\d)）后第 \d+ 天回访")
_FIRST_WHY = re.compile(r"^首次消费 (\d{4}-\d\d-\d\d)，已 \d+ 天$")
_BIRTHDAY_WHY = re.compile(r"^(\d{4}-\d\d-\d\d) 生日(?:，礼品预算 ([\d,.]+))?$")
_SMS_ZH = re.compile(r"您有([\d,]+)积分将于(\d{4})年(\d{1,2})月(\d{1,2})日到期(?:，这些积分可兑换(.+?))?。"
                     r"当前共([\d,]+)积分(?:，可兑换(.+?))?(?:，再积([\d,]+)分可换(.+?))?，欢迎")
_SMS_EN = re.compile(r"([\d,]+) of your points expire on .+?\.(?: They alone could get you: (.+?)\.)? "
                     r"Balance: ([\d,]+) points(?:, enough for: (.+?))?\.(?: ([\d,]+) more for (.+?)\.)?")


def _card_json(card: dict[str, Any]) -> dict[str, Any]:
    """The card as ``member --json`` prints it (``print_json``: dates and money as text)."""
    data = json.loads(json.dumps(card, ensure_ascii=False, default=str))
    assert isinstance(data, dict)
    return data


def _sheets(sheets: Sequence[OwnedSheet], base: tuple[str, str]) -> list[OwnedSheet]:
    title = sheet_title(base)
    return [s for s in sheets if s.title == title or s.title.startswith(title + " · ")]


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def disagreements(config: Config, mf: MemberFile, today: date, lang: str = "zh") -> list[str]:
    """Every figure two views show differently (see the module's docstring); ``[]`` when they agree."""
    ev = evaluate(mf, config, today)
    seg = segment(mf.members, mf.txns, config.segments, today, include_gift_card=config.tiers.spend.include_gift_card)
    plan = build_refresh(mf, ev, seg, config, lang=lang)
    bad: list[str] = []

    def same(member: str, what: str, a: object, b: object) -> None:
        if a != b:
            bad.append(f"{member}: {what}: {a!r} != {b!r}")

    members = {m.member_id: m for m in mf.members}
    benefits = member_benefits(mf, config, config.campaigns, today)  # (the card's friends card, as refresh's)
    cards = {mid: _card_json(member_card(members[mid], r, mf, ev, lang, benefits=benefits))
             for mid, r in ev.members.items()}

    # Member status against the card
    status_rows: dict[str, list[Any]] = {}
    for s in _sheets(plan.sheets, STATUS):
        for row in s.rows:
            status_rows[str(row[0])] = list(row)
    window_is_12 = config.segments.window_months == 12
    for mid, row in status_rows.items():
        c = cards[mid]

        def cell(name: str, row: list[Any] = row) -> Any:
            return row[_STATUS_AT[name]]

        same(mid, "tier (status/card)", cell("Tier"), c["tier"]["name"])
        same(mid, "points (status/card)", cell("Points"), c["points"]["balance"])
        nxt = c["points"]["next_expiry"]
        same(mid, "next expiry (status/card)", (cell("Next expiry").isoformat() if cell("Next expiry") else None,
                                                  cell("Points expiring")),
             (nxt["expires"], nxt["points"]) if nxt else (None, None))
        same(mid, "next expiry (card lots/card)", c["points"]["next_expiring"][:1], [nxt] if nxt else [])
        sv = c["stored_value"]
        same(mid, "stored value (status/card)", cell("Stored value"), Decimal(sv["balance"]) if sv else None)
        same(mid, "last visit (status/card)",
             cell("Last visit").isoformat() if cell("Last visit") else None, c["spend"]["last_visit"])
        if window_is_12:
            same(mid, "12-month spend (status/card)", cell("Spend (window)"), Decimal(c["spend"]["last_12_months"]))
        b = c["birthday"]
        shown = cell("Birthday next month")
        if shown is not None:
            same(mid, "birthday (status/card)", shown.isoformat(), b["next"] if b else None)

    # The Call list against the card: every reason names a member's own figures; a household once
    on_list: Counter[str] = Counter()
    first_purchase: dict[str, str] = {}  # as the Call list's follow-ups say it
    for s in _sheets(plan.sheets, CALLS):
        for row in s.rows:
            if not isinstance(row[0], int):  # the reminder, and who waits (not called this week)
                continue
            row = row[1:]  # (the first column numbers the calls)
            holder = str(row[0])
            c = cards[holder]
            same(holder, "tier (call list/card)", row[3], c["tier"]["name"])
            if c["family"]["holder"] is not None and c["family"]["holder"] in members:
                bad.append(f"{holder}: on the Call list, not under card holder {c['family']['holder']}")
            named = {holder}
            family = {f"{members[x].name}（{x}）：": x for x in c["family"]["members"]}
            for part in str(row[5]).split("; "):
                who = holder
                for prefix, x in family.items():
                    if part.startswith(prefix):
                        who, part = x, part[len(prefix):]
                        named.add(x)
                fc = cards[who]
                m = _POINTS.match(part)
                if m:
                    nxt = fc["points"]["next_expiry"]
                    same(who, "expiring points (call list/card)", (int(m[1].replace(",", "")), m[2]),
                         (nxt["points"], nxt["expires"]) if nxt else None)
                m = _FIRST_CALL.match(part)
                if m:
                    first_purchase[who] = m[1]
                if part.startswith(_FRIENDS_CARD):  # the friends card: word for word the card's
                    same(who, "friends card (call list/card)", part, fc["friends_card"])
                m = _BIRTHDAY_CALL.match(part)
                if m:
                    fb = fc["birthday"]
                    same(who, "birthday (call list/card)", (m[1], _money(m[2])),
                         (fb["next"], Decimal(fb["gift_budget"])) if fb else None)
            on_list.update(named)
            parts = str(row[5]).split("; ")
            if len(parts) != len(set(parts)):
                bad.append(f"{holder}: a reason twice on the Call list: {row[5]}")
    for mid, n in on_list.items():
        if n > 1:
            bad.append(f"{mid}: listed {n} times on the Call list")

    # The Dashboard: members by tier are the Member status's tiers; a chain's spend by store their sum
    for s in _sheets(plan.sheets, DASHBOARD)[:1]:
        rows = [list(r) for r in s.rows]
        tiers_title, stores_title = t("dash.tiers", lang), t("dash.stores", lang)
        at = next(i for i, r in enumerate(rows) if r[0] == tiers_title)
        shown_tiers = {}
        for r in rows[at + 1:]:
            if r[0] is None:
                break
            shown_tiers[r[0]] = r[1]
        same("*", "members by tier (dashboard/status)", shown_tiers,
             dict(Counter(row[_STATUS_AT["Tier"]] for row in status_rows.values())))
        at_store = next((i for i, r in enumerate(rows) if r[0] == stores_title), None)
        if at_store is not None:
            homes = {m.member_id: config.home_store(m.store) for m in mf.members}
            for r in rows[at_store + 1:]:
                if r[0] is None:
                    break
                spent = sum((row[_STATUS_AT["Spend (window)"]] for mid, row in status_rows.items()
                             if homes[mid] == r[0]), Decimal(0))
                same(str(r[0]), "store's spend (dashboard/status)", r[2], spent)

    # Today's messages: the reasons and the rendered texts against the card
    zone = ZoneInfo(config.store(None).timezone)
    run = prepare_day(config, mf, today, datetime.combine(today, time(10), tzinfo=zone), ledger=None,
                      templates=templates_for(config), ev=ev, seg=seg)
    names = {m.member_id: m.name for m in mf.members}
    reasons = [(r["member_id"], r["campaign"], r["reason"]) for r in planned_rows(run, names, lang)]
    reasons += [(r["member_id"], r["campaign"], r["why"]) for r in held_rows(run, names, lang)]
    for mid, campaign, why in reasons:
        c = cards[mid]
        if campaign == "points-expiring":
            m = _POINTS.match(why)
            nxt = c["points"]["next_expiry"]
            same(mid, "expiring points (today/card)", (int(m[1].replace(",", "")), m[2]) if m else why,
                 (nxt["points"], nxt["expires"]) if nxt else None)
        elif campaign.startswith("followup-"):
            m = _FIRST_WHY.match(why)
            if mid in first_purchase:
                same(mid, "first purchase (today/call list)", m[1] if m else why, first_purchase[mid])
        elif campaign == "birthday":
            m = _BIRTHDAY_WHY.match(why)
            b = c["birthday"]
            budget = Decimal(b["gift_budget"]) if b else None
            same(mid, "birthday (today/card)", (m[1], _money(m[2]) if m[2] else Decimal(0)) if m else why,
                 (b["next"], budget) if b else None)
    rewards = {r.name: r.points for r in config.campaigns.rewards}
    rewards |= {r.name_en or r.name: r.points for r in config.campaigns.rewards}
    for msg in run.messages:
        cand, mid = msg.candidate, msg.candidate.member_id
        if cand.campaign != "points-expiring" or msg.message.channel != "sms":
            continue
        c = cards[mid]
        nxt = c["points"]["next_expiry"]
        expiring, balance = (nxt["points"] if nxt else 0), c["points"]["balance"]
        if msg.planned.lang == "zh":
            m = _SMS_ZH.search(msg.preview)
            if m is None:
                bad.append(f"{mid}: points message not as expected: {msg.preview}")
                continue
            day = date(int(m[2]), int(m[3]), int(m[4])).isoformat()
            shown, alone, total, whole = (int(m[1].replace(",", "")), day), m[5], int(m[6].replace(",", "")), m[7]
            missing, next_reward = m[8], m[9]
        else:
            m = _SMS_EN.search(msg.preview)
            if m is None:
                bad.append(f"{mid}: points message not as expected: {msg.preview}")
                continue
            shown, alone, total, whole = (int(m[1].replace(",", "")), nxt["expires"] if nxt else None), m[2], \
                int(m[3].replace(",", "")), m[4]
            missing, next_reward = m[5], m[6]
        same(mid, "expiring points (message/card)", shown, (expiring, nxt["expires"] if nxt else None))
        same(mid, "points (message/card)", total, balance)
        if alone is not None and rewards.get(alone, 10**12) > expiring:
            bad.append(f"{mid}: the message says {expiring} expiring points buy {alone} ({rewards.get(alone)})")
        if whole is not None and rewards.get(whole, 10**12) > balance:
            bad.append(f"{mid}: the message says {balance} points buy {whole} ({rewards.get(whole)})")
        if next_reward is not None and rewards.get(next_reward, 0) - balance != int(missing.replace(",", "")):
            bad.append(f"{mid}: the message says {missing} more points buy {next_reward} ({rewards.get(next_reward)})")

    # `loyalsheet birthdays`: this month's and next month's lists against the card
    for y, mo in ((today.year, today.month), (today.year + (today.month == 12), today.month % 12 + 1)):
        for e in birthdays_in_month(ev, y, mo):
            b = cards[e.member_id]["birthday"]
            if b is not None and b["next"] == e.day.isoformat():
                same(e.member_id, "gift budget (birthdays/card)", display(e.budget), display(Decimal(b["gift_budget"])))
    return bad

