"""The whole generator: every step, in the order the rows depend on each other."""

from __future__ import annotations

from .cards import _Cards
from .sheets import _OtherSheets
from .transactions import _Transactions


class _Generator(_OtherSheets, _Cards, _Transactions):
    """Every sheet of a demo book, made by :meth:`run`."""

    def run(self, count: int) -> None:
        self.make_members(count)
        self.make_purchases()
        self.stored_value()
        self.make_gift_cards()
        self.make_course_cards()
        self.points()
        self.make_events()
        self.make_call_notes()
        self.make_opt_outs()
        self.make_attendance()
        self.make_vouchers()
