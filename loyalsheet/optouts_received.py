"""Opt-outs received from the providers, shown in the workbook: the record of truth says who said no.

The ledger records every opt-out a provider reports (Twilio's 21610 "replied STOP", and any other
source recorded there, such as a reply read back): recipient, channel, source and time. This module
turns those records into what the manager sees: a line on the member's row of Member status and on
the member card ("已退订短信 2026-12-01，来自回复"), and the owned sheet 退订记录 Opt-outs received,
one row per opt-out, newest first. An opt-out is matched to every member with that phone number or
e-mail address (a shared family number stops them all, as it does in the sender).

:func:`opt_outs_of` reads the ledger beside a workbook (the edge); the rest is pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from .i18n import t
from .messaging.ledger import ChannelName, Ledger, OptOut, ledger_path_for
from .model import Member
from .sheet_looks import optouts_look
from .workbook.writer import CellValue, OwnedSheet

TITLE = ("退订记录", "Opt-outs received")
COLUMNS = (
    ("日期", "Date"), ("会员编号", "Member ID"), ("姓名", "Name"), ("渠道", "Channel"), ("号码/邮箱", "To"),
    ("来源", "Source"), ("服务商记录", "Provider record"),
)
_REPLY_WORDS = frozenset({"21610", "stop", "reply", "td", "unsubscribe", "unsubscribed"})
_REPLY_CHINESE = ("回复", "退订")
_WORD_BREAK = re.compile(r"[\s:/,;()=\-]+")


@dataclass(frozen=True, slots=True)
class Received:
    """One opt-out as the manager sees it: whose, on which channel, since when, and how it came."""

    member_id: str | None  # None: no member in the file has that number or address now
    name: str | None
    channel: ChannelName
    to: str
    day: date  # in the store's time zone
    source: str  # as the ledger recorded it, e.g. "twilio 21610"


def opt_outs_of(workbook: Path) -> list[OptOut]:
    """The opt-outs recorded in the ledger beside ``workbook`` (none when there is no ledger yet)."""
    path = ledger_path_for(workbook)
    if not path.exists():
        return []
    with Ledger(path) as ledger:
        return ledger.opt_outs()


def match(opt_outs: Iterable[OptOut], members: Sequence[Member], tz: str) -> list[Received]:
    """Each opt-out with the members it belongs to (by phone for SMS, by address for e-mail), newest first."""
    by_phone: dict[str, list[Member]] = {}
    by_email: dict[str, list[Member]] = {}
    for m in members:
        if m.phone:
            by_phone.setdefault(m.phone, []).append(m)
        if m.email:
            by_email.setdefault(m.email.casefold(), []).append(m)
    zone = ZoneInfo(tz)
    out: list[Received] = []
    for o in opt_outs:
        owners = by_phone.get(o.to, []) if o.channel == "sms" else by_email.get(o.to.casefold(), [])
        day = o.at.astimezone(zone).date()
        if not owners:
            out.append(Received(None, None, o.channel, o.to, day, o.source))
        out += [Received(m.member_id, m.name, o.channel, o.to, day, o.source) for m in owners]
    return sorted(out, key=lambda r: (r.day, r.member_id or "", r.channel), reverse=True)


def how(source: str, lang: str) -> str:
    """How the opt-out came, in words: a reply (STOP, TD, 21610) or the recorded source as it is."""
    words = set(_WORD_BREAK.split(source.casefold()))
    if words & _REPLY_WORDS or any(mark in source for mark in _REPLY_CHINESE):
        return t("optout.by_reply", lang)
    return source


def member_texts(received: Iterable[Received], lang: str) -> dict[str, str]:
    """Member ID -> "已退订短信 2026-12-01，来自回复" (one clause per channel, earliest opt-out of each)."""
    first: dict[str, dict[ChannelName, Received]] = {}
    for r in received:
        if r.member_id is None:
            continue
        per = first.setdefault(r.member_id, {})
        if r.channel not in per or r.day < per[r.channel].day:
            per[r.channel] = r
    sep = "；" if lang == "zh" else "; "
    return {mid: sep.join(t(f"optout.line.{ch}", lang, day=r.day.isoformat(), how=how(r.source, lang))
                          for ch, r in sorted(per.items()))
            for mid, per in first.items()}


def title(style: str) -> str:
    zh, en = TITLE
    return {"zh": zh, "en": en, "en-zh": f"{en} {zh}"}.get(style, f"{zh} {en}")


def sheet(received: Sequence[Received], lang: str, style: str) -> OwnedSheet:
    """The owned sheet 退订记录 Opt-outs received: one row per opt-out and member, newest first."""
    def head(zh: str, en: str) -> str:
        return {"zh": zh, "en": en, "en-zh": f"{en}\n{zh}"}.get(style, f"{zh}\n{en}")

    rows: list[list[CellValue]] = [
        [r.day, r.member_id, r.name, t(f"optout.channel.{r.channel}", lang), r.to, how(r.source, lang), r.source]
        for r in received]
    return OwnedSheet(title=title(style), header=[head(zh, en) for zh, en in COLUMNS], rows=rows, look=optouts_look())


__all__ = ["COLUMNS", "TITLE", "Received", "how", "match", "member_texts", "opt_outs_of", "sheet", "title"]
