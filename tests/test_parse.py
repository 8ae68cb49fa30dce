"""Cells as people type them: dates, money, phones, e-mails, yes/no, full-width digits."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

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
