"""The daily job, as a library: plan today's messages, render them, and what the workbook shows of them.

:func:`prepare_day` runs rules, segments, campaigns, policy and templates for one day and returns a
:class:`DayRun` (no sending). The caller sends ``run.outgoing`` with :func:`loyalsheet.messaging.sender.send_all`.
:func:`today_sheet` and :func:`message_log_sheet` build the two owned sheets; :func:`approved_keys`
reads the managers' Approve column back. ``loyalsheet today`` is a thin command over these.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..campaigns import DayPlan, Held, History, apply_policy, candidates, slot_of
from ..campaigns.settings import QuietHours
from ..config import Config
from ..i18n import label, t
from ..model import Member, MemberFile
from ..rules import Evaluation, evaluate
from ..segments import SegmentResult, segment
from ..sheet_looks import message_log_look, today_look
from ..workbook.parse import CellError, parse_yesno
from ..workbook.writer import CellValue, OwnedSheet
from .compose import Composed, compose
from .ledger import Entry, Ledger, OutgoingMessage, State
from .render import TEMPLATES_DIR, RenderError, Templates

_REACHED = frozenset({State.SENT, State.SENDING, State.UNKNOWN})


def zones(config: Config) -> dict[str | None, str]:
    """Store name -> time zone, with ``None`` for members without a store (the first store's)."""
    out: dict[str | None, str] = {s.name: s.timezone for s in config.stores}
    out[None] = config.default_store.timezone
    return out


def local_now(config: Config, day: date, at: time | None, real_now: datetime, store: str | None = None) -> datetime:
    """The moment quiet hours are judged at: ``day`` at ``at`` in the store's zone (the first store's when
    none is named), else ``real_now``."""
    if at is None:
        return real_now
    return datetime.combine(day, at, tzinfo=ZoneInfo(config.store(store).timezone))


def history_from_ledger(ledger: Ledger | None, keys: Iterable[str], today: date) -> History:
    """What policy needs from the ledger: keys already done, who had a message today, the week's marketing."""
    if ledger is None:
        return History()
    done: dict[str, str] = {}
    for key, e in ledger.entries(keys).items():
        if e.state in _REACHED or e.state is State.HOLDOUT or (e.state is State.FAILED and e.permanent):
            done[key] = e.state.value
    reached: set[str] = set()
    recipients: dict[tuple[str, str], str] = {}
    week: dict[str, int] = {}
    start = today - timedelta(days=6)
    for e in ledger.planned_since(start):
        if e.planned_for > today:
            continue
        gone = e.state in _REACHED
        slot = slot_of(e.member_id, e.to if e.campaign == "giftcard-friend" else None)
        # A message that failed for good today still had the member's slot: a re-run picks nothing else.
        # So did a holdout: held-out members get nothing in its place, which keeps the comparison clean.
        if e.planned_for == today and (gone or e.state is State.HOLDOUT or (e.state is State.FAILED and e.permanent)):
            reached.add(slot)
            recipients.setdefault((e.channel, e.to), slot)
        if gone and e.kind == "marketing":
            week[slot] = week.get(slot, 0) + 1
    opted = frozenset((o.channel, o.to) for o in ledger.opt_outs())
    return History(done=done, reached_today=frozenset(reached), recipients_today=recipients,
                   marketing_week=week, opted_out=opted)


@dataclass(frozen=True)
class DayRun:
    """One day's plan: what goes (rendered), what is held and why, and any template errors."""

    today: date
    now: datetime
    messages: tuple[Composed, ...]
    held: tuple[Held, ...]
    errors: tuple[RenderError, ...]
    plan: DayPlan
    ev: Evaluation
    seg: SegmentResult

    @property
    def outgoing(self) -> list[OutgoingMessage]:
        return [c.message for c in self.messages]

    @property
    def holdouts(self) -> list[OutgoingMessage]:
        """The messages held out today to measure their campaign's effect, as the ledger records them."""
        out = []
        for h in self.held:
            c = h.candidate
            if h.reason == "holdout" and h.channel is not None and h.to:
                out.append(OutgoingMessage(key=c.key, member_id=c.member_id, campaign=c.campaign, channel=h.channel,
                                           to=h.to, body="", planned_for=self.today, kind=c.kind,
                                           version=c.version or None))
        return out

    def only(self, campaign: str | None = None, keys: frozenset[str] | None = None,
             members: frozenset[str] | None = None) -> DayRun:
        """The same run narrowed to one campaign, to some ``members`` (one store's), and/or to ``keys``
        (the others become ``not_approved``)."""
        msgs, held = list(self.messages), list(self.held)
        if members is not None:
            msgs = [m for m in msgs if m.candidate.member_id in members]
            held = [h for h in held if h.candidate.member_id in members]
        if campaign is not None:
            msgs = [m for m in msgs if m.candidate.campaign == campaign]
            held = [h for h in held if h.candidate.campaign == campaign]
        if keys is not None:
            held += [Held(m.candidate, "not_approved", m.planned.channel, m.planned.to, lang=m.planned.lang)
                     for m in msgs if m.message.key not in keys]
            msgs = [m for m in msgs if m.message.key in keys]
        return DayRun(self.today, self.now, tuple(msgs), tuple(held), self.errors, self.plan, self.ev, self.seg)


def prepare_day(config: Config, mf: MemberFile, today: date, now: datetime, *, ledger: Ledger | None,
                templates: Templates, ev: Evaluation | None = None, seg: SegmentResult | None = None) -> DayRun:
    """Plan and render ``today``'s messages; ``now`` (aware) is the time of day for quiet hours."""
    return _prepare(config, mf, today, now, ledger, templates, ev, seg)


def _prepare(config: Config, mf: MemberFile, today: date, now: datetime, ledger: Ledger | None, templates: Templates,
             ev: Evaluation | None, seg: SegmentResult | None) -> DayRun:
    ev = ev if ev is not None else evaluate(mf, config, today)
    seg = seg if seg is not None else segment(mf.members, mf.txns, config.segments, today,
                                              include_gift_card=config.tiers.spend.include_gift_card)
    cands = candidates(mf, ev, seg, config.campaigns, config.messaging, today)
    members: dict[str, Member] = {}
    for m in mf.members:
        members.setdefault(m.member_id, m)
    history = history_from_ledger(ledger, (c.key for c in cands), today)
    quiet_hours: dict[str | None, QuietHours] = {s.name: s.quiet_hours for s in config.stores if s.quiet_hours}
    plan = apply_policy(cands, members, config.messaging, now=now, today=today, zones=zones(config),
                        opt_outs=mf.opt_outs, history=history, quiet_hours=quiet_hours or None)
    comp = compose(plan.planned, members, ev.members, config, templates, today)
    return DayRun(today, now, comp.messages, plan.held + comp.held, comp.errors, plan, ev, seg)


def templates_for(config: Config) -> Templates:
    """The shop's own template folder (``messaging.templates``) first, then the built-in ones."""
    dirs = [TEMPLATES_DIR]
    if config.messaging.templates:
        dirs.insert(0, (config.base_dir / config.messaging.templates).resolve())
    return Templates(dirs)


# --- what a person sees ------------------------------------------------------------------------------


def mask(to: str) -> str:
    """``+8613800138000`` -> ``+86138****8000``; ``lily@example.com`` -> ``l***@example.com``."""
    if "@" in to:
        local, _, domain = to.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if len(to) <= 8:
        return to[:2] + "*" * max(len(to) - 2, 0)
    return f"{to[:-8]}****{to[-4:]}"


def reason_text(held: Held, lang: str) -> str:
    """Why a message is held, with each channel's reason when several were tried."""
    text = t(f"camp.held.{held.reason}", lang)
    if len(held.tried) > 1 or (held.tried and held.reason != held.tried[0][1]):
        parts = ("，" if lang == "zh" else ", ").join(
            f"{t(f'channel.{ch}', lang)}{'：' if lang == 'zh' else ': '}{t(f'camp.held.{why}', lang)}"
            for ch, why in held.tried)
        text = f"{text}（{parts}）" if lang == "zh" else f"{text} ({parts})"
    return text


def _norm(text: object) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).casefold().replace(" ", "").replace("\n", "")


