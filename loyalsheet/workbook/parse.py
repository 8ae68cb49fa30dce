"""Turn what a person typed in a cell into a typed value, or say clearly why it cannot be.

Each parser takes the raw cell value (as the spreadsheet reader gives it: str, int, float, bool,
date, datetime or None) and returns the typed value, ``None`` for an empty cell, or raises
:class:`CellError` with a problem code and the parameters for its message.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

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


# --- the phone fast path ---------------------------------------------------------------------------
# phonenumbers.parse costs ~50 µs a number, and a chain's member sheet has 100,000 of them. Most are
# typed plainly ("13812345678", "+86 138-1234-5678"), and for those the answer can be read straight off
# the region's metadata: a national number that matches the region's general pattern and its fixed-line
# or mobile pattern (lengths included) is exactly what phonenumbers calls valid, and its E.164 form is
# "+" + country code + national number. A number typed with "+" (or the region's international prefix)
# and a country code is read the same way with that country's metadata. Anything less plain -- a trunk
# prefix or carrier code (CN's leading 0 or 1xxxx), a country code typed without "+", a region sharing
# its country code, letters, odd separators -- goes through phonenumbers unchanged. tests/test_parse.py
# checks the two agree on random numbers.

_PhoneDesc = tuple[re.Pattern[str], frozenset[int]]


@dataclass(frozen=True)
class _PhoneRegion:
    country_code: str
    idd: re.Pattern[str] | None  # the international prefix dialled from this region ("00", "011")
    national_prefix: str | None
    national_prefix_for_parsing: re.Pattern[str] | None
    general: _PhoneDesc
    fixed_line: _PhoneDesc | None
    mobile: _PhoneDesc | None
    same_mobile_and_fixed_line_pattern: bool


_PHONE_SEPARATORS = re.compile(r"[ \-().]")  # punctuation phonenumbers itself skips ("\s" would take tabs too)
_PLAIN_PHONE = re.compile(r"\+?[0-9]+")
_PHONE_MAX_INPUT = 250  # phonenumbers refuses longer input


def _phone_desc(desc: Any) -> _PhoneDesc | None:
    pattern = getattr(desc, "national_number_pattern", None)
    if not pattern:
        return None
    return re.compile(pattern), frozenset(desc.possible_length or ())


def _desc_matches(number: str, desc: _PhoneDesc | None) -> bool:
    """phonenumbers' _is_number_matching_desc: the possible lengths (when listed), then the whole pattern."""
    if desc is None:
        return False
    pattern, lengths = desc
    return (not lengths or len(number) in lengths) and pattern.fullmatch(number) is not None


