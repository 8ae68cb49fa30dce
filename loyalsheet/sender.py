"""Send a list of planned messages through the ledger and the channels, each exactly once.

:func:`send_all` is the whole loop:

1. Reconcile rows an earlier run left ``sending`` (it was killed, or its channel went down mid-call),
   and ``unknown`` rows of channels that can be asked: if the provider has the message it is ``sent``
   with that id; if the provider says it has not, the row is ``planned`` again (safe to send). SMTP
   cannot be asked, but its channel marks the moment before DATA's final dot: a row killed before that
   mark (on this boot of the machine) is ``planned`` again, since a server discards a message whose
   DATA did not end; after the mark the row becomes ``unknown`` and is listed for a person, never resent.
2. Plan the messages (one transaction: insert-or-ignore by key).
3. Skip what must not go: already sent, failed for good, in doubt, opted out, duplicates.
4. Claim the next batch of messages (``sending``, one fsynced commit for the batch; one message at a
   time where the machine's boot id is unknown). For each: mark the attempt (a cheap commit that
   survives a crash of this process), call the channel, record the outcome.
   Rate limits and server errors are retried with exponential backoff and jitter, a bounded number of
   times; a failure that may have delivered the message is retried only after the provider was asked
   and said no. A permanent error is recorded and the run goes on; 21610 also records the opt-out.
   A channel that is down stops the run: the in-flight row goes back to ``planned`` only when nothing
   can have left, else ``unknown``; the report says why in one line.

The clock (``now``), the pause (``sleep``) and the randomness (``rng``) are passed in.
"""

from __future__ import annotations

import enum
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime

from .channels.base import Channel, ChannelDown, DownKind, PermanentError, RetryableError
from .errors import LoyalsheetError
from .i18n import t
from .ledger import ChannelName, Entry, Ledger, OutgoingMessage, State


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a passing failure (429, 5xx, timeout) is retried for one message."""

    max_attempts: int = 5
    base_delay: float = 1.0  # seconds before the first retry (on average 3/4 of it, with jitter)
    max_delay: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Pause after failed attempt ``attempt`` (1-based): doubling, capped, half of it random."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return float(ceiling / 2 + rng.uniform(0, ceiling / 2))


class Outcome(enum.StrEnum):
    """What happened to one message in this run."""

    SENT = "sent"  # the provider took it in this run
    FAILED = "failed"  # a permanent error, recorded (invalid number...)
    OPTED_OUT = "opted_out"  # the provider said the recipient unsubscribed (21610): recorded, never again
    UNKNOWN = "unknown"  # it may have left: listed for a person, never resent
    HELD = "held"  # not attempted: --limit reached, or the run stopped
    RETRY_LATER = "retry_later"  # a passing failure that outlasted the retries: tried again next run
    ALREADY_SENT = "already_sent"
    ALREADY_FAILED = "already_failed"
    ALREADY_UNKNOWN = "already_unknown"  # in doubt since an earlier run: waiting for a person
    SKIPPED_OPT_OUT = "skipped_opt_out"  # the recipient opted out earlier
    NO_CHANNEL = "no_channel"
    DUPLICATE = "duplicate"  # the same key twice in one list
    # reconciliation of earlier runs' rows
    RECONCILED = "reconciled"  # the provider had it: now sent
    REQUEUED = "requeued"  # the provider had not got it: planned again


@dataclass(frozen=True, slots=True)
class MessageOutcome:
    """One message's result."""

    key: str
    member_id: str
    channel: ChannelName
    to: str
    outcome: Outcome
    provider_id: str | None = None
    code: str | None = None
    text: str | None = None
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class Stop:
    """Why the run stopped early: a channel is down."""

    kind: DownKind
    channel: ChannelName
    provider: str
    code: str
    text: str
    key: str | None  # the message in flight, if any

    def as_error(self) -> LoyalsheetError:
        """The one clear line for the person (catalog key ``send.down.<kind>``, with a hint)."""
        return LoyalsheetError(f"send.down.{self.kind}", channel=self.channel, provider=self.provider,
                               error=self.code, detail=self.text)


