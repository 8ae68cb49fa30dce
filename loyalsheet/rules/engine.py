"""The whole rules pass: ``evaluate(member_file, settings, today)``.

Only rows dated on or before ``today`` count, so the answer for a day never changes when later
transactions are added. Transactions are grouped by member once; money is whole cents while
computing and ``Decimal`` in the results.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import islice, repeat
from operator import attrgetter, le, lt
from typing import NamedTuple, TypeVar

from ..model import Birthday, Member, MemberFile, PaidWith, Problem, Severity, Txn, TxnType
from .birthdays import (
    BirthdayEntry,
    BirthdayResult,
    BirthdayRules,
    birthday_in_year,
    birthdays_in,
    check_birthday,
    household_spend,
)
from .coursecards import CourseCardReminder, CourseCardState, course_card_reminders, course_card_states
from .explain import Reason
from .giftcards import GiftCardReminder, GiftCardState, gift_card_states, lapsing_gift_cards
from .money import cents, money
from .points import PointsResult, PointsRules, empty_points, member_points
from .referrals import ReferralResult, ReferralStatus, referrals
from .settings import RulesSettings
from .tiers import Ladder, TierResult, member_tier
from .wallet import PAY, REFUND, REWARD, TOP_UP, Movement, WalletResult, bind_families, run_wallet

_new = tuple.__new__  # a NamedTuple built without its Python-level __new__ (100,000 of them)
_SHEET_ORDER = {"members": 0, "transactions": 1, "gift_cards": 2, "course_cards": 3}


class SpendSummary(NamedTuple):
    """What the member spent: purchases less refunds (gift-card payments only when tiers.spend says so).

    Kept in cents; the properties give ``Decimal`` money.
    """

    total_cents: int
    last_12_months_cents: int
    by_year_cents: Mapping[int, int]
    visits: int  # days with a purchase or a session
    first_visit: date | None
    last_visit: date | None

    @property
    def total(self) -> Decimal:
        return money(self.total_cents)

    @property
    def last_12_months(self) -> Decimal:
        return money(self.last_12_months_cents)

    @property
    def by_year(self) -> dict[int, Decimal]:
        return {y: money(c) for y, c in sorted(self.by_year_cents.items())}


@dataclass(frozen=True, slots=True)
class Discount:
    factor: Decimal  # 0.88 = 12% off
    tier: str
    tier_zh: str
    from_member: str | None = None  # the family card holder whose tier gives it; None: the member's own tier

    @property
    def why(self) -> Reason:
        """Rendered: Gold discount 0.88 (12% off), from card holder M0001."""
        params = {
            "tier": self.tier,
            "tier_zh": self.tier_zh,
            "factor": self.factor,
            "zhe": (self.factor * 10).normalize(),
            "percent_off": ((1 - self.factor) * 100).normalize(),
            "holder": self.from_member,
        }
        if self.factor >= 1:
            return Reason("why.discount_none", params)
        return Reason("why.discount_own" if self.from_member is None else "why.discount_family", params)


class MemberResult(NamedTuple):
    member_id: str
    name: str
    tier: TierResult
    discount: Discount
    points: PointsResult
    wallet: WalletResult | None  # the stored value this member spends from (the holder's, for family)
    family_holder: str | None  # set when this member shares a holder's card
    family: tuple[str, ...]  # for a card holder: the members sharing the card
    gift_cards: tuple[GiftCardState, ...]  # cards this member gave
    course_cards: tuple[CourseCardState, ...]
    referrals: tuple[ReferralResult, ...]  # members this member referred
    referred: ReferralResult | None  # how this member's own referral stands
    birthday: BirthdayResult | None
    spend: SpendSummary


@dataclass(frozen=True)
class Evaluation:
    """Everything the rules say about a member file on ``today``."""

    today: date
    settings: RulesSettings
    members: Mapping[str, MemberResult]  # in member row order
    wallets: Mapping[str, WalletResult]  # by card holder
    gift_cards: Mapping[str, GiftCardState]
    course_cards: Mapping[str, CourseCardState]
    referrals: tuple[ReferralResult, ...]
    gift_card_reminders: tuple[GiftCardReminder, ...]  # cards lapsing within gift_cards.remind_days
    course_card_reminders: tuple[CourseCardReminder, ...]
    problems: tuple[Problem, ...]
    names: Mapping[str, str]  # member id -> name
    birthdays: Mapping[str, Birthday]  # member id -> birthday, for members with a valid one

    def member(self, member_id: str) -> MemberResult | None:
        return self.members.get(member_id)


def _order(t: Txn) -> tuple[date, int, int]:
    at = t.at
    return t.day, (at.hour * 3600 + at.minute * 60 + at.second if at is not None else 0), t.row


@lru_cache(maxsize=4096)
def _birthday_months(month: int, day: int, lunar: bool, mar1: bool, y0: int, y1: int) -> frozenset[tuple[int, int]]:
    """(year, month) pairs of a birthday's solar days in years ``y0``..``y1``."""
    b = Birthday(month, day, None, lunar)
    out: set[tuple[int, int]] = set()
    for y in range(y0 - 1, y1 + 1):
        d = birthday_in_year(b, y, mar1)
        out.add((d.year, d.month))
    return frozenset(out)


