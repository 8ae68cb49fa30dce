"""Turn what a person typed in a cell into a typed value, or say clearly why it cannot be.

Each parser takes the raw cell value (as the spreadsheet reader gives it: str, int, float, bool,
date, datetime or None) and returns the typed value, ``None`` for an empty cell, or raises
:class:`CellError` with a problem code and the parameters for its message.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from ..model import Birthday
from .schema import CHOICES


class CellError(Exception):
    """A cell's value cannot be read; ``code`` names the problem, ``params`` fill its message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


EXCEL_EPOCH = date(1899, 12, 30)
_MAX_SERIAL = 2958465  # 9999-12-31


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_text(value: object) -> str | None:
    """Text as typed, trimmed; whole numbers typed into text cells lose their ``.0``."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = str(value).strip()
    return s or None


def fold(value: str) -> str:
    """Full-width to half-width (NFKC) and trimmed: "１３８" -> "138"."""
    return unicodedata.normalize("NFKC", value).strip()


def parse_id(value: object) -> str | None:
    s = clean_text(value)
    return fold(s) if s is not None else None


_YMD = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?$"
)
_MD = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DMY_LIKE = re.compile(r"^\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}$")


def _serial_to_datetime(serial: float) -> datetime:
    if not 1 <= serial <= _MAX_SERIAL:
        raise CellError("date_unreadable")
    return datetime.combine(EXCEL_EPOCH, time()) + timedelta(days=serial)


def parse_datetime(value: object) -> datetime | date | None:
    """A date, or a date-time when a time of day was typed. Accepts Excel dates and serials too."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellError("date_unreadable")
    if isinstance(value, (int, float)):
        dt = _serial_to_datetime(float(value))
        return dt.date() if dt.time() == time() else dt
    if isinstance(value, time):
        raise CellError("date_unreadable")
    s = fold(str(value))
    m = _YMD.match(s)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        try:
            if m[4] is not None:
                return datetime(y, mo, d, int(m[4]), int(m[5]), int(m[6] or 0))
            return date(y, mo, d)
        except ValueError:
            raise CellError("date_impossible") from None
    if re.fullmatch(r"\d{8}", s):  # 20260503
        try:
            return date(int(s[:4]), int(s[4:6]), int(s[6:]))
        except ValueError:
            raise CellError("date_impossible") from None
    if re.fullmatch(r"\d+(\.\d+)?", s):  # a serial typed as text
        return parse_datetime(float(s))
    if _DMY_LIKE.match(s):
        raise CellError("date_ambiguous")
    raise CellError("date_unreadable")


def parse_date(value: object) -> date | None:
    result = parse_datetime(value)
    if isinstance(result, datetime):
        return result.date()
    return result


def parse_birthday(value: object, lunar: bool = False) -> Birthday | None:
    """A birthday; the year may be left out (``5/3``, ``5月3日``). Feb 29 is allowed without a year."""
    if is_blank(value):
        return None
    if isinstance(value, str):
        m = _MD.match(fold(value))
        if m:
            month, day = int(m[1]), int(m[2])
            try:
                date(2000, month, day)  # a leap year, so 2/29 is a real birthday
            except ValueError:
                raise CellError("date_impossible") from None
            if lunar and day > 30:
                raise CellError("lunar_day_impossible")
            return Birthday(month, day, None, lunar)
    d = parse_date(value)
    if d is None:
        return None
    if lunar and d.day > 30:
        raise CellError("lunar_day_impossible")
    return Birthday(d.month, d.day, d.year, lunar)


_MONEY_STRIP = re.compile(r"(?i)(hk\$|us\$|rmb|cny|hkd|usd|[¥￥$€£,\s元圆块]|yuan)")


def parse_money(value: object) -> Decimal | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError("money_unreadable")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)).quantize(Decimal("0.01")) if value != int(value) else Decimal(int(value))
    s = fold(str(value))
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    s = _MONEY_STRIP.sub("", s)
    if s.startswith("-"):
        negative, s = not negative, s[1:]
    elif s.startswith("+"):
        s = s[1:]
    if not re.fullmatch(r"\d+(\.\d{1,4})?|\.\d{1,4}", s):
        raise CellError("money_unreadable")
    try:
        amount = Decimal(s)
    except InvalidOperation:
        raise CellError("money_unreadable") from None
    return -amount if negative else amount


def parse_int(value: object) -> int | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError("int_unreadable")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError("int_not_whole")
    s = fold(str(value)).replace(",", "")
    s = re.sub(r"(分|次|天|个月|月|points?|pts|days?|months?|sessions?)$", "", s, flags=re.I).strip()
    if re.fullmatch(r"[+-]?\d+", s):
        return int(s)
    if re.fullmatch(r"[+-]?\d+\.0*", s):
        return int(float(s))
    if re.fullmatch(r"[+-]?\d*\.\d+", s):
        raise CellError("int_not_whole")
    raise CellError("int_unreadable")


@lru_cache(maxsize=8192)
def _parse_phone_text(text: str, region: str) -> str:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise CellError("phone_unreadable") from None
    if not phonenumbers.is_valid_number(number):  # a digit missing or too many: messages would fail
        raise CellError("phone_unreadable")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_phone(value: object, region: str) -> str | None:
    """The number in E.164, read with the store's default region when typed without a country code."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = fold(str(value))
    if not re.search(r"\d{5}", re.sub(r"[\s\-().]", "", text)):
        raise CellError("phone_unreadable")
    return _parse_phone_text(text, region)


def parse_email(value: object) -> str | None:
    if is_blank(value):
        return None
    text = fold(str(value))
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise CellError("email_unreadable") from None


_YES = {"yes", "y", "true", "1", "是", "✓", "✔", "√", "对", "有", "ok", "同意", "t"}
_NO = {"no", "n", "false", "0", "否", "✗", "✘", "×", "x", "不", "无", "不同意", "f"}


def parse_yesno(value: object) -> bool | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if value in (0, 1):
            return bool(value)
        raise CellError("yesno_unreadable")
    s = fold(str(value)).casefold()
    if s in _YES:
        return True
    if s in _NO:
        return False
    raise CellError("yesno_unreadable")


def parse_gender(value: object) -> str | None:
    if is_blank(value):
        return None
    s = fold(str(value)).casefold()
    if s in ("f", "female", "女", "woman", "w"):
        return "F"
    if s in ("m", "male", "男", "man"):
        return "M"
    raise CellError("gender_unreadable")


@lru_cache(maxsize=32)
def _choice_table(name: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for canonical, words in CHOICES[name].items():
        for word in (canonical, *words):
            table[fold(word).casefold()] = canonical
            table[fold(word).casefold().replace(" ", "").replace("-", "")] = canonical
    return table


def parse_choice(value: object, name: str) -> str | None:
    if is_blank(value):
        return None
    s = fold(str(value)).casefold()
    table = _choice_table(name)
    found = table.get(s) or table.get(s.replace(" ", "").replace("-", ""))
    if found is None:
        chinese = [next((w for w in words if any("\u4e00" <= ch <= "\u9fff" for ch in w)), c)
                   for c, words in CHOICES[name].items()]
        raise CellError("choice_unknown", choices=", ".join(CHOICES[name]), choices_zh="、".join(chinese))
    return found


def parse_list(value: object) -> tuple[str, ...]:
    s = clean_text(value)
    if s is None:
        return ()
    parts = re.split(r"[,，、;；]", fold(s))
    return tuple(p.strip() for p in parts if p.strip())