@dataclass(frozen=True)
class SendReport:
    """Everything a run did: per-message outcomes, reconciled rows, the rows in doubt, and any stop."""

    outcomes: tuple[MessageOutcome, ...]
    reconciled: tuple[MessageOutcome, ...] = ()
    stopped: Stop | None = None
    needs_attention: tuple[Entry, ...] = field(default=())  # every ledger row in state ``unknown``

    def counts(self) -> Counter[Outcome]:
        """How many messages ended in each outcome (reconciled rows not included)."""
        return Counter(o.outcome for o in self.outcomes)

    @property
    def sent(self) -> int:
        """Messages the providers took in this run."""
        return self.counts()[Outcome.SENT]

    def summary(self, lang: str = "en") -> str:
        """One line: sent, failed, skipped, in doubt."""
        c = self.counts()
        skipped = sum(c[o] for o in (Outcome.ALREADY_SENT, Outcome.ALREADY_FAILED, Outcome.ALREADY_UNKNOWN,
                                     Outcome.SKIPPED_OPT_OUT, Outcome.NO_CHANNEL, Outcome.DUPLICATE))
        return t("send.summary", lang, sent=c[Outcome.SENT], failed=c[Outcome.FAILED] + c[Outcome.OPTED_OUT],
                 skipped=skipped, held=c[Outcome.HELD] + c[Outcome.RETRY_LATER], unknown=len(self.needs_attention))

    def raise_if_stopped(self) -> None:
        """Raise the stop as a :class:`LoyalsheetError` (for the CLI's one clear line)."""
        if self.stopped is not None:
            raise self.stopped.as_error()


_RATE_CODES = frozenset({"429", "20429"})


def _exhausted_kind(err: RetryableError) -> DownKind:
    """Which stop a passing failure becomes when it outlasts the retries."""
    if err.code in _RATE_CODES or err.code.startswith("Throttling"):
        return "rate"
    if "timeout" in err.code:
        return "timeout"
    return "server"


