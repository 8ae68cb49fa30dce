"""What a call came to: the outcomes staff pick on the Call list, and what each does at the next refresh.

The Call list's Outcome column offers a drop-down (接通 / 未接通 / 预约到店 / 确认出席 / 不来 / 不再联系 /
满意度 1-5, or the English words). Anything else typed there is kept as written and reported by
``check`` as a warning at its cell. At the next refresh every outcome goes to the Call log, and:

- no answer: the member is tried again (first among their reason) for ``call_list.retry_days``;
- do not call: the member is never put on a Call list again (and their member card says so);
- confirmed / not coming with an event: kept for that event (the event funnel counts confirmations,
  and the member is not invited to it again);
- any other outcome: the member was reached, so a follow-up that was due is done.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..model import CallNote


class Outcome(enum.StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    DO_NOT_CALL = "do_not_call"
    SATISFACTION = "satisfaction"  # with a score 1-5


# The drop-down's words in each language (the first) and other words read the same way.
_WORDS: dict[Outcome, tuple[tuple[str, str], tuple[str, ...]]] = {
    Outcome.REACHED: (("接通", "Reached"), ("已接通", "通了", "answered", "spoke")),
    Outcome.NO_ANSWER: (("未接通", "No answer"), ("无人接听", "未接", "没接", "不在", "busy", "noanswer")),
    Outcome.BOOKED: (("预约到店", "Booked a visit"), ("已预约", "预约", "booked", "appointment")),
    Outcome.CONFIRMED: (("确认出席", "Confirmed"), ("确认参加", "会来", "参加", "yes", "rsvp yes")),
    Outcome.DECLINED: (("不来", "Not coming"), ("不参加", "不去", "declined", "no")),
    Outcome.DO_NOT_CALL: (("不再联系", "Do not call"), ("勿扰", "别再打", "不要再打", "dnc", "don't call")),
}
_SATISFACTION = ("满意度", "Satisfaction")


def _norm(text: object) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).casefold().replace(" ", "").replace("\u3000", "")


_LOOKUP: dict[str, Outcome] = {}
for _kind, (_main, _more) in _WORDS.items():
    for _w in (*_main, *_more):
        _LOOKUP[_norm(_w)] = _kind


def choices(lang: str) -> list[str]:
    """The drop-down's entries in ``lang``, in the order staff see them."""
    i = 0 if lang == "zh" else 1
    return [*(_WORDS[k][0][i] for k in _WORDS), *(f"{_SATISFACTION[i]} {n}" for n in range(1, 6))]


@dataclass(frozen=True)
class Parsed:
    kind: Outcome
    score: int | None = None  # 1-5 for a satisfaction call


def parse(text: str | None) -> Parsed | None:
    """The outcome a cell says, or None (blank, or words outside the drop-down)."""
    if not text:
        return None
    key = _norm(text)
    hit = _LOOKUP.get(key)
    if hit is not None:
        return Parsed(hit)
    for word in _SATISFACTION:
        w = _norm(word)
        if key.startswith(w):
            rest = key[len(w):].lstrip(":：=").rstrip("分")
            if rest.isdigit() and 1 <= int(rest) <= 5:
                return Parsed(Outcome.SATISFACTION, int(rest))
    return None


@dataclass(frozen=True)
class CallOutcome:
    """One outcome typed in the Call list, as the Call log keeps it."""

    day: date
    member_id: str
    staff: str | None
    outcome: str | None
    note: str | None
    next_call: date | None
    reason: str | None = None  # the call's reason as the list showed it (e.g. 3天回访)
    event_id: str | None = None  # the event an invitation was about


@dataclass
class CallHistory:
    """What past calls say for this week's list: read from the Call log and the Call notes sheet."""

    last: dict[str, CallNote | CallOutcome] = field(default_factory=dict)  # last call that reached the member
    last_any: dict[str, CallNote | CallOutcome] = field(default_factory=dict)  # last call, whatever came of it
    do_not_call: set[str] = field(default_factory=set)
    no_answer: dict[str, CallNote | CallOutcome] = field(default_factory=dict)  # still to retry
    answered: dict[tuple[str, str], Outcome] = field(default_factory=dict)  # (event, member) -> confirmed/declined
    called_about: set[tuple[str, str]] = field(default_factory=set)  # (event, member) reached about that event


def history(notes: Iterable[CallNote | CallOutcome], today: date, retry_days: int) -> CallHistory:
    """Each member's last calls, who said do not call, who is to be tried again, and event answers."""
    h = CallHistory()
    retry_from = today - timedelta(days=retry_days)
    for n in sorted(notes, key=lambda n: n.day):
        parsed = parse(n.outcome)
        h.last_any[n.member_id] = n
        if parsed is not None and parsed.kind is Outcome.NO_ANSWER:
            if n.day >= retry_from:
                h.no_answer[n.member_id] = n
            continue
        h.no_answer.pop(n.member_id, None)
        h.last[n.member_id] = n
        event_id = getattr(n, "event_id", None)
        if event_id:
            h.called_about.add((event_id, n.member_id))
        if parsed is None:
            continue
        if parsed.kind is Outcome.DO_NOT_CALL:
            h.do_not_call.add(n.member_id)
        if event_id and parsed.kind in (Outcome.CONFIRMED, Outcome.DECLINED):
            h.answered[(event_id, n.member_id)] = parsed.kind
    return h


def confirmations(log: Iterable[CallNote | CallOutcome]) -> set[tuple[str, str]]:
    """(event id, member id) of each confirmation a call brought. The one source of "confirmed" for the
    event funnel; a reply source (an SMS "1" / "是") adds its own pairs to the same set."""
    out: set[tuple[str, str]] = set()
    for n in log:
        event_id = getattr(n, "event_id", None)
        parsed = parse(n.outcome)
        if event_id and parsed is not None and parsed.kind is Outcome.CONFIRMED:
            out.add((event_id, n.member_id))
    return out


def unknown_outcomes(log: Sequence[CallOutcome]) -> list[CallOutcome]:
    """Outcomes typed outside the drop-down (kept as written): ``check`` warns about them."""
    return [o for o in log if o.outcome and parse(o.outcome) is None]


def do_not_call(notes: Iterable[CallNote | CallOutcome]) -> dict[str, date]:
    """Members who said do not call, and since when (for their member card)."""
    out: dict[str, date] = {}
    for n in notes:
        parsed = parse(n.outcome)
        if parsed is not None and parsed.kind is Outcome.DO_NOT_CALL:
            out[n.member_id] = min(out.get(n.member_id, n.day), n.day)
    return out


def satisfaction_scores(notes: Iterable[CallNote | CallOutcome]) -> Mapping[str, int]:
    """Each member's last satisfaction score (1-5) recorded by a call."""
    out: dict[str, tuple[date, int]] = {}
    for n in notes:
        parsed = parse(n.outcome)
        if parsed is not None and parsed.score is not None:
            held = out.get(n.member_id)
            if held is None or n.day >= held[0]:
                out[n.member_id] = (n.day, parsed.score)
    return {k: v[1] for k, v in out.items()}
