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
   survives a crash of this process), call the channel, record the outcome. The SMS providers are
   called from a bounded pool of threads (``workers``, ``messaging.sms_workers``), several messages
   in flight at once but never two to one number; the threads only talk to the provider: the claim,
   every attempt mark (before its message goes to a thread) and every outcome are written by the
   calling thread, through the ledger's one connection. E-mail goes one message at a time on its one
   SMTP connection, on the calling thread.
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
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from ..errors import LoyalsheetError
from ..i18n import t
from .channels.base import Channel, ChannelDown, ChannelError, DownKind, PermanentError, RetryableError
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
MAX_WORKERS = 32  # the most SMS in flight at once that ``messaging.sms_workers`` allows


def _exhausted_kind(err: RetryableError) -> DownKind:
    """Which stop a passing failure becomes when it outlasts the retries."""
    if err.code in _RATE_CODES or err.code.startswith("Throttling"):
        return "rate"
    if "timeout" in err.code:
        return "timeout"
    return "server"


_Item = tuple[int, OutgoingMessage, Channel]  # (index in the run's list, message, its channel)
StepKind = Literal["sent", "failed", "unknown", "lookup", "retry_later", "down"]


@dataclass(frozen=True, slots=True)
class _Step:
    """What the network calls for one message came to, before anything is recorded.

    Made by :meth:`_Run.network`, which may run on a worker thread and never touches the ledger; the
    calling thread records it (:meth:`_Run.record`). ``lookup``: the call failed in a way that may have
    delivered the message and the provider can be asked: the calling thread reads the row and the ids
    to skip, and the lookup (then any retry) runs as the next step.
    """

    kind: StepKind
    attempts: int
    provider_id: str | None = None
    error: ChannelError | None = None


def is_concurrent(ch: Channel) -> bool:
    """True when ``ch`` may be called from several threads at once (its ``concurrent`` attribute).

    A channel that marks its final step never is: the mark is a ledger write, made on the calling thread.
    """
    return bool(getattr(ch, "concurrent", False)) and not ch.marks_final_step


def _first_free(ready: list[_Item], busy: set[tuple[str, str]]) -> _Item | None:
    """The first claimed message whose recipient has no message in flight."""
    return next((item for item in ready if (item[1].to, item[1].channel) not in busy), None)