class _Run:
    """The state of one :func:`send_all` call."""

    def __init__(self, ledger: Ledger, channels: Mapping[str, Channel], now: Callable[[], datetime],
                 retry: RetryPolicy, sleep: Callable[[float], None], rng: random.Random) -> None:
        self.ledger, self.channels, self.now = ledger, channels, now
        self.retry, self.sleep, self.rng = retry, sleep, rng
        self.stopped: Stop | None = None
        self.opted_out = {(o.to, o.channel) for o in ledger.opt_outs()}

    # ----------------------------------------------------------------- step 1: reconcile

    def reconcile(self) -> list[MessageOutcome]:
        """Settle what earlier runs left ``sending`` (and ``unknown`` rows a provider can be asked about)."""
        results = [_of_entry(e, Outcome.REQUEUED, code="not-attempted")
                   for e in self.ledger.release_unattempted(self.now())]
        rows = self.ledger.in_state(State.SENDING) + self.ledger.in_state(State.UNKNOWN)
        for e in rows:
            ch = self.channels.get(e.channel)
            askable = ch is not None and ch.can_find_sent and ch.provider == e.provider
            if ch is None or not askable:
                if (e.never_finished and ch is not None and ch.marks_final_step and ch.provider == e.provider
                        and e.claim_boot is not None and e.claim_boot == self.ledger.boot_id):
                    self.ledger.mark_planned(e.key, self.now(), code="not-finished",
                                             text=t("send.interrupted_unfinished", "en", provider=e.provider or "?"))
                    results.append(_of_entry(e, Outcome.REQUEUED, code="not-finished"))
                elif e.state is State.SENDING:
                    self.ledger.mark_unknown(e.key, self.now(), code="interrupted",
                                             text=t("send.interrupted_unknown", "en", provider=e.provider or "?"))
                    results.append(_of_entry(e, Outcome.UNKNOWN, code="interrupted"))
                continue
            try:
                found = ch.find_sent(e, exclude=self.ledger.provider_ids(e.to, e.channel))
            except ChannelDown as down:
                self.stopped = Stop(down.kind, e.channel, ch.provider, down.code, down.text, e.key)
                break
            if found is not None:
                self.ledger.mark_sent(e.key, found, self.now())
                results.append(_of_entry(e, Outcome.RECONCILED, provider_id=found))
            else:
                self.ledger.mark_planned(e.key, self.now(), code="not-found",
                                         text=f"{ch.provider} has no such message: it will be sent again")
                results.append(_of_entry(e, Outcome.REQUEUED))
        return results

    # ----------------------------------------------------------------- step 4: send, batch by batch

    def send_batch(self, batch: list[tuple[OutgoingMessage, Channel]]) -> list[MessageOutcome]:
        """Claim ``batch`` (one fsync), then hand each message to its channel; release what was not tried."""
        ledger = self.ledger
        if ledger.boot_id is None:  # no way to tell "claimed" from "tried" after a crash: one at a time
            assert len(batch) == 1
            msg, ch = batch[0]
            ledger.mark_sending(msg.key, self.now(), ch.provider)
            return [self.send_one(msg, ch)]
        ledger.claim([(m.key, ch.provider) for m, ch in batch], self.now())
        results: list[MessageOutcome] = []
        untried = [m.key for m, _ in batch]
        try:
            for msg, ch in batch:
                if self.stopped is not None:
                    results.append(_of(msg, Outcome.HELD, self.stopped.code, self.stopped.text))
                    continue
                if (msg.to, msg.channel) in self.opted_out:  # learned from an earlier message of this run
                    results.append(_of(msg, Outcome.SKIPPED_OPT_OUT))
                    continue
                ledger.mark_attempt(msg.key, self.now())  # before the network call
                untried.remove(msg.key)
                results.append(self.send_one(msg, ch))
        finally:
            if untried:
                ledger.release(untried, self.now())
        return results

    def _final_step(self, key: str) -> Callable[[], None]:
        def mark() -> None:
            self.ledger.mark_final_step(key, self.now())

        return mark

    def send_one(self, msg: OutgoingMessage, ch: Channel) -> MessageOutcome:
        """One message whose attempt is already recorded: send, retry what may be retried, record."""
        ledger, key = self.ledger, msg.key
        attempt = 0
        try:
            while True:
                attempt += 1
                try:
                    result = ch.send(msg, self._final_step(key) if ch.marks_final_step else None)
                except PermanentError as err:
                    ledger.mark_failed(key, self.now(), permanent=True, code=err.code, text=err.text)
                    if err.opt_out:
                        ledger.record_opt_out(msg.to, msg.channel, f"{ch.provider} {err.code}", self.now())
                        self.opted_out.add((msg.to, msg.channel))
                        return _of(msg, Outcome.OPTED_OUT, err.code, err.text, attempt)
                    return _of(msg, Outcome.FAILED, err.code, err.text, attempt)
                except RetryableError as err:
                    if err.maybe_sent:
                        if not ch.can_find_sent:
                            ledger.mark_unknown(key, self.now(), code=err.code, text=err.text)
                            return _of(msg, Outcome.UNKNOWN, err.code, err.text, attempt)
                        entry = ledger.entry(key)
                        assert entry is not None
                        found = ch.find_sent(entry, exclude=ledger.provider_ids(msg.to, msg.channel))
                        if found is not None:
                            ledger.mark_sent(key, found, self.now(), defer=True)
                            return MessageOutcome(key, msg.member_id, msg.channel, msg.to, Outcome.SENT,
                                                  provider_id=found, attempts=attempt)
                        # asked, and the provider has not got it: certainly not sent, safe to retry
                    if attempt >= self.retry.max_attempts or err.later:
                        if err.per_message:
                            ledger.mark_failed(key, self.now(), permanent=False, code=err.code, text=err.text)
                            return _of(msg, Outcome.RETRY_LATER, err.code, err.text, attempt)
                        raise ChannelDown(_exhausted_kind(err), err.code,
                                          t("send.gave_up", "en", attempts=attempt, detail=err.text)) from err
                    self.sleep(self.retry.delay(attempt, self.rng))
                    continue
                ledger.mark_sent(key, result.provider_id, self.now(), defer=True)
                return MessageOutcome(key, msg.member_id, msg.channel, msg.to, Outcome.SENT,
                                      provider_id=result.provider_id, attempts=attempt)
        except ChannelDown as down:
            self.stopped = Stop(down.kind, msg.channel, ch.provider, down.code, down.text, key)
            if down.maybe_sent:
                ledger.mark_unknown(key, self.now(), code=down.code, text=down.text)
                return _of(msg, Outcome.UNKNOWN, down.code, down.text, attempt)
            ledger.mark_planned(key, self.now(), code=down.code, text=down.text)
            return _of(msg, Outcome.HELD, down.code, down.text, attempt)


def _of(msg: OutgoingMessage, outcome: Outcome, code: str | None = None, text: str | None = None,
        attempts: int = 0) -> MessageOutcome:
    return MessageOutcome(msg.key, msg.member_id, msg.channel, msg.to, outcome, code=code, text=text,
                          attempts=attempts)