@lru_cache(maxsize=64)
def _phone_region(region: str) -> _PhoneRegion | None:
    """What the fast path needs of ``region``'s metadata; None when the region is not plain enough to shortcut."""
    if region not in phonenumbers.SUPPORTED_REGIONS:
        return None
    md = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if md is None or md.country_code is None:
        return None
    code = str(md.country_code)
    # is_valid_number picks the region from the number: only shortcut the main region of its country code,
    # and only when phonenumbers will try it by its patterns (no leading-digits rule).
    if phonenumbers.region_code_for_country_code(md.country_code) != region:
        return None
    if len(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(md.country_code, ())) > 1 and md.leading_digits is not None:
        return None
    # "+{code}..." must read as this country code, never a shorter one
    if any(int(code[:i]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE for i in range(1, len(code))):
        return None
    general = _phone_desc(md.general_desc)
    if general is None:
        return None
    return _PhoneRegion(
        country_code=code,
        idd=re.compile(md.international_prefix) if md.international_prefix else None,
        national_prefix=md.national_prefix or None,
        national_prefix_for_parsing=re.compile(md.national_prefix_for_parsing)
        if md.national_prefix_for_parsing else None,
        general=general,
        fixed_line=_phone_desc(md.fixed_line),
        mobile=_phone_desc(md.mobile),
        same_mobile_and_fixed_line_pattern=bool(md.same_mobile_and_fixed_line_pattern),
    )


def _phone_country(digits: str) -> _PhoneRegion | None:
    """The plain region of the country code ``digits`` start with, read as phonenumbers reads it after a "+"."""
    if not digits or digits[0] == "0":
        return None  # no country code starts with 0 (and int() would drop it)
    for i in range(1, min(len(digits), 3) + 1):
        code = int(digits[:i])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return _phone_region(phonenumbers.region_code_for_country_code(code))
    return None


def fast_phone(text: str, region: str) -> str | None:
    """The E.164 form of a plainly typed, certainly valid number; None when phonenumbers must decide.

    ``region`` is the store's region, for numbers typed without "+" and a country code. Every answer
    equals what ``phonenumbers.parse`` + ``is_valid_number`` + E.164 formatting give.
    """
    home = _phone_region(region)
    if home is None or len(text) > _PHONE_MAX_INPUT:
        return None
    s = _PHONE_SEPARATORS.sub("", text)
    if _PLAIN_PHONE.fullmatch(s) is None:
        return None
    if s[0] == "+":
        international = s[1:]
    else:
        idd = home.idd.match(s) if home.idd is not None else None
        if idd is None:
            if s.startswith(home.country_code):
                return None  # phonenumbers may read the country code off a number typed without "+"
            return _fast_national(s, home)
        international = s[idd.end():]
        if not international or international[0] == "0":
            return None  # phonenumbers would not take it as an international prefix
    info = _phone_country(international)
    if info is None:
        return None
    return _fast_national(international[len(info.country_code):], info)


def _fast_national(national: str, info: _PhoneRegion) -> str | None:
    if not national or national[0] == "0":
        return None
    if info.national_prefix is not None and national.startswith(info.national_prefix):
        return None
    if info.national_prefix_for_parsing is not None and info.national_prefix_for_parsing.match(national):
        return None  # a trunk prefix or carrier code phonenumbers might strip
    if not _desc_matches(national, info.general):
        return None
    # phonenumbers' _number_type_helper: fixed line, or mobile when its pattern differs (checked first here)
    if (not info.same_mobile_and_fixed_line_pattern and _desc_matches(national, info.mobile)) or _desc_matches(
        national, info.fixed_line
    ):
        return "+" + info.country_code + national
    return None


_PHONE_STRIP = re.compile(r"[\s\-().]")
_FIVE_DIGITS = re.compile(r"\d{5}")


def parse_phone(value: object, region: str) -> str | None:
    """The number in E.164, read with the store's default region when typed without a country code."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = fold(str(value))
    if not _FIVE_DIGITS.search(_PHONE_STRIP.sub("", text)):
        raise CellError("phone_unreadable")
    fast = fast_phone(text, region)
    if fast is not None:
        return fast
    return _parse_phone_text(text, region)


# --- the e-mail fast path --------------------------------------------------------------------------
# email_validator spends most of its ~40 µs an address on the domain (IDNA/UTS-46 checks), and a member
# sheet has a handful of domains. An address that is a plain ASCII dot-atom local part (email_validator
# returns those unchanged), an ASCII host name and no more than 254 characters is valid exactly when its
# domain is; so the domain is checked once, by email_validator itself, and remembered. Anything else
# (quotes, display names, non-ASCII, IDNA "xn--" domains, the RFC 2142 role names it lowercases) goes
# through email_validator unchanged. tests/test_parse.py checks the two agree on random addresses.

_PLAIN_EMAIL = re.compile(r"([A-Za-z0-9_+\-]+(?:\.[A-Za-z0-9_+\-]+)*)@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)")
_EMAIL_MAX_LENGTH = 254
_ROLE_MAILBOXES = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)


@lru_cache(maxsize=4096)
def _email_domain(domain: str) -> str | None:
    """The normalized form of a plain ASCII domain when email_validator accepts it, else None."""
    try:
        normalized = validate_email("a@" + domain, check_deliverability=False).domain
    except EmailNotValidError:
        return None
    return normalized if normalized == domain.lower() else None


def fast_email(text: str) -> str | None:
    """email_validator's normalized form of a plainly typed address; None when email_validator must decide."""
    if len(text) > _EMAIL_MAX_LENGTH:
        return None
    m = _PLAIN_EMAIL.fullmatch(text)
    if m is None or m[1].lower() in _ROLE_MAILBOXES:
        return None
    domain = _email_domain(m[2])
    return None if domain is None else m[1] + "@" + domain


def parse_email(value: object) -> str | None:
    if is_blank(value):
        return None
    text = fold(str(value))
    fast = fast_email(text)
    if fast is not None:
        return fast
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


_ZHE = re.compile(r"^(\d+(?:\.\d+)?)折$")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%?$")


def parse_percent_off(value: object) -> Decimal | None:
    """A percentage off: ``10%``, ``10``, an Excel percent cell (0.1), or a Chinese discount ``9折`` /
    ``88折`` / ``8.8折`` (10% / 12% / 12% off). Raises ``percent_unreadable`` unless between 0 and 100."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError("percent_unreadable")
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        off = number * 100 if 0 < number < 1 else number
    else:
        s = fold(str(value)).replace(" ", "")
        zhe = _ZHE.match(s)
        plain = _PERCENT.match(s)
        if zhe is not None:
            n = Decimal(zhe.group(1))
            off = (10 - n) * 10 if n < 10 else 100 - n
        elif plain is not None:
            off = Decimal(plain.group(1))
        else:
            raise CellError("percent_unreadable")
    if not 0 < off < 100:
        raise CellError("percent_unreadable")
    return off.quantize(Decimal(1)) if off == off.to_integral_value() else off


def parse_voucher_value(value: object, kind: str) -> tuple[Decimal | None, str | None]:
    """A voucher's Value by its Kind: money off (cash), a percentage off (percent) or a gift's name."""
    if kind == "cash":
        amount = parse_money(value)
        if amount is not None and amount <= 0:
            raise CellError("money_unreadable")
        return amount, None
    if kind == "percent":
        return parse_percent_off(value), None
    text = clean_text(value)
    return None, text