class _Run:
    """The state of one :func:`send_all` call. Every ledger read and write happens on the calling thread."""

    def __init__(self, ledger: Ledger, channels: Mapping[str, Channel], now: Callable[[], datetime],
                 retry: RetryPolicy, sleep: Callable[[float], None], rng: random.Random, workers: int = 1) -> None:
        self.ledger, self.channels, self.now = ledger, channels, now
        self.retry, self.sleep, self.rng = retry, sleep, rng
        self.workers = workers
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

    def send(self, todo: list[_Item], size: int, done: Callable[[int, MessageOutcome], None]) -> None:
        """Claim ``todo`` ``size`` at a time (one fsync each) and hand every message to its channel.

        ``done(index, outcome)`` is called as each message ends. A channel that may be called from
        several threads (:func:`is_concurrent`: Twilio, Aliyun) gets up to ``workers`` messages in flight
        on a pool of threads; the others (SMTP, one connection; the outbox) are called on this thread.
        The threads only call the provider: the claim, each attempt mark (before the message is handed
        to a thread) and each outcome (as the thread finishes) are written here, in one connection.
        A recipient never has two messages in flight at once, so an opt-out one message brings back
        still skips the next. When a channel goes down nothing more is handed out; the messages in
        flight finish and are recorded, the rest are held. Claimed rows never tried go back to ``planned``.
        """
        ledger = self.ledger
        claims = ledger.boot_id is not None  # else each row is claimed with its attempt (one fsync each)
        pending = deque(todo)
        ready: list[_Item] = []  # taken from ``pending`` (claimed, where claims are made), not yet tried
        claimed: set[str] = set()  # claimed and not attempted: released at the end
        flying: dict[Future[_Step], _Item] = {}
        busy: set[tuple[str, str]] = set()  # (to, channel) of the messages in flight
        pool = (ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="loyalsheet-send")
                if self.workers > 1 and any(is_concurrent(ch) for _, _, ch in todo) else None)
        failure: Exception | None = None
        finished = False
        try:
            while True:
                while self.stopped is None and failure is None and len(flying) < self.workers:
                    item = _first_free(ready, busy)
                    if item is None:
                        if not pending or len(ready) >= size:
                            break
                        batch = [pending.popleft() for _ in range(min(size, len(pending)))]
                        if claims:
                            ledger.claim([(m.key, ch.provider) for _, m, ch in batch], self.now())
                            claimed.update(m.key for _, m, _ in batch)
                        ready.extend(batch)
                        continue
                    ready.remove(item)
                    i, msg, ch = item
                    if (msg.to, msg.channel) in self.opted_out:  # learned from an earlier message of this run
                        done(i, _of(msg, Outcome.SKIPPED_OPT_OUT))
                        continue
                    if claims:
                        ledger.mark_attempt(msg.key, self.now())  # committed before the network call
                        claimed.discard(msg.key)
                    else:
                        ledger.mark_sending(msg.key, self.now(), ch.provider)
                    if pool is not None and is_concurrent(ch):
                        flying[pool.submit(self.network, msg, ch, 0)] = item
                        busy.add((msg.to, msg.channel))
                    else:
                        done(i, self.settle(msg, ch, self.network(msg, ch, 0)))
                if not flying:
                    break
                over, _ = wait(flying, return_when=FIRST_COMPLETED)
                for fut in sorted(over, key=lambda f: flying[f][0]):
                    item = flying.pop(fut)
                    i, msg, ch = item
                    try:
                        step = fut.result()
                    except Exception as exc:  # a fault in a channel: the row stays in flight for the next run
                        failure = failure or exc
                        busy.discard((msg.to, msg.channel))
                        continue
                    if step.kind == "lookup":
                        assert pool is not None
                        flying[pool.submit(self.network, msg, ch, step.attempts, self.lookup(msg, step))] = item
                        continue
                    busy.discard((msg.to, msg.channel))
                    done(i, self.record(msg, ch, step))
            if failure is None and self.stopped is not None:
                for i, msg, _ in [*ready, *pending]:
                    done(i, _of(msg, Outcome.HELD, self.stopped.code, self.stopped.text))
            finished = True
        finally:
            if claimed:
                ledger.release(claimed, self.now())
            if pool is not None:  # after an error here, what is still in flight is reconciled by the next run
                pool.shutdown(wait=finished, cancel_futures=True)
        if failure is not None:
            raise failure

    def _final_step(self, key: str) -> Callable[[], None]:
        def mark() -> None:
            self.ledger.mark_final_step(key, self.now())

        return mark

    def network(self, msg: OutgoingMessage, ch: Channel, attempts: int,
                lookup: tuple[Entry, frozenset[str], RetryableError] | None = None) -> _Step:
        """Hand ``msg`` to ``ch`` (its attempt already recorded), retrying what may be retried; no ledger
        access unless ``ch`` marks its final step (then this runs on the calling thread).

        ``lookup``: the row, the ids to skip and the failure of the last try: ask the provider first.
        """
        try:
            if lookup is not None:
                entry, exclude, err = lookup
                found = ch.find_sent(entry, exclude=exclude)
                if found is not None:
                    return _Step("sent", attempts, provider_id=found)
                # asked, and the provider has not got it: certainly not sent, safe to retry
                gave_up = self._give_up(err, attempts)
                if gave_up is not None:
                    return gave_up
                self.sleep(self.retry.delay(attempts, self.rng))
            while True:
                attempts += 1
                try:
                    result = ch.send(msg, self._final_step(msg.key) if ch.marks_final_step else None)
                except PermanentError as err:
                    return _Step("failed", attempts, error=err)
                except RetryableError as err:
                    if err.maybe_sent:
                        return _Step("lookup" if ch.can_find_sent else "unknown", attempts, error=err)
                    gave_up = self._give_up(err, attempts)
                    if gave_up is not None:
                        return gave_up
                    self.sleep(self.retry.delay(attempts, self.rng))
                    continue
                return _Step("sent", attempts, provider_id=result.provider_id)
        except ChannelDown as down:
            return _Step("down", attempts, error=down)

    def _give_up(self, err: RetryableError, attempts: int) -> _Step | None:
        """None while ``err`` may be retried in this run; else the message's end (left for the next run, or
        the channel down)."""
        if attempts < self.retry.max_attempts and not err.later:
            return None
        if err.per_message:
            return _Step("retry_later", attempts, error=err)
        down = ChannelDown(_exhausted_kind(err), err.code, t("send.gave_up", "en", attempts=attempts, detail=err.text))
        return _Step("down", attempts, error=down)

    def lookup(self, msg: OutgoingMessage, step: _Step) -> tuple[Entry, frozenset[str], RetryableError]:
        """What a ``lookup`` step needs from the ledger: the row, and the ids other rows already claim."""
        entry = self.ledger.entry(msg.key)
        assert entry is not None and isinstance(step.error, RetryableError)
        return entry, self.ledger.provider_ids(msg.to, msg.channel), step.error

    def settle(self, msg: OutgoingMessage, ch: Channel, step: _Step) -> MessageOutcome:
        """Finish one message on the calling thread: lookups (and the retries after them), then the record."""
        while step.kind == "lookup":
            step = self.network(msg, ch, step.attempts, self.lookup(msg, step))
        return self.record(msg, ch, step)

    def record(self, msg: OutgoingMessage, ch: Channel, step: _Step) -> MessageOutcome:
        """Write one message's end into the ledger (the calling thread) and return its outcome."""
        ledger, key, n, err = self.ledger, msg.key, step.attempts, step.error
        if step.kind == "sent":
            assert step.provider_id is not None
            ledger.mark_sent(key, step.provider_id, self.now(), defer=True)
            return MessageOutcome(key, msg.member_id, msg.channel, msg.to, Outcome.SENT,
                                  provider_id=step.provider_id, attempts=n)
        assert err is not None and step.kind != "lookup"
        if step.kind == "failed":
            ledger.mark_failed(key, self.now(), permanent=True, code=err.code, text=err.text)
            if isinstance(err, PermanentError) and err.opt_out:
                ledger.record_opt_out(msg.to, msg.channel, f"{ch.provider} {err.code}", self.now())
                self.opted_out.add((msg.to, msg.channel))
                return _of(msg, Outcome.OPTED_OUT, err.code, err.text, n)
            return _of(msg, Outcome.FAILED, err.code, err.text, n)
        if step.kind == "unknown":
            ledger.mark_unknown(key, self.now(), code=err.code, text=err.text)
            return _of(msg, Outcome.UNKNOWN, err.code, err.text, n)
        if step.kind == "retry_later":
            ledger.mark_failed(key, self.now(), permanent=False, code=err.code, text=err.text)
            return _of(msg, Outcome.RETRY_LATER, err.code, err.text, n)
        assert isinstance(err, ChannelDown)
        if self.stopped is None:  # the first channel down stops the run; messages in flight still finish
            self.stopped = Stop(err.kind, msg.channel, ch.provider, err.code, err.text, key)
        if err.maybe_sent:
            ledger.mark_unknown(key, self.now(), code=err.code, text=err.text)
            return _of(msg, Outcome.UNKNOWN, err.code, err.text, n)
        ledger.mark_planned(key, self.now(), code=err.code, text=err.text)
        return _of(msg, Outcome.HELD, err.code, err.text, n)


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
    workers: int = 1,
) -> SendReport:
    """Send ``messages`` through ``channels`` (by ``msg.channel``), each at most once, recording all in ``ledger``.

    ``now`` gives the aware current time for the ledger; ``progress(done, total)`` is called after each
    message; ``limit`` caps how many messages are attempted (the rest are ``held``); ``lock`` takes the
    ledger's run lock so two runs never send from one ledger at once; ``batch`` is how many messages
    one fsynced claim covers; ``workers`` is how many messages may be in flight at once through channels
    that allow it (:func:`is_concurrent`: the SMS providers; ``messaging.sms_workers`` in config.yaml).
    A channel going down does not raise: the report's ``stopped`` says why (``report.raise_if_stopped()``
    turns it into the error).
    """
    if not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"workers must be 1..{MAX_WORKERS}, not {workers}")
    run = _Run(ledger, channels, now, retry or RetryPolicy(), sleep, rng or random.Random(), workers)
    msgs = list(messages)
    outcomes: list[MessageOutcome | None] = [None] * len(msgs)
    reconciled: list[MessageOutcome] = []
    size = max(1, batch)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, len(msgs))

    def record(i: int, outcome: MessageOutcome) -> None:
        outcomes[i] = outcome
        tick()

    with ledger.run_lock() if lock else nullcontext():
        try:
            reconciled = run.reconcile()
            plan = ledger.plan(msgs, now()) if run.stopped is None else None
            seen: set[str] = set()
            todo: list[_Item] = []
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
            run.send(todo, size, record)
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


__all__ = ["MAX_WORKERS", "MessageOutcome", "Outcome", "RetryPolicy", "SendReport", "Stop", "is_concurrent",
           "send_all"]