def _of_entry(e: Entry, outcome: Outcome, *, provider_id: str | None = None, code: str | None = None) -> MessageOutcome:
    return MessageOutcome(e.key, e.member_id, e.channel, e.to, outcome, provider_id=provider_id, code=code,
                          attempts=e.attempts)


_DONE = {State.SENT: Outcome.ALREADY_SENT, State.UNKNOWN: Outcome.ALREADY_UNKNOWN,
         State.SENDING: Outcome.ALREADY_UNKNOWN}


def send_all(
    messages: Iterable[OutgoingMessage],
    ledger: Ledger,
    channels: Mapping[str, Channel],
    *,
    now: Callable[[], datetime],
    progress: Callable[[int, int], None] | None = None,
    limit: int | None = None,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    lock: bool = True,
    batch: int = 100,
) -> SendReport:
    """Send ``messages`` through ``channels`` (by ``msg.channel``), each at most once, recording all in ``ledger``.

    ``now`` gives the aware current time for the ledger; ``progress(done, total)`` is called after each
    message; ``limit`` caps how many messages are attempted (the rest are ``held``); ``lock`` takes the
    ledger's run lock so two runs never send from one ledger at once; ``batch`` is how many messages
    one fsynced claim covers. A channel going down does not raise: the report's ``stopped`` says why
    (``report.raise_if_stopped()`` turns it into the error).
    """
    run = _Run(ledger, channels, now, retry or RetryPolicy(), sleep, rng or random.Random())
    msgs = list(messages)
    outcomes: list[MessageOutcome | None] = [None] * len(msgs)
    reconciled: list[MessageOutcome] = []
    size = max(1, batch) if ledger.boot_id is not None else 1
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, len(msgs))

    with ledger.run_lock() if lock else nullcontext():
        try:
            reconciled = run.reconcile()
            plan = ledger.plan(msgs, now()) if run.stopped is None else None
            seen: set[str] = set()
            todo: list[tuple[int, OutgoingMessage, Channel]] = []
            for i, msg in enumerate(msgs):
                decided = _decide(run, msg, plan.known.get(msg.key) if plan else None, seen)
                if isinstance(decided, MessageOutcome):
                    outcomes[i] = decided
                    tick()
                elif limit is not None and len(todo) >= limit:
                    outcomes[i] = _of(msg, Outcome.HELD, "limit")
                    tick()
                else:
                    todo.append((i, msg, decided))
            for start in range(0, len(todo), size):
                chunk = todo[start:start + size]
                if run.stopped is not None:
                    for i, msg, _ in chunk:
                        outcomes[i] = _of(msg, Outcome.HELD, run.stopped.code, run.stopped.text)
                        tick()
                    continue
                results = run.send_batch([(msg, ch) for _, msg, ch in chunk])
                for (i, _, _), result in zip(chunk, results, strict=True):
                    outcomes[i] = result
                    tick()
        finally:
            ledger.flush()
        attention = tuple(ledger.in_state(State.UNKNOWN))
    final = tuple(o for o in outcomes if o is not None)
    return SendReport(outcomes=final, reconciled=tuple(reconciled), stopped=run.stopped, needs_attention=attention)


def _decide(run: _Run, msg: OutgoingMessage, known: Entry | None, seen: set[str]) -> MessageOutcome | Channel:
    """The outcome of a message that is not to be sent, or the channel to send it through."""
    if msg.key in seen:
        return _of(msg, Outcome.DUPLICATE)
    seen.add(msg.key)
    if run.stopped is not None:
        return _of(msg, Outcome.HELD, run.stopped.code, run.stopped.text)
    if known is not None:
        if known.state in _DONE:
            return _of(msg, _DONE[known.state], known.error_code, known.error_text)
        if known.state is State.FAILED and known.permanent:
            return _of(msg, Outcome.ALREADY_FAILED, known.error_code, known.error_text)
    if (msg.to, msg.channel) in run.opted_out:
        return _of(msg, Outcome.SKIPPED_OPT_OUT)
    ch = run.channels.get(msg.channel)
    if ch is None:
        return _of(msg, Outcome.NO_CHANNEL)
    return ch


__all__ = ["MessageOutcome", "Outcome", "RetryPolicy", "SendReport", "Stop", "send_all"]