def header_text(zh: str, en: str, style: str) -> str:
    return {"zh": zh, "en": en, "en-zh": f"{en}\n{zh}"}.get(style, f"{zh}\n{en}")


TODAY_COLUMNS = (
    ("日期", "Date"), ("消息编号", "Key"), ("会员编号", "Member ID"), ("姓名", "Name"), ("活动", "Campaign"),
    ("渠道", "Channel"), ("收件人", "To"), ("原因", "Reason"), ("预览", "Preview"), ("批准", "Approve"),
)
LOG_COLUMNS = (
    ("日期", "Date"), ("消息编号", "Key"), ("会员编号", "Member ID"), ("活动", "Campaign"), ("渠道", "Channel"),
    ("收件人", "To"), ("状态", "State"), ("发送时间", "Sent at"), ("服务商编号", "Provider ID"), ("错误", "Error"),
)


def _find(head: Sequence[CellValue], names: tuple[str, str]) -> int | None:
    wanted = {_norm(names[0]), _norm(names[1]), _norm(names[0] + names[1]), _norm(names[1] + names[0])}
    for i, cell in enumerate(head):
        if _norm(cell) in wanted:
            return i
    return None


def _as_day(value: CellValue) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10]) if value else None
    except ValueError:
        return None


def _yes(value: CellValue) -> bool:
    try:
        return parse_yesno(value) is True
    except CellError:
        return False


