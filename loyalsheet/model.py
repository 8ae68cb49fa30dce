"""Plain, immutable rows of the member file and the problems found in them.

Every record carries the sheet row it came from, so any later rule can point back at the cell.
Money is ``Decimal``; days are ``date``. This module imports only the standard library.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Membership(enum.StrEnum):
    SPEND = "spend"
    PAID = "paid"
    STORED_VALUE = "stored value"


class TxnType(enum.StrEnum):
    PURCHASE = "purchase"
    TOP_UP = "top-up"
    REDEMPTION = "redemption"
    REFUND = "refund"
    ANNUAL_FEE = "annual fee"
    SESSION = "session"
    ADJUSTMENT = "adjustment"


class PaidWith(enum.StrEnum):
    CASH = "cash"
    CARD = "card"
    STORED_VALUE = "stored value"
    GIFT_CARD = "gift card"


class Channel(enum.StrEnum):
    SMS = "sms"
    EMAIL = "email"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class Birthday:
    """A birthday as typed: the year may be unknown; ``lunar`` means month/day are Chinese lunar."""

    month: int
    day: int
    year: int | None = None
    lunar: bool = False


@dataclass(frozen=True, slots=True)
class Member:
    row: int
    member_id: str
    name: str
    joined: date | None
    phone: str | None = None  # E.164
    email: str | None = None
    gender: str | None = None  # "F" / "M"
    birthday: Birthday | None = None
    store: str | None = None
    membership: Membership = Membership.SPEND
    paid_until: date | None = None
    family_of: str | None = None
    referred_by: str | None = None
    sms_consent: bool | None = None  # None: blank, service messages only
    email_consent: bool | None = None
    language: str | None = None
    notes: str | None = None
    source: str | None = None  # how they joined: referral, event, walk-in, online, a promoter's name
    partner: str | None = None  # the partner of a co-branded card (联名卡)


class Txn(NamedTuple):
    """One row of the Transactions sheet.

    A NamedTuple rather than a frozen dataclass: it is just as immutable, and a chain's book has a
    million of these, which a tuple builds about five times faster.
    """

    row: int
    day: date
    member_id: str
    type: TxnType
    amount: Decimal | None = None
    points: int | None = None
    paid_with: PaidWith = PaidWith.CASH
    gift_card: str | None = None
    course_card: str | None = None
    category: str | None = None
    special_offer: bool = False
    store: str | None = None
    staff: str | None = None
    note: str | None = None
    at: datetime | None = None  # when a time of day was typed too
    voucher: str | None = None  # the voucher used on this row


@dataclass(frozen=True, slots=True)
class GiftCard:
    row: int
    card_id: str
    member_id: str
    issued: date
    value: Decimal
    valid_months: int | None = None
    friend_name: str | None = None
    friend_phone: str | None = None
    friend_registered: bool = False


@dataclass(frozen=True, slots=True)
class CourseCard:
    row: int
    card_id: str
    member_id: str
    service: str
    sessions: int
    price: Decimal | None
    bought: date
    valid_until: date | None = None


@dataclass(frozen=True, slots=True)
class Event:
    row: int
    event_id: str
    title: str
    day: date
    invite_days: int | None = None
    audience: tuple[str, ...] = ("all",)
    template: str | None = None


class VoucherKind(enum.StrEnum):
    CASH = "cash"  # an amount off
    PERCENT = "percent"  # a percentage off
    GIFT = "gift"  # a gift, named


@dataclass(frozen=True, slots=True)
class Voucher:
    """A voucher held by a member: on the manager's Vouchers sheet, or issued by the tool (``sheet``
    then names its owned sheet). ``value`` is the money off (cash) or the percentage off (percent: 12 is
    12% off, 88折); ``gift`` the gift's name."""

    row: int
    voucher_id: str
    member_id: str
    kind: VoucherKind
    issued: date
    value: Decimal | None = None
    gift: str | None = None
    valid_until: date | None = None
    source: str | None = None
    note: str | None = None
    sheet: str = "vouchers"


@dataclass(frozen=True, slots=True)
class Attendance:
    """One row of the Event attendance sheet: who came to an event (None: not said)."""

    row: int
    event_id: str
    member_id: str
    came: bool | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class CallNote:
    row: int
    day: date
    member_id: str
    staff: str | None = None
    outcome: str | None = None
    note: str | None = None
    next_call: date | None = None


@dataclass(frozen=True, slots=True)
class OptOut:
    row: int
    day: date | None
    member_id: str | None = None
    phone: str | None = None
    email: str | None = None
    channel: Channel = Channel.ALL
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in the member file, located at a cell when it has one.

    ``code`` names the kind of problem; the edges turn ``code`` and ``params`` into text in the
    reader's language. ``sheet`` is the key of the sheet (e.g. ``members``) and ``column`` the key
    of the column (e.g. ``phone``); the layout turns them into ``Members!C17``.
    """

    severity: Severity
    code: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """Where a sheet's columns were found: its real title and the column letter of each key."""

    key: str
    title: str
    header_row: int
    columns: Mapping[str, str]  # column key -> column letter
    headers: Mapping[str, str]  # column key -> header text as typed
    extra_headers: tuple[str, ...] = ()


ROW_STRIDE = 10_000_000
"""Rows of the n-th book of a chain read as one member file are numbered from ``n * ROW_STRIDE``
(a sheet has at most 1,048,576 rows), so a record's row still names its book and its row there."""


@dataclass(frozen=True)
class BookPart:
    """One book of a chain read as one member file: its path, its layouts, and its rows' offset."""

    path: str
    layouts: Mapping[str, SheetLayout]
    row_base: int


@dataclass(frozen=True)
class MemberFile:
    """Everything read from one member file (or a chain's books as one), plus where each sheet's
    columns are. ``parts`` is empty for one book; for several it says which rows came from which."""

    path: str
    members: tuple[Member, ...] = ()
    txns: tuple[Txn, ...] = ()
    gift_cards: tuple[GiftCard, ...] = ()
    course_cards: tuple[CourseCard, ...] = ()
    events: tuple[Event, ...] = ()
    call_notes: tuple[CallNote, ...] = ()
    opt_outs: tuple[OptOut, ...] = ()
    vouchers: tuple[Voucher, ...] = ()
    attendance: tuple[Attendance, ...] = ()
    layouts: Mapping[str, SheetLayout] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()  # problems found while reading cells
    parts: tuple[BookPart, ...] = ()

    def part_of(self, row: int | None) -> tuple[str, Mapping[str, SheetLayout], int | None]:
        """The file, the layouts and the row in that file of a (possibly offset) row number."""
        if not self.parts or row is None:
            return self.path, self.layouts, row
        part = self.parts[min(row // ROW_STRIDE, len(self.parts) - 1)]
        return part.path, part.layouts, row - part.row_base
