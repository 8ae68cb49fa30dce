"""How each owned sheet reads and prints: its columns' kinds and the colours that help a decision.

Pure declarations for :class:`~loyalsheet.workbook.look.Look`; the writer does the rest. Tiers keep
their colour by rank everywhere (Member status, the Call list, the Dashboard's chart), lifecycle
stages go from blue (new) through green (mature) to amber (declining) and red (lapsed), and the
flags worth a call (gone quiet, whale, birthday next month) are marked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from babel.numbers import get_currency_symbol

from .segments import Stage, label
from .workbook.look import Col, Look

# by tier rank: cell fills, and the stronger colours of the Dashboard's bars
TIER_FILLS = ("EDEDED", "DDEBF7", "FFE699", "F8CBAD", "E4D3F2", "C6E0B4")
TIER_COLORS = ("A5A5A5", "5B9BD5", "FFC000", "ED7D31", "7030A0", "70AD47")
STAGE_FILLS = {
    Stage.POTENTIAL: "EDEDED", Stage.NEW: "DDEBF7", Stage.GROWING: "E2EFDA", Stage.MATURE: "C6EFCE",
    Stage.DECLINING: "FFEB9C", Stage.LAPSED: "FFC7CE",
}
STAGE_COLORS = {
    Stage.POTENTIAL: "A5A5A5", Stage.NEW: "5B9BD5", Stage.GROWING: "A9D08E", Stage.MATURE: "548235",
    Stage.DECLINING: "FFC000", Stage.LAPSED: "C00000",
}
GONE_QUIET_FILL = "FFC7CE"
WHALE_FILL = "FFE699"
BIRTHDAY_FILL = "E2EFDA"
CALL_FIRST = 10  # the Call list's first rows, marked: phone them first


def currency_symbol(code: str, lang: str) -> str:
    """``CNY`` -> ``¥`` (``CN¥`` in English would be exact but reads oddly at a front desk)."""
    symbol = get_currency_symbol(code, locale="zh_CN" if lang == "zh" else "en_US")
    return symbol.replace("CN¥", "¥").replace("US$", "$")


def tier_fills(tiers: Iterable[tuple[int, str]]) -> dict[str, str]:
    """Each tier's name (in the book's language) -> its fill, by rank."""
    return {name: TIER_FILLS[min(rank, len(TIER_FILLS) - 1)] for rank, name in tiers if name}


def stage_fills(lang: str) -> dict[str, str]:
    return {label(stage, lang): fill for stage, fill in STAGE_FILLS.items()}


def status_look(tiers: Mapping[str, str], lang: str, currency: str) -> Look:
    """Member status (refresh.STATUS_COLUMNS)."""
    return Look(currency=currency, columns=(
        Col("id"), Col("name"), Col("choice", fills=tiers), Col("wrap"), Col("int"), Col("date"), Col("int"),
        Col("money"), Col("choice"), Col("text"), Col("choice"), Col("choice", fills=stage_fills(lang)), Col("wrap"),
        Col("date"), Col("int"), Col("money"), Col("flag", mark=GONE_QUIET_FILL), Col("flag", mark=WHALE_FILL),
        Col("date", mark=BIRTHDAY_FILL), Col("wrap", width=24), Col("wrap", width=36), Col("wrap", width=30),
    ))


def calls_look(tiers: Mapping[str, str], currency: str) -> Look:
    """The Call list (refresh.CALL_COLUMNS): what is needed to phone first, the outcome columns wide
    and rows two lines tall to write in by hand, the first rows marked."""
    return Look(currency=currency, landscape=True, priority_rows=CALL_FIRST, row_lines=2, columns=(
        Col("id", width=5), Col("id"), Col("name"), Col("id"), Col("choice", fills=tiers), Col("choice"),
        Col("wrap", width=60), Col("wrap", width=30), Col("wrap", width=64), Col("wrap", width=30),
        Col("wrap", width=12), Col("wrap", width=16), Col("date"), Col("id"), Col("write", width=10),
        Col("write", width=18), Col("date"), Col("write", width=7),
    ))


def call_log_look() -> Look:
    """The Call log (refresh.CALL_LOG_COLUMNS)."""
    return Look(columns=(Col("date"), Col("id"), Col("name"), Col("choice"), Col("wrap", width=40), Col("date"),
                         Col("choice"), Col("id")))


def dashboard_look(currency: str) -> Look:
    """The Dashboard: labels in A, counts and money in B and C; one landscape page."""
    return Look(currency=currency, table=False, landscape=True, fit_height=1, gridlines=False, sections=True,
                columns=(Col("text", width=30), Col("auto", width=15), Col("auto", width=11), Col("text", width=2),
                         *(Col("text", width=9.5) for _ in range(14))))


def today_look() -> Look:
    """Today's messages (daily.TODAY_COLUMNS)."""
    return Look(columns=(Col("date"), Col("text"), Col("id"), Col("name"), Col("choice"), Col("choice"), Col("text"),
                         Col("wrap", width=30), Col("wrap", width=50), Col("choice")))


def message_log_look() -> Look:
    """The Message log (daily.LOG_COLUMNS)."""
    return Look(columns=(Col("date"), Col("text"), Col("id"), Col("choice"), Col("choice"), Col("text"),
                         Col("choice"), Col("datetime"), Col("text"), Col("wrap", width=36)))


def check_look() -> Look:
    """The Check sheet (excel.check_sheet): where, level, what, what to do."""
    return Look(landscape=True, columns=(Col("text"), Col("choice"), Col("wrap", width=60), Col("wrap", width=44)))


def optouts_look() -> Look:
    """退订记录 Opt-outs received (optouts_received.COLUMNS): day, member, name, channel, address, how, what came."""
    return Look(columns=(Col("date"), Col("id"), Col("name"), Col("choice"), Col("text"), Col("choice"),
                         Col("wrap", width=30)))


def replies_look() -> Look:
    """短信回复 Replies (replies.REPLY_COLUMNS): when, from, members, names, the reply, what it meant, event, by."""
    return Look(columns=(Col("datetime"), Col("text"), Col("id"), Col("name"), Col("wrap", width=40), Col("choice"),
                         Col("id"), Col("choice")))


def vouchers_issued_look() -> Look:
    """Vouchers the tool issued (vouchers_issued): id, member, kind, value, issued, valid until, source, note."""
    return Look(columns=(Col("id"), Col("id"), Col("choice"), Col("auto"), Col("date"), Col("date"), Col("choice"),
                         Col("wrap", width=34)))


def report_look(width: int) -> Look:
    """The Report (效果报告): a paragraph (each sentence in column A, running on over the empty cells to
    its right), then blocks each with its title and header; ``width`` columns; one page wide, landscape."""
    return Look(table=False, landscape=True,
                columns=(Col("text", width=24), *(Col("auto", width=12) for _ in range(width - 1))))
