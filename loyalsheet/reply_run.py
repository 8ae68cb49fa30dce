"""Read members' SMS replies back at the start of ``today`` and ``refresh`` (the edge around :mod:`loyalsheet.replies`).

The SMS channel is asked for the replies received since the newest one kept (less a few minutes);
each is interpreted, kept in the ledger once (by the provider's id), and acted on:

- an opt-out word records an opt-out exactly as Twilio's 21610 does (``Ledger.record_opt_out``), so
  no SMS goes to that number again, and the Opt-outs received sheet built from the ledger shows it;
- a confirmation after an event invitation is kept in ``event_confirmations`` (the event funnel);
- anything else is listed for staff on the 短信回复 Replies sheet.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from .config import Config
from .messaging.ledger import Ledger, Reply, ledger_path_for
from .model import MemberFile
from .replies import Invitation, event_of_key, interpret, replies_sheet
from .workbook.writer import OwnedSheet

FIRST_READ = timedelta(days=7)  # a ledger with no reply yet reads this far back
SLACK = timedelta(minutes=10)  # read again a little before the newest reply kept (the provider's clock, late arrivals)


@runtime_checkable
class ReplyReader(Protocol):
    """A channel that can list members' replies (Twilio); Aliyun's SMS API cannot (``can_read_replies`` False)."""

    @property
    def provider(self) -> str: ...

    @property
    def can_read_replies(self) -> bool: ...

    def replies(self, since: datetime) -> list[Reply]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class RepliesRead:
    """What one read found: the new replies (each with its meaning)."""

    new: tuple[Reply, ...]

    def count(self, meaning: str) -> int:
        return sum(1 for r in self.new if r.meaning == meaning)

    def as_json(self) -> dict[str, int]:
        return {"new": len(self.new), "opt_out": self.count("opt_out"), "confirm": self.count("confirm"),
                "other": self.count("other")}


def members_by_phone(mf: MemberFile) -> dict[str, list[str]]:
    """Phone (E.164) -> the members with that number (a family may share one)."""
    out: dict[str, list[str]] = {}
    for m in mf.members:
        if m.phone:
            out.setdefault(m.phone, []).append(m.member_id)
    return out


def read_replies(config: Config, ledger: Ledger, mf: MemberFile, reader: ReplyReader, now: datetime,
                 today: date) -> RepliesRead:
    """Read, interpret and keep the replies received since the last read; act on opt-outs. ``today`` is
    the run's day (an event before it is over: a "1" cannot confirm it)."""
    if not reader.can_read_replies:
        return RepliesRead(())
    last = ledger.last_reply_at(reader.provider)
    since = (last - SLACK) if last is not None else now - FIRST_READ
    zone = ZoneInfo(config.default_store.timezone)
    phones = members_by_phone(mf)
    event_days = {e.event_id: e.day for e in mf.events}
    words = config.messaging.reply_words
    new: list[Reply] = []
    for raw in reader.replies(since):
        invitations = [Invitation(e.member_id, event_of_key(e.key), e.sending_at or e.planned_at)
                       for e in ledger.invitations_to(raw.sender)]
        local = Reply(raw.provider, raw.provider_id, raw.sender, raw.body, raw.received_at.astimezone(zone))
        reply = interpret(local, words, phones, invitations, event_days, today)
        if not ledger.record_reply(reply, now):
            continue  # read by an earlier run
        if reply.meaning == "opt_out":
            ledger.record_opt_out(reply.sender, "sms", f"{reply.provider} reply", reply.received_at)
        new.append(reply)
    return RepliesRead(tuple(new))


def reader_from_config(config: Config, environ: Mapping[str, str]) -> ReplyReader | None:
    """The SMS channel to read replies with, when one is set up with its secrets and can read them; else None."""
    from .errors import LoyalsheetError
    from .messaging.channels import TwilioSms

    sms = config.channels.sms
    if sms is None:
        return None
    try:
        if sms.provider == "aliyun":
            from .messaging.channels.aliyun_sms import AliyunSms

            return AliyunSms.from_config(sms, environ)
        return TwilioSms.from_config(sms, environ, base_url=sms.api_base_url)
    except LoyalsheetError:  # a secret is not set: nothing can be read (a --send says so, and stops)
        return None


def read_or_stop(config: Config, ledger: Ledger, mf: MemberFile, reader: ReplyReader, now: datetime,
                 today: date) -> RepliesRead:
    """:func:`read_replies`, turning a channel that cannot be asked into the one clear line of a stopped run:
    an opt-out not read could let a message reach someone who said no."""
    from .errors import LoyalsheetError
    from .messaging.channels.base import ChannelDown

    try:
        return read_replies(config, ledger, mf, reader, now, today)
    except ChannelDown as down:
        raise LoyalsheetError(f"send.down.{down.kind}", channel="sms", provider=reader.provider, error=down.code,
                              detail=down.text) from down


def replies_sheet_of(config: Config, ledger: Ledger, mf: MemberFile, lang: str, now: datetime) -> OwnedSheet:
    """The Replies sheet from the ledger's replies of the last ``messaging.replies_days`` days."""
    names: Mapping[str, str] = {m.member_id: m.name for m in mf.members}
    since = now - timedelta(days=config.messaging.replies_days)
    return replies_sheet(ledger.replies(since), config.messaging.replies_sheet, lang, config.header_style,
                         config.default_store.timezone, names, members_by_phone(mf))


def refresh_replies(config: Config, workbook: Path, mf: MemberFile, lang: str, today: date,
                     environ: Mapping[str, str] | None = None) -> tuple[RepliesRead | None, OwnedSheet | None]:
    """Read members' SMS replies (when SMS is set up and the ledger exists) and the Replies sheet to write."""
    path = ledger_path_for(workbook)
    if config.channels.sms is None or not path.exists():
        return None, None
    reader = reader_from_config(config, os.environ if environ is None else environ)
    now = datetime.now(UTC)
    with Ledger(path) as ledger:
        try:
            read = read_or_stop(config, ledger, mf, reader, now, today) if reader is not None else None
        finally:
            if reader is not None:
                reader.close()
        return read, replies_sheet_of(config, ledger, mf, lang, now)


__all__ = ["RepliesRead", "ReplyReader", "members_by_phone", "read_or_stop", "read_replies", "reader_from_config",
           "refresh_replies", "replies_sheet_of"]
