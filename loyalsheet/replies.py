"""What members' SMS replies mean: an opt-out word, a confirmation of an event, or a note for staff.

Pure: replies, members' phones, the invitations sent and the events' days in; meanings and the
短信回复 Replies sheet out. Reading the replies from the provider and keeping them in the ledger is
done at the edge (:mod:`loyalsheet.reply_run`).

A reply is compared word-for-word after normalising it (full-width forms, case, spaces and
punctuation do not matter): ``退订``, ``ＴＤ``, ``stop.`` and ``T`` are opt-outs with the default words;
``1``, ``是`` or ``Y`` confirm the event of the latest invitation sent to that number within
``confirm_days`` (and whose day has not passed); anything else, including a ``1`` with no invitation
to answer, is listed for staff.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .campaigns.settings import ReplyWords
from .messaging.ledger import Meaning, Reply
from .sheet_looks import replies_look
from .workbook.writer import CellValue, OwnedSheet

REPLY_COLUMNS = (
    ("收到时间", "Received"), ("手机", "Phone"), ("会员编号", "Member ID"), ("姓名", "Name"), ("内容", "Text"),
    ("含义", "Meaning"), ("活动", "Event"), ("服务商", "Provider"),
)
MEANINGS = {"opt_out": ("退订", "opt-out"), "confirm": ("确认参加", "confirmed"), "other": ("待处理", "for staff")}


def normalize(text: str) -> str:
    """``" ＴＤ。"`` -> ``"TD"``: full-width to half-width, upper case, no spaces or punctuation."""
    folded = unicodedata.normalize("NFKC", text).upper()
    return "".join(ch for ch in folded if not (ch.isspace() or unicodedata.category(ch)[0] in "PSZ"))


def meaning_of(text: str, words: ReplyWords) -> Meaning:
    """``opt_out`` or ``confirm`` when the whole reply is one of those words, else ``other``."""
    word = normalize(text)
    if word and word in {normalize(w) for w in words.opt_out}:
        return "opt_out"
    if word and word in {normalize(w) for w in words.confirm}:
        return "confirm"
    return "other"


@dataclass(frozen=True, slots=True)
class Invitation:
    """An event invitation sent by SMS: to whom, when, which event."""

    member_id: str
    event_id: str
    sent_at: datetime


def event_of_key(key: str) -> str:
    """The event id of an invitation's message key ``event:<member>:<event id>``."""
    return key.split(":", 2)[2] if key.count(":") >= 2 else ""


def interpret(reply: Reply, words: ReplyWords, members_by_phone: Mapping[str, Sequence[str]],
              invitations: Sequence[Invitation], event_days: Mapping[str, date], today: date) -> Reply:
    """The reply with its meaning, member and (for a confirmation) event filled in.

    ``invitations`` are those sent to the reply's number, newest first; an event whose day is before
    ``today`` (the run's day) is over. A confirmation word with no invitation it can answer is kept as
    ``other``, for staff to read.
    """
    meaning = meaning_of(reply.body, words)
    members = members_by_phone.get(reply.sender, ())
    member = members[0] if len(members) == 1 else None
    if meaning == "confirm":
        oldest = reply.received_at - timedelta(days=words.confirm_days)
        # providers give a reply's time to the second: one within the second of the invitation answers it
        latest = reply.received_at + timedelta(seconds=1)
        for inv in invitations:
            day = event_days.get(inv.event_id)
            if oldest <= inv.sent_at <= latest and (day is None or day >= today):
                return replace(reply, meaning="confirm", member_id=inv.member_id, event_id=inv.event_id)
        meaning = "other"
    return replace(reply, meaning=meaning, member_id=member)


def replies_sheet(replies: Sequence[Reply], title: str, lang: str, style: str, tz: str,
                  names: Mapping[str, str], members_by_phone: Mapping[str, Sequence[str]]) -> OwnedSheet:
    """The 短信回复 Replies sheet: every reply kept, newest first, with what it was taken to mean."""
    from .messaging.daily import header_text  # (daily imports the campaigns; kept out of this module's import time)

    zone = ZoneInfo(tz)
    rows: list[list[CellValue]] = []
    for r in replies:
        ids = [r.member_id] if r.member_id else list(members_by_phone.get(r.sender, ()))
        zh, en = MEANINGS[r.meaning]
        rows.append([r.received_at.astimezone(zone).replace(tzinfo=None, microsecond=0), r.sender, ", ".join(ids),
                     ", ".join(names.get(i, "") for i in ids), r.body, zh if lang == "zh" else en, r.event_id,
                     r.provider])
    return OwnedSheet(title=title, header=[header_text(zh, en, style) for zh, en in REPLY_COLUMNS], rows=rows,
                      look=replies_look())


__all__ = ["Invitation", "event_of_key", "interpret", "meaning_of", "normalize", "replies_sheet"]
