"""The generator's state: a member in the making (``_Member``) and the rows of every sheet, with the
helpers each step uses (a moment in shop hours, a store, a staff member, a transaction row)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from .personas import _OPEN_MINUTES, _OPEN_SPAN
from .words import _STAFF, CARD, CASH, SPEND


class _Member:
    __slots__ = (
        "email", "english", "extras", "family", "holder", "idx", "joined", "lunar", "membership", "mid",
        "persona", "phone", "phone_text", "purchases", "quiet_until", "redeemed", "referenced", "row", "store",
    )  # fmt: skip

    def __init__(self, persona: int, joined: int) -> None:
        self.persona = persona
        self.joined = joined  # ordinal day
        self.quiet_until = 0
        self.idx = 0
        self.mid = ""
        self.store = ""
        self.membership = SPEND
        self.holder: _Member | None = None  # the stored-value card holder whose card this member shares
        self.family: list[_Member] = []  # for a holder: the members sharing the card
        self.phone: object = None  # as typed
        self.phone_text: str | None = None  # the same number as plain text
        self.email: str | None = None
        self.english = False
        self.lunar = False
        self.row: list[Any] = []
        self.purchases: list[list[Any]] = []
        self.extras: list[list[Any]] = []  # top-ups, redemptions, refunds, fees, sessions
        self.redeemed = False
        self.referenced = False  # named elsewhere in the book (referral, family, card, call, opt-out)


class _GeneratorBase:
    """The state every step of the generator reads and adds to, and the helpers they share."""

    def __init__(self, rng: random.Random, today: date, years: int, stores: tuple[str, ...]) -> None:
        self.rng = rng
        self.today = today
        self.end = today.toordinal()
        self.start = self.end - round(365.25 * years) + 1
        self.stores = stores
        self.staff = {s: [_STAFF[(3 * i + k) % len(_STAFF)] for k in range(4)] for i, s in enumerate(stores)}
        self.members: list[_Member] = []
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.gift_cards: list[list[Any]] = []
        self.course_cards: list[list[Any]] = []
        self.events: list[list[Any]] = []
        self.call_notes: list[list[Any]] = []
        self.attendance: list[list[Any]] = []
        self.opt_outs: list[list[Any]] = []
        self.vouchers: list[list[Any]] = []
        self.member_rows: list[list[Any]] = []
        self.txn_extras: list[list[Any]] = []  # rows added by planted mistakes

    # -- helpers --------------------------------------------------------------------------------------

    def at(self, day: int) -> datetime:
        """A moment in shop hours on ``day`` (an ordinal)."""
        return datetime.fromordinal(day) + timedelta(minutes=_OPEN_MINUTES + int(self.rng.random() * _OPEN_SPAN))

    def pick_store(self, m: _Member) -> str:
        if len(self.stores) == 1 or self.rng.random() < 0.92:
            return m.store
        return self.rng.choice(self.stores)

    def pick_staff(self, store: str) -> str:
        names = self.staff.get(store) or self.staff[self.stores[0]]
        return names[int(self.rng.random() * len(names))]

    def cash_or_card(self) -> str | None:
        r = self.rng.random()
        return CASH if r < 0.6 else CARD if r < 0.95 else None  # blank means cash

    def txn(self, m: _Member, when: datetime, kind: str, amount: object, **cells: object) -> list[Any]:
        store = cells.get("store") or self.pick_store(m)
        return [
            when,
            m.mid,
            kind,
            amount,
            cells.get("points"),
            cells.get("paid_with"),
            cells.get("gift_card"),
            cells.get("course_card"),
            cells.get("category"),
            cells.get("special_offer"),
            store,
            cells.get("staff") or self.pick_staff(str(store)),
            cells.get("voucher"),
            cells.get("note"),
        ]
