"""The owned sheet 已发优惠券 Vouchers issued: the vouchers the daily messages gave (birthday, win-back).

A campaign with a ``voucher:`` setting names a voucher in its message; the voucher's number comes from
the message's key (:func:`loyalsheet.rules.vouchers.issued_voucher_id`), so a message gives at most one
voucher however often the day is run. After each ``today --send`` the sheet gets a row for every such
message the send ledger holds as sent (or in doubt: it may have arrived), dated the day it went. Rows
already on the sheet are kept as they are (a later change of the setting never rewrites a voucher given),
so the sheet is the record the member file reads back, like the manager's own Vouchers sheet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .campaigns.settings import CampaignSettings, VoucherGift
from .messaging.ledger import Entry, State
from .model import Voucher, VoucherKind
from .rules.vouchers import ISSUING_CAMPAIGNS, issued_voucher
from .sheet_looks import vouchers_issued_look
from .workbook.schema import CHOICES, VOUCHERS_ISSUED, bilingual_header
from .workbook.writer import CellValue, OwnedSheet

_GAVE = frozenset({State.SENT, State.UNKNOWN})


TITLE = f"{VOUCHERS_ISSUED.zh} {VOUCHERS_ISSUED.en}"


def _gift(campaigns: CampaignSettings, campaign: str) -> VoucherGift | None:
    if campaign == "birthday":
        return campaigns.birthday.voucher
    if campaign == "winback":
        return campaigns.win_back.voucher
    return None


def giving_campaigns(campaigns: CampaignSettings) -> list[str]:
    """The campaigns set to give a voucher with their message."""
    return [name for name in ISSUING_CAMPAIGNS if _gift(campaigns, name) is not None]


def issued_from_ledger(entries: Iterable[Entry], campaigns: CampaignSettings) -> list[Voucher]:
    """The vouchers given by the messages the ledger holds as sent or in doubt, oldest first."""
    out: list[Voucher] = []
    for e in sorted(entries, key=lambda e: (e.planned_for, e.key)):
        if e.state not in _GAVE or e.campaign not in ISSUING_CAMPAIGNS:
            continue
        gift = _gift(campaigns, e.campaign)
        if gift is None:
            continue
        occasion = e.key.split(":", 2)[2]
        out.append(issued_voucher(e.campaign, e.member_id, occasion, gift.kind, gift.value, gift.valid_days,
                                  e.planned_for))
    return out


def _word(choice: str, value: str, lang: str) -> str:
    """A choice's word in the reader's language (the reader reads either)."""
    if lang == "en":
        return value
    return next((w for w in CHOICES[choice][value] if any("\u4e00" <= ch <= "\u9fff" for ch in w)), value)


def _row(v: Voucher, lang: str) -> list[CellValue]:
    value: CellValue = v.value if v.kind is VoucherKind.CASH else f"{v.value}%" if v.kind is VoucherKind.PERCENT \
        else v.gift
    return [v.voucher_id, v.member_id, _word("voucher_kind", v.kind.value, lang), value, v.issued, v.valid_until,
            _word("voucher_source", v.source or "other", lang), v.note]


def vouchers_issued_sheet(existing: Sequence[Sequence[Any]], vouchers: Sequence[Voucher], style: str,
                          lang: str) -> OwnedSheet | None:
    """The sheet with the rows it had and a row for each voucher not on it yet; None when nothing is new."""
    kept = [list(r) for r in existing[1:] if r and r[0] not in (None, "")]
    have = {str(r[0]) for r in kept}
    new = [_row(v, lang) for v in vouchers if v.voucher_id not in have]
    if not new:
        return None
    return OwnedSheet(title=TITLE, header=[bilingual_header(c, style) for c in VOUCHERS_ISSUED.columns],
                      rows=[*kept, *new], look=vouchers_issued_look())
