"""Cells as people type them: dates, money, phones, e-mails, yes/no, full-width digits."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from loyalsheet.model import Birthday
from loyalsheet.workbook import parse as P


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2026-05-03", date(2026, 5, 3)),
        ("2026/5/3", date(2026, 5, 3)),
        ("2026.5.3", date(2026, 5, 3)),
        ("2026年5月3日", date(2026, 5, 3)),
        ("２０２６－０５－０３", date(2026, 5, 3)),
        ("20260503", date(2026, 5, 3)),
        (46145, date(2026, 5, 3)),
        (46145.0, date(2026, 5, 3)),
        ("46145", date(2026, 5, 3)),
        (date(2026, 5, 3), date(2026, 5, 3)),
        ("2026-05-03 14:30", datetime(2026, 5, 3, 14, 30)),
        (46145.5, datetime(2026, 5, 3, 12, 0)),
        ("", None),
        (None, None),
    ],
)
def test_dates(raw: object, expected: object) -> None:
    assert P.parse_datetime(raw) == expected


@pytest.mark.parametrize(
    "raw, code",
    [("2026-02-30", "date_impossible"), ("yesterday", "date_unreadable"), ("上周三", "date_unreadable"),
     ("3/5/2026", "date_ambiguous"), (True, "date_unreadable"), (-5, "date_unreadable")],
)
def test_bad_dates(raw: object, code: str) -> None:
    with pytest.raises(P.CellError) as exc:
        P.parse_datetime(raw)
    assert exc.value.code == code


def test_birthdays_without_year_and_lunar() -> None:
    assert P.parse_birthday("5月3日") == Birthday(5, 3, None, False)
    assert P.parse_birthday("2/29") == Birthday(2, 29, None, False)
    assert P.parse_birthday("1990-08-15", lunar=True) == Birthday(8, 15, 1990, True)
    with pytest.raises(P.CellError):
        P.parse_birthday("2/30")


@pytest.mark.parametrize(
    "raw, expected",
    [(1200, Decimal(1200)), (1200.5, Decimal("1200.50")), ("¥1,200.50", Decimal("1200.50")),
     ("1200元", Decimal(1200)), ("￥３００", Decimal(300)), ("-120", Decimal(-120)), ("(50)", Decimal(-50)),
     ("HK$ 88", Decimal(88)), (0.1 + 0.2, Decimal("0.30"))],
)
def test_money(raw: object, expected: Decimal) -> None:
    assert P.parse_money(raw) == expected


@pytest.mark.parametrize("raw", ["一百二", "12.3.4", "abc", True])
def test_bad_money(raw: object) -> None:
    with pytest.raises(P.CellError):
        P.parse_money(raw)


@pytest.mark.parametrize(
    "raw, region, expected",
    [
        ("13812345678", "CN", "+8613812345678"),
        ("138 1234 5678", "CN", "+8613812345678"),
        ("+86 138-1234-5678", "CN", "+8613812345678"),
        (13812345678, "CN", "+8613812345678"),
        (13812345678.0, "CN", "+8613812345678"),
        ("１３８１２３４５６７８", "CN", "+8613812345678"),
        ("+852 6123 4567", "CN", "+85261234567"),
        ("61234567", "HK", "+85261234567"),
    ],
)
def test_phones(raw: object, region: str, expected: str) -> None:
    parsed = P.parse_phone(raw, region)
    assert parsed is not None
    assert parsed == expected


@pytest.mark.parametrize("raw", ["138-0013", "call me", "12"])
def test_bad_phones(raw: str) -> None:
    with pytest.raises(P.CellError) as exc:
        P.parse_phone(raw, "CN")
    assert exc.value.code == "phone_unreadable"


def test_emails() -> None:
    assert P.parse_email(" Li.Na@QQ.com ") == "Li.Na@qq.com"
    for bad in ("wang.li@@qq.com", "li@qq", "no at sign"):
        with pytest.raises(P.CellError):
            P.parse_email(bad)


@pytest.mark.parametrize("raw", ["yes", "Y", "TRUE", 1, "是", "✓", "√", True, "ｙｅｓ"])
def test_yes(raw: object) -> None:
    assert P.parse_yesno(raw) is True


@pytest.mark.parametrize("raw", ["no", "n", "False", 0, "否", "✗", "×", False])
def test_no(raw: object) -> None:
    assert P.parse_yesno(raw) is False


def test_yesno_blank_and_bad() -> None:
    assert P.parse_yesno("") is None
    with pytest.raises(P.CellError):
        P.parse_yesno("maybe")


def test_choices_in_both_languages() -> None:
    assert P.parse_choice("消费", "txn_type") == "purchase"
    assert P.parse_choice("Top Up", "txn_type") == "top-up"
    assert P.parse_choice("储值", "paid_with") == "stored value"
    assert P.parse_choice("付费型", "membership") == "paid"
    with pytest.raises(P.CellError) as exc:
        P.parse_choice("买东西", "txn_type")
    assert "purchase" in exc.value.params["choices"]


def test_ints_and_ids() -> None:
    assert P.parse_int("５００") == 500
    assert P.parse_int("-200") == -200
    assert P.parse_int(300.0) == 300
    assert P.parse_int("300分") == 300
    with pytest.raises(P.CellError):
        P.parse_int(2.5)
    assert P.parse_id(1001.0) == "1001"
    assert P.parse_id(" Ｍ００１ ") == "M001"


# --- the fast paths agree with the libraries ---------------------------------------------------------

_COUNTRY_CODES = {"CN": "86", "HK": "852", "US": "1"}
# national numbers shaped like each region's real ones, plus anything of phone length
_NATIONAL = {  # [0-9], not \d: hypothesis would write other scripts' digits
    "CN": r"1[3-9][0-9]{9}|1[0-2][0-9]{8,9}|179[0-9]{8}|(?:10|2[0-9]|[3-9][0-9][0-9])[0-9]{7,8}|0[0-9]{9,11}"
          r"|86[0-9]{9}",
    "HK": r"[2-9][0-9]{7}|852[0-9]{8}|[0-9]{5,9}",
    "US": r"[2-9][0-9][0-9][2-9][0-9]{6}|1[0-9]{10}|[0-9]{7,11}",
}
_PREFIXES = ("", "", "", "", "", "+{cc}", "+{cc} ", "+{cc}-", "(+{cc}) ", "00{cc}", "00{cc} ", "011{cc}", "{cc}", "0",
             "+", "+86 ", "+852 ", "+1 ", "0086", "00852", "001", "17951", "12593")


@st.composite
def typed_phones(draw: st.DrawFn) -> tuple[str, str]:
    """(the store's region, a phone number as someone might type it: often another country's)."""
    region = draw(st.sampled_from(sorted(_NATIONAL)))
    country = draw(st.sampled_from([region, region, *sorted(_NATIONAL)]))
    shaped = st.from_regex(_NATIONAL[country], fullmatch=True)
    digits = draw(st.one_of(shaped, shaped, shaped, st.text("0123456789", min_size=5, max_size=14),
                            st.text("0123456789１٣", min_size=5, max_size=14)))
    text = draw(st.sampled_from(_PREFIXES)).format(cc=_COUNTRY_CODES[country]) + digits
    for _ in range(draw(st.sampled_from([0, 0, 1, 2, 3]))):  # separators anywhere, as people type them
        at = draw(st.integers(0, len(text)))
        separator = draw(st.sampled_from([" ", " ", "-", "-", ".", "(", ")", "  ", "\t", "\u3000", "/"]))
        text = text[:at] + separator + text[at:]
    return region, text


def _phonenumbers_e164(text: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@given(typed_phones())
@example(("CN", "13812345678"))
@example(("CN", "0086 138-1234-5678"))
@example(("CN", "010 1234 5678"))
@example(("CN", "17951 13812345678"))
@example(("HK", "00852 6123 4567"))
@example(("US", "1 212 555 1234"))
@example(("CN", "+062249957619"))
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_phone_fast_path_agrees_with_phonenumbers(case: tuple[str, str]) -> None:
    region, text = case
    fast = P.fast_phone(text, region)
    if fast is not None:  # every fast answer is phonenumbers' valid E.164 answer
        assert fast == _phonenumbers_e164(text, region)
    try:  # and parse_phone, fast path or not, says what it said before there was one
        parsed: str | None = P.parse_phone(text, region)
    except P.CellError as err:
        assert err.code == "phone_unreadable"
        parsed = None
    folded = P.fold(text)
    typed_enough = re.search(r"\d{5}", re.sub(r"[\s\-().]", "", folded))
    assert parsed == (_phonenumbers_e164(folded, region) if typed_enough else None)


@pytest.mark.parametrize(
    "region, text",
    [("CN", "13812345678"), ("CN", "138 1234 5678"), ("CN", "+86 138-1234-5678"), ("CN", "0086 13812345678"),
     ("CN", "(+86) 138.1234.5678"), ("CN", "1012345678"), ("HK", "6123 4567"), ("HK", "+852 6123 4567"),
     ("US", "(212) 555-1234"), ("US", "+1 212 555 1234"), ("CN", "+852 6123 4567"), ("CN", "00852 6123 4567"),
     ("CN", "+1 212-555-1234"), ("HK", "+86 13812345678")],
)
def test_phone_fast_path_takes_plain_numbers(region: str, text: str) -> None:
    assert P.fast_phone(text, region) == _phonenumbers_e164(text, region) is not None


@pytest.mark.parametrize(
    "region, text",
    [("CN", "010 1234 5678"), ("CN", "17951 13812345678"), ("CN", "8613812345678"), ("CN", "+86 010 1234 5678"),
     ("HK", "00852 6123 4567"), ("US", "1 212 555 1234"), ("CN", "138\t1234 5678"), ("CN", "138-0013"),
     ("GG", "+44 7781 123456"), ("CN", "+7 912 345 6789"), ("CN", "+800 1234 5678"), ("CN", "+062249957619")],
)
def test_phone_fast_path_leaves_the_rest_to_phonenumbers(region: str, text: str) -> None:
    assert P.fast_phone(text, region) is None


_LOCAL = r"[A-Za-z0-9_+\-]{1,12}(?:\.[A-Za-z0-9_+\-]{1,8}){0,2}|info|Postmaster|[a-z.]{1,6}|[a-zé!#]{1,5}"
_DOMAIN = r"(?:[A-Za-z0-9\-]{1,10}\.){1,3}[A-Za-z0-9\-]{1,6}|qq\.com|163\.COM|localhost|xn--fiqs8s\.cn|a\.invalid"


@given(st.one_of(st.from_regex(f"(?:{_LOCAL})@(?:{_DOMAIN})", fullmatch=True),
                 st.text("ab.@-_+1Z", min_size=3, max_size=20),
                 st.builds(lambda n: "a" * n + "@qq.com", st.integers(240, 260))))
@example("Li.Na@QQ.com")
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_email_fast_path_agrees_with_email_validator(text: str) -> None:
    try:
        expected: str | None = validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        expected = None
    fast = P.fast_email(text)
    if fast is not None:
        assert fast == expected
    try:
        parsed = P.parse_email(text)
    except P.CellError as err:
        assert err.code == "email_unreadable"
        parsed = None
    assert parsed == (expected if text.strip() else None)


def test_email_fast_path_takes_plain_addresses() -> None:
    assert P.fast_email("feng_jiaqing@126.com") == "feng_jiaqing@126.com"
    assert P.fast_email("Li.Na@QQ.com") == "Li.Na@qq.com"
    assert P.fast_email("info@qq.com") is None  # email_validator lowercases role mailboxes
    assert P.fast_email("x@xn--fiqs8s.cn") is None