_PURCHASE, _REFUND, _TOP_UP, _FEE, _SESSION = (
    TxnType.PURCHASE,
    TxnType.REFUND,
    TxnType.TOP_UP,
    TxnType.ANNUAL_FEE,
    TxnType.SESSION,
)
_SV, _GC = PaidWith.STORED_VALUE, PaidWith.GIFT_CARD
_DAY, _ROW, _MEMBER = attrgetter("day"), attrgetter("row"), attrgetter("member_id")


class _Acc:
    """One member's transactions, sorted, with what the passes need from them."""

    __slots__ = (
        "amounts",
        "by_year",
        "fees",
        "first_purchase",
        "first_visit",
        "gross",
        "last12",
        "last_visit",
        "moves",
        "spend",
        "tier",
        "timeline",
        "top_ups",
        "total",
        "txns",
        "visits",
    )

    def __init__(self, txns: list[Txn], amounts: list[int]) -> None:
        self.txns = txns
        self.amounts = amounts  # cents of each row's amount (0 when none)
        self.fees: list[tuple[date, int]] = []
        self.top_ups: list[tuple[date, int]] = []
        self.moves: list[Movement] = []
        self.spend: list[tuple[date, int]] = []  # (day, +/- cents) of purchases and refunds counted as spend
        self.by_year: dict[int, int] = {}  # spend by calendar year
        self.first_purchase: tuple[date, int] | None = None  # the first not paid with a gift card
        self.total = 0  # spend, all time
        self.gross = 0  # purchases counted as spend, before refunds
        self.last12 = 0  # spend in the 12 months up to today
        self.visits = 0
        self.first_visit: date | None = None
        self.last_visit: date | None = None
        self.tier: TierResult | None = None
        self.timeline: list[tuple[date, int]] = []


def _times_out_of_order(txns: list[Txn]) -> bool:
    """Whether two rows of one day (in row order) have times of day the other way round."""
    prev = txns[0]
    for t in txns[1:]:
        if t.day == prev.day and (t.at is not None or prev.at is not None) and _order(t) < _order(prev):
            return True
        prev = t
    return False


class _Cards:
    """The rows that used each gift card and each course card."""

    __slots__ = ("gift_uses", "sessions")

    def __init__(self) -> None:
        self.gift_uses: dict[str, list[Txn]] = {}
        self.sessions: dict[str, list[Txn]] = {}