def approvals(rows: Sequence[Sequence[CellValue]]) -> dict[str, tuple[date | None, bool]]:
    """The Today's messages sheet read back: key -> (its day, approved?)."""
    if not rows:
        return {}
    head = rows[0]
    i_key, i_day, i_ok = (_find(head, TODAY_COLUMNS[1]), _find(head, TODAY_COLUMNS[0]), _find(head, TODAY_COLUMNS[-1]))
    if i_key is None or i_ok is None:
        return {}
    out: dict[str, tuple[date | None, bool]] = {}
    for row in rows[1:]:
        key = row[i_key] if i_key < len(row) else None
        if not key:
            continue
        day = _as_day(row[i_day]) if i_day is not None and i_day < len(row) else None
        out[str(key).strip()] = (day, _yes(row[i_ok]) if i_ok < len(row) else False)
    return out


def approved_keys(rows: Sequence[Sequence[CellValue]], today: date) -> frozenset[str]:
    """Keys of ``today``'s plan a manager marked Approve = yes."""
    return frozenset(k for k, (day, ok) in approvals(rows).items() if ok and day == today)


def today_sheet(run: DayRun, title: str, lang: str, style: str, previous: Sequence[Sequence[CellValue]],
                names: Mapping[str, str]) -> OwnedSheet:
    """One row per message of the day, Approve kept from the sheet as it was (default: no)."""
    before = approvals(previous)
    yes, no = t("camp.yes", lang), t("camp.no", lang)
    rows: list[list[CellValue]] = []
    for c in run.messages:
        cand, msg = c.candidate, c.message
        was = before.get(msg.key)
        ok = was is not None and was[0] == run.today and was[1]
        rows.append([run.today, msg.key, msg.member_id, names.get(msg.member_id, ""), label("campaign", cand.campaign, lang),
                     label("channel", msg.channel, lang), mask(msg.to), cand.reason.render(lang), c.preview, yes if ok else no])
    return OwnedSheet(title=title, header=[header_text(zh, en, style) for zh, en in TODAY_COLUMNS], rows=rows,
                      look=today_look())


def state_text(entry: Entry, lang: str) -> str:
    return t(f"camp.state.{entry.state.value}", lang)


def message_log_sheet(entries: Sequence[Entry], title: str, lang: str, style: str, tz: str) -> OwnedSheet:
    """The Message log sheet: one row per ledger row, newest first."""
    zone = ZoneInfo(tz)
    rows: list[list[CellValue]] = []
    for e in sorted(entries, key=lambda e: (e.planned_for, e.finished_at or e.updated_at, e.key), reverse=True):
        when = e.finished_at if e.state is State.SENT else (e.attempt_at or e.sending_at)
        local = when.astimezone(zone).replace(tzinfo=None, microsecond=0) if when is not None else None
        error = f"{e.error_code}: {e.error_text}" if e.error_code else None
        rows.append([e.planned_for, e.key, e.member_id, label("campaign", e.campaign, lang), label("channel", e.channel, lang),
                     mask(e.to), state_text(e, lang), local,
                     e.provider_id, error])
    return OwnedSheet(title=title, header=[header_text(zh, en, style) for zh, en in LOG_COLUMNS], rows=rows,
                      look=message_log_look())
