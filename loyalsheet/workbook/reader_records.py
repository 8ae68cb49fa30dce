"""The record builders: each turns one row's typed values (in the schema's column order) into a record
of the model, or None for a row without what the record needs.

The reader takes each sheet's builder from :data:`_BUILDERS` (by sheet key); the Transactions sheet's
clean rows are built a chunk at a time by :func:`~loyalsheet.workbook.reader_cells._txns` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from ..model import (
    Attendance,
    CallNote,
    Channel,
    CourseCard,
    Event,
    GiftCard,
    Member,
    Membership,
    OptOut,
    Txn,
    Voucher,
    VoucherKind,
)
from . import parse as P
from .reader_cells import _CASH, _PAID_WITH, _TXN_TYPE, _SheetReader
from .schema import READ_SHEETS


def _member(r: _SheetReader, v: Sequence[Any]) -> Member | None:
    (member_id, name, phone, email, gender, birthday, lunar, joined, store, membership, paid_until, family_of,
     referred_by, sms_consent, email_consent, language, notes, source, partner) = v
    if member_id is None:
        return None
    if birthday is not None and lunar:
        if birthday.day > 30:
            r.problem("lunar_day_impossible", "birthday", f"{birthday.month}/{birthday.day}")
            birthday = None
        else:
            birthday = replace(birthday, lunar=True)
    return Member(
        row=r.row_number,
        member_id=member_id,
        name=name or "",
        joined=joined,
        phone=phone,
        email=email,
        gender=gender,
        birthday=birthday,
        store=store,
        membership=Membership(membership) if membership else Membership.SPEND,
        paid_until=paid_until,
        family_of=family_of,
        referred_by=referred_by,
        sms_consent=sms_consent,
        email_consent=email_consent,
        language=language,
        notes=notes,
        source=source,
        partner=partner,
    )

def _txn(r: _SheetReader, v: Sequence[Any]) -> Txn | None:
    when, member_id, type_name, amount, points, paid_with, gift_card, course_card, category, special, store, staff, \
        voucher, note = v
    if when is None or member_id is None or type_name is None:
        return None
    if isinstance(when, datetime):
        day = when.date()
        at = when if (when.hour or when.minute or when.second) else None
    else:
        day, at = when, None
    return Txn(r.row_number, day, member_id, _TXN_TYPE[type_name], amount, points,
               _PAID_WITH[paid_with] if paid_with else _CASH, gift_card, course_card, category, bool(special), store,
               staff, note, at, voucher)

def _gift_card(r: _SheetReader, v: Sequence[Any]) -> GiftCard | None:
    card_id, member_id, issued, value, valid_months, friend_name, friend_phone, registered = v
    if card_id is None or member_id is None or issued is None or value is None:
        return None
    return GiftCard(r.row_number, card_id, member_id, issued, value, valid_months, friend_name, friend_phone,
                    bool(registered))


def _course_card(r: _SheetReader, v: Sequence[Any]) -> CourseCard | None:
    card_id, member_id, service, sessions, price, bought, valid_until = v
    if card_id is None or member_id is None or sessions is None or bought is None:
        return None
    return CourseCard(r.row_number, card_id, member_id, service or "", sessions, price, bought, valid_until)


def _event(r: _SheetReader, v: Sequence[Any]) -> Event | None:
    event_id, title, day, invite_days, audience, template = v
    if event_id is None or day is None:
        return None
    return Event(r.row_number, event_id, title or "", day, invite_days, audience or ("all",), template)


def _call_note(r: _SheetReader, v: Sequence[Any]) -> CallNote | None:
    day, member_id, staff, outcome, note, next_call = v
    if day is None or member_id is None:
        return None
    return CallNote(r.row_number, day, member_id, staff, outcome, note, next_call)


def _opt_out(r: _SheetReader, v: Sequence[Any]) -> OptOut | None:
    day, member_id, phone, email, channel, source = v
    if member_id is None and phone is None and email is None:
        if not any(p.row == r.row_number and p.sheet == "opt_outs" for p in r.problems[-3:]):
            r.problem("optout_no_contact", "member_id", None)
        return None
    return OptOut(r.row_number, day, member_id, phone, email, Channel(channel) if channel else Channel.ALL, source)


# The builders unpack values in the schema's column order; this keeps the two in step.
def _voucher(r: _SheetReader, v: Sequence[Any]) -> Voucher | None:
    voucher_id, member_id, kind, raw_value, issued, valid_until, source, note = v
    if voucher_id is None or member_id is None or kind is None or issued is None:
        return None
    try:
        value, gift = P.parse_voucher_value(raw_value, kind)
    except P.CellError as err:
        r.problem(err.code, "value", raw_value, **err.params)
        return None
    if value is None and gift is None:
        return None  # (the blank Value is reported as a required cell)
    return Voucher(r.row_number, voucher_id, member_id, VoucherKind(kind), issued, value, gift, valid_until, source,
                   note, r.sheet.key)


def _attendance(r: _SheetReader, v: Sequence[Any]) -> Attendance | None:
    event_id, member_id, came, note = v
    if event_id is None or member_id is None:
        return None
    return Attendance(r.row_number, event_id, member_id, came, note)


_ORDER = {
    "members": "member_id name phone email gender birthday lunar_birthday joined store membership paid_until "
               "family_of referred_by sms_consent email_consent language notes source partner",
    "transactions": "date member_id type amount points paid_with gift_card course_card category special_offer store "
                    "staff voucher note",
    "gift_cards": "card_id member_id issued value valid_months friend_name friend_phone friend_registered",
    "course_cards": "card_id member_id service sessions price bought valid_until",
    "events": "event_id title date invite_days audience template",
    "call_notes": "date member_id staff outcome note next_call",
    "opt_outs": "date member_id phone email channel source",
    "vouchers": "voucher_id member_id kind value issued valid_until source note",
    "vouchers_issued": "voucher_id member_id kind value issued valid_until source note",
    "attendance": "event_id member_id came note",
}
for _sheet in READ_SHEETS:
    if [c.key for c in _sheet.columns] != _ORDER[_sheet.key].split():
        raise RuntimeError(f"reader builders are out of step with the schema of {_sheet.key}")


_BUILDERS: dict[str, Callable[[_SheetReader, Sequence[Any]], Any]] = {
    "members": _member,
    "transactions": _txn,
    "gift_cards": _gift_card,
    "course_cards": _course_card,
    "events": _event,
    "call_notes": _call_note,
    "opt_outs": _opt_out,
    "vouchers": _voucher,
    "vouchers_issued": _voucher,
    "attendance": _attendance,
}