def _accumulate(
    member_id: str,
    txns: list[Txn],
    include_gift_card: bool,
    sort: bool,
    cache: dict[Decimal, int],
    cutoff: date,
    cards: _Cards,
) -> _Acc:
    """Sort one member's rows (unless the book already was) and gather what the passes need.

    Rows the rules cannot use (a purchase, top-up, refund or fee without an amount, or with a
    negative one other than a refund) are dropped from ``txns``: validation reports them.
    """
    if sort and len(txns) > 1:
        txns.sort(key=_order)
    amounts: list[int] = []
    acc = _Acc(txns, amounts)
    moves, by_year, spend = acc.moves, acc.by_year, acc.spend
    first_visit = last_visit = None
    visits = total = gross = last12 = 0
    first_purchase = None
    year, year_spend = 0, 0  # rows are in day order: spend by year is summed a year at a time
    prev_day = date.min
    same_day = False  # two rows on one day: their times of day, if typed, must agree with their order
    dropped = False
    gift_uses, sessions = cards.gift_uses, cards.sessions
    for t in txns:
        typ = t.type
        d = t.day
        if d == prev_day:
            same_day = True
        prev_day = d
        a = t.amount
        if a is None:
            if typ is _PURCHASE or typ is _REFUND or typ is _TOP_UP or typ is _FEE:
                dropped = True
                amounts.append(-1)
                continue
            c = 0
        else:
            c = cache.get(a, -1)
            if c == -1:
                c = cache[a] = cents(a)
            if c < 0:
                if typ is _PURCHASE or typ is _TOP_UP or typ is _FEE:
                    dropped = True
                    amounts.append(-1)
                    continue
                c = -c
        amounts.append(c)
        if typ is _SESSION:
            if t.course_card:
                sessions.setdefault(t.course_card, []).append(t)
        elif t.paid_with is _GC and t.gift_card and (typ is _PURCHASE or typ is _REFUND or typ is _FEE):
            gift_uses.setdefault(t.gift_card, []).append(t)
        if typ is _PURCHASE:
            pw = t.paid_with
            if first_purchase is None and pw is not _GC:  # (referrals: the member's own money, not a gift card)
                first_purchase = (d, c)
            if pw is not _GC or include_gift_card:
                spend.append((d, c))
                total += c
                gross += c
                if d.year != year:
                    if year:
                        by_year[year] = year_spend
                    year, year_spend = d.year, by_year.get(d.year, 0)
                year_spend += c
                if d > cutoff:
                    last12 += c
            if pw is _SV:
                moves.append((d, t.row, PAY, c, member_id))
            if d != last_visit:
                visits += 1
                if first_visit is None:
                    first_visit = d
                last_visit = d
        elif typ is _REFUND:
            pw = t.paid_with
            if pw is not _GC or include_gift_card:
                spend.append((d, -c))
                total -= c
                if d.year != year:
                    if year:
                        by_year[year] = year_spend
                    year, year_spend = d.year, by_year.get(d.year, 0)
                year_spend -= c
                if d > cutoff:
                    last12 -= c
            if pw is _SV:
                moves.append((d, t.row, REFUND, c, member_id))
        elif typ is _TOP_UP:
            acc.top_ups.append((d, c))
            moves.append((d, t.row, TOP_UP, c, member_id))
        elif typ is _FEE:
            acc.fees.append((d, c))
            if t.paid_with is _SV:
                moves.append((d, t.row, PAY, c, member_id))
        elif typ is _SESSION and d != last_visit:
            visits += 1
            if first_visit is None:
                first_visit = d
            last_visit = d
    if year:
        by_year[year] = year_spend
    acc.first_purchase = first_purchase
    acc.total = total
    acc.gross = gross
    acc.last12 = last12
    acc.visits = visits
    acc.first_visit = first_visit
    acc.last_visit = last_visit
    if same_day and not sort and _times_out_of_order(txns):
        return _accumulate(member_id, txns, include_gift_card, True, cache, cutoff, cards)
    if dropped:
        kept = [(t, c) for t, c in zip(txns, amounts, strict=True) if c >= 0]
        txns[:] = [t for t, _ in kept]
        amounts[:] = [c for _, c in kept]
    return acc


def problem_order(p: Problem) -> tuple[int, int, str, str]:
    """The order the rules list problems in: by sheet, row, column and code."""
    return _SHEET_ORDER.get(p.sheet or "", 9), p.row or 0, p.column or "", p.code


def evaluate(mf: MemberFile, settings: RulesSettings, today: date) -> Evaluation:
    """Apply every rule to ``mf`` as of ``today``: per-member results, card states, reminders, problems.
    """
    return evaluate_part(mf, settings, today)


def evaluate_part(mf: MemberFile, settings: RulesSettings, today: date, *, first_day: date | None = None,
                  all_ids: Collection[str] | None = None, global_warnings: bool = True,
                  problems_only: bool = False) -> Evaluation:
    """:func:`evaluate` on a part of a member file (see ``rules.split``): ``first_day`` is the whole
    file's first transaction day, ``all_ids`` its member IDs; problems that are not about a row
    (a lifetime tier for an unknown member) only when ``global_warnings``. ``problems_only``: only
    the problems are wanted (``check``), so no member's result is put together (its members, cards,
    reminders and birthdays are left empty)."""
    return _evaluate(mf, settings, today, first_day, all_ids, global_warnings, problems_only)


_K = TypeVar("_K")
_V = TypeVar("_V")


def _by(items: Iterable[_V], key: Callable[[_V], _K]) -> dict[_K, tuple[_V, ...]]:
    grouped: dict[_K, list[_V]] = {}
    for item in items:
        grouped.setdefault(key(item), []).append(item)
    return {k: tuple(v) for k, v in grouped.items()}


def _evaluate(mf: MemberFile, settings: RulesSettings, today: date, whole_first_day: date | None,
              all_ids: Collection[str] | None, global_warnings: bool, problems_only: bool = False) -> Evaluation:
    problems: list[Problem] = []
    known: dict[str, Member] = {}
    for m in mf.members:
        known.setdefault(m.member_id, m)
    by_member: dict[str, list[Txn]] = {mid: [] for mid in known}
    rows = mf.txns
    days = list(map(_DAY, rows))
    numbers = list(map(_ROW, rows))
    # Books are usually typed in day order; then the rows after today are the last ones.
    in_order = all(map(le, days, islice(days, 1, None))) and all(map(lt, numbers, islice(numbers, 1, None)))
    rows = rows[: bisect_right(days, today)] if in_order else tuple(t for t in rows if t.day <= today)
    first_day = min(min(days, default=today) if whole_first_day is None else whole_first_day, today)
    # Each member's rows, in the book's order, grouped in one C-level pass. Rows of unknown members
    # go to a sink: validation reports them.
    sink: list[Txn] = []
    deque(map(list.append, map(by_member.get, map(_MEMBER, rows), repeat(sink)), rows), maxlen=0)
    cards = _Cards()

    # Pass 1: per member, sorted history, spend and tiers.
    rs = settings
    lad = Ladder(rs.tiers, today, first_day.year)
    for mid in rs.tiers.lifetime if global_warnings else ():
        if mid not in (known if all_ids is None else all_ids):
            problems.append(
                Problem(Severity.WARNING, "tier_lifetime_unknown_member", None, None, None, mid, {"member_id": mid})
            )
    include_gc = rs.tiers.spend.include_gift_card
    accs: dict[str, _Acc] = {}
    cents_of: dict[Decimal, int] = {}
    lowest = lad.lowest if lad.spend_on else None
    lifetime = lad.lifetime
    cutoff = lad.cutoff(today)
    for mid, txns in by_member.items():
        acc = _accumulate(mid, txns, include_gc, not in_order, cents_of, cutoff, cards)
        accs[mid] = acc
        m = known[mid]
        # Spend that never reached the lowest spend tier cannot have moved the tier.
        spend_ev = acc.spend if lowest is not None and acc.gross >= lowest else []
        if spend_ev or acc.fees or acc.top_ups or mid in lifetime:
            acc.tier, acc.timeline = member_tier(lad, mid, spend_ev, acc.fees, acc.top_ups, m.paid_until)
        else:  # nothing could have lifted the member: the first tier, from the start
            acc.tier, acc.timeline = lad.base_result, lad.base_timeline

    # Referrals, then families and wallets.
    first_purchase = {mid: acc.first_purchase for mid, acc in accs.items() if acc.first_purchase is not None}
    refs = referrals(mf.members, known, first_purchase, rs.referrals, problems)
    reward_points: dict[str, list[tuple[date, int]]] = {}
    holder_of, family = bind_families(mf.members, known, rs.stored_value.family_max, problems)
    wallet_moves: dict[str, list[Movement]] = {}
    for mid, acc in accs.items():
        if acc.moves:
            wallet_moves.setdefault(holder_of.get(mid, mid), []).extend(acc.moves)
    for r in refs:
        if r.status is ReferralStatus.REWARDED and r.first_purchase_day is not None:
            if r.reward_points:
                reward_points.setdefault(r.referrer, []).append((r.first_purchase_day, r.reward_points))
            elif r.reward_value:
                owner = holder_of.get(r.referrer, r.referrer)
                wallet_moves.setdefault(owner, []).append(
                    (r.first_purchase_day, 0, REWARD, cents(r.reward_value), r.referrer)
                )
    for rewards_of in reward_points.values():
        rewards_of.sort()
    wallets: dict[str, WalletResult] = {}
    for holder in sorted(set(wallet_moves) | set(family), key=lambda h: known[h].row):
        moves = wallet_moves.get(holder, [])
        if holder in family or len({mv[4] for mv in moves}) > 1:
            moves.sort(key=lambda mv: (mv[0], mv[1]))
        wallets[holder] = run_wallet(holder, family.get(holder, ()), moves, problems)

    # Cards.
    gift_states = gift_card_states(mf.gift_cards, cards.gift_uses, rs.gift_cards, today, problems)
    course_states = course_card_states(mf.course_cards, cards.sessions, holder_of, today, problems)
    gifts_by = _by(gift_states.values(), lambda g: g.giver)
    courses_by = _by(course_states.values(), lambda c: c.member_id)
    refs_by = _by(refs, lambda r: r.referrer)
    referred = {r.referred: r for r in refs}
    family_of = {h: tuple(ms) for h, ms in family.items()}

    # Pass 2: points, birthdays, and each member's result.
    pr = PointsRules(rs.points, lad.multipliers, today)
    no_points = empty_points(today, rs.points.expiring_soon_days)
    br = BirthdayRules(rs.birthdays, today)
    mar1 = br.mar1
    own_discount = [Discount(f, lad.names[r], lad.names_zh[r]) for r, f in enumerate(lad.discounts)]
    share = rs.stored_value.family_shares_discount
    no_birthday_months: frozenset[tuple[int, int]] = frozenset()
    no_spend = SpendSummary(0, 0, {}, 0, None, None)
    no_rewards: list[tuple[date, int]] = []
    results: dict[str, MemberResult] = {}
    valid_birthdays: dict[str, Birthday] = {}
    for mid, acc in accs.items():
        m = known[mid]
        tier = acc.tier or lad.base_result
        b = m.birthday
        if b is not None and not check_birthday(b):  # the reader reports a day that does not exist
            b = None
        rewards = reward_points.get(mid, no_rewards)
        if acc.txns or rewards:
            months = no_birthday_months
            if pr.birthday_on and b is not None and acc.txns:
                months = _birthday_months(b.month, b.day, b.lunar, mar1, acc.txns[0].day.year, today.year)
            points = member_points(pr, acc.txns, acc.amounts, acc.timeline, months, rewards, problems)
            if problems_only:  # (what follows finds no problem)
                continue
            spend = _new(SpendSummary, (acc.total, acc.last12, acc.by_year, acc.visits, acc.first_visit, acc.last_visit))
        elif problems_only:
            continue
        else:
            points, spend = no_points, no_spend
        birthday = None
        if b is not None:
            on_card, fam = holder_of.get(mid), family_of.get(mid, ())
            if on_card is None and not fam:
                birthday = br.result(b, acc.by_year)
            else:  # a household is one unit: the holder's budget counts everyone on the card
                birthday = br.result(b, acc.by_year, on_card, (mid, *fam) if fam else (),
                                     [accs[x].by_year for x in fam])
            valid_birthdays[mid] = b
        bound_to = holder_of.get(mid)
        discount = own_discount[tier.rank]
        if bound_to is not None and share:
            h_tier = accs[bound_to].tier or lad.base_result
            if h_tier.discount < tier.discount:
                discount = Discount(h_tier.discount, h_tier.tier, h_tier.tier_zh, bound_to)
        results[mid] = _new(
            MemberResult,
            (
                mid,
                m.name,
                tier,
                discount,
                points,
                wallets.get(bound_to or mid),
                bound_to,
                family_of.get(mid, ()),
                gifts_by.get(mid, ()),
                courses_by.get(mid, ()),
                refs_by.get(mid, ()),
                referred.get(mid),
                birthday,
                spend,
            ),
        )

    problems.sort(key=problem_order)
    if problems_only:
        return Evaluation(today=today, settings=settings, members={}, wallets=wallets, gift_cards={},
                          course_cards={}, referrals=(), gift_card_reminders=(), course_card_reminders=(),
                          problems=tuple(problems), names={}, birthdays={})
    return Evaluation(
        today=today,
        settings=settings,
        members=results,
        wallets=wallets,
        gift_cards=gift_states,
        course_cards=course_states,
        referrals=tuple(refs),
        gift_card_reminders=lapsing_gift_cards(gift_states.values(), today, rs.gift_cards.remind_days),
        course_card_reminders=course_card_reminders(
            course_states.values(), today, rs.course_cards.remind_days, rs.course_cards.idle_weeks
        ),
        problems=tuple(problems),
        names={mid: known[mid].name for mid in known},
        birthdays=valid_birthdays,
    )


def birthdays_in_month(ev: Evaluation, year: int, month: int) -> tuple[BirthdayEntry, ...]:
    """Members whose birthday falls in ``month`` of ``year``, by day, with gift budgets.

    The budget comes from the spend of the calendar year before the birthday (as of ``ev.today``).
    """
    br = BirthdayRules(ev.settings.birthdays, ev.today)
    out: list[BirthdayEntry] = []
    members = ev.members
    for mid, b in ev.birthdays.items():
        r = members[mid]
        household = (mid, *r.family) if r.family else ()
        for d, year_of in birthdays_in(b, year, month, br.mar1):
            spend = household_spend(d.year - 1, r.family_holder,
                                    [members[x].spend.by_year_cents for x in (household or (mid,))])
            budget = 0 if r.family_holder is not None else br.budget.of(spend)
            out.append(
                BirthdayEntry(
                    member_id=mid,
                    name=ev.names.get(mid, ""),
                    birthday=b,
                    day=d,
                    turning=None if b.year is None else year_of - b.year,
                    budget=money(budget),
                    budget_year=d.year - 1,
                    budget_spend=money(spend),
                    rate=br.budget.rate,
                    holder=r.family_holder,
                    household=household,
                )
            )
    return tuple(sorted(out, key=lambda e: (e.day, e.member_id)))
