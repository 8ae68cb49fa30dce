"""The demo book: deterministic, readable cell by cell, and consistent (balances, points, cards, families)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from openpyxl import load_workbook

from loyalsheet.config import parse_config
from loyalsheet.demo import DemoBook, config_text, generate, write_demo
from loyalsheet.errors import LoyalsheetError
from loyalsheet.i18n import has
from loyalsheet.workbook import parse
from loyalsheet.workbook.schema import SHEETS, SHEETS_BY_KEY, bilingual_header, bilingual_title

TODAY = date(2026, 11, 20)
STORES = ("旗舰店",)


def col(sheet: str, key: str) -> int:
    return [c.key for c in SHEETS_BY_KEY[sheet].columns].index(key)


M_ID, M_NAME, M_PHONE, M_EMAIL = (col("members", k) for k in ("member_id", "name", "phone", "email"))
M_BIRTHDAY, M_LUNAR, M_JOINED = (col("members", k) for k in ("birthday", "lunar_birthday", "joined"))
M_TYPE, M_PAID_UNTIL, M_FAMILY, M_REF = (
    col("members", k) for k in ("membership", "paid_until", "family_of", "referred_by")
)
T_DATE, T_MEMBER, T_TYPE, T_AMOUNT, T_POINTS, T_PAID = (
    col("transactions", k) for k in ("date", "member_id", "type", "amount", "points", "paid_with")
)
T_GIFT, T_COURSE, T_SPECIAL, T_STORE = (
    col("transactions", k) for k in ("gift_card", "course_card", "special_offer", "store")
)


@pytest.fixture(scope="module")
def book() -> DemoBook:
    return generate(members=600, years=2, seed=7, today=TODAY, stores=STORES)


@pytest.fixture(scope="module")
def mistaken() -> DemoBook:
    return generate(members=600, years=2, seed=7, today=TODAY, stores=STORES, with_mistakes=True)


def money(value: object) -> Decimal:
    return Decimal(str(value))


def cell_errors(book: DemoBook, region: str = "CN") -> dict[tuple[str, int, str], str]:
    """Read every cell with the project's own parsers: (sheet, row, column) -> problem code."""
    errors: dict[tuple[str, int, str], str] = {}
    for sheet in SHEETS:
        keys = [c.key for c in sheet.columns]
        for n, row in enumerate(book.rows[sheet.key], start=2):
            assert len(row) == len(sheet.columns), (sheet.key, n, row)
            values = dict(zip(keys, row, strict=True))
            for column, value in zip(sheet.columns, row, strict=True):
                try:
                    kind = column.kind
                    if kind in ("date", "datetime"):
                        parse.parse_datetime(value)
                    elif kind == "money":
                        parse.parse_money(value)
                    elif kind == "int":
                        parse.parse_int(value)
                    elif kind == "phone":
                        result = parse.parse_phone(value, region)
                        if result is not None and not result[1]:
                            raise parse.CellError("phone_invalid")
                    elif kind == "email":
                        parse.parse_email(value)
                    elif kind == "yesno":
                        parse.parse_yesno(value)
                    elif kind == "gender":
                        parse.parse_gender(value)
                    elif kind == "birthday":
                        parse.parse_birthday(value, bool(parse.parse_yesno(values.get("lunar_birthday"))))
                    elif kind.startswith("choice:"):
                        parse.parse_choice(value, kind.split(":", 1)[1])
                    if column.required and parse.is_blank(value):
                        raise parse.CellError("required_missing")
                except parse.CellError as exc:
                    errors[(sheet.key, n, column.key)] = exc.code
    return errors


def by_member(book: DemoBook) -> dict[str, list[list[Any]]]:
    result: dict[str, list[list[Any]]] = defaultdict(list)
    for row in book.rows["transactions"]:
        result[row[T_MEMBER]].append(row)
    return result


# --- determinism and scale ---------------------------------------------------------------------------


def test_same_seed_same_book_and_other_seed_another(book: DemoBook) -> None:
    again = generate(members=600, years=2, seed=7, today=TODAY, stores=STORES)
    assert again.rows == book.rows
    other = generate(members=600, years=2, seed=8, today=TODAY, stores=STORES)
    assert other.rows["members"] != book.rows["members"]
    assert other.rows["transactions"] != book.rows["transactions"]


def test_transactions_scale_with_members_and_years() -> None:
    two_years = len(generate(members=300, years=2, seed=1, today=TODAY).rows["transactions"])
    one_year = len(generate(members=300, years=1, seed=1, today=TODAY).rows["transactions"])
    assert 2500 <= two_years <= 4000
    assert 0.35 <= one_year / two_years <= 0.75


def test_empty_book_has_every_sheet() -> None:
    empty = generate(members=0, today=TODAY)
    assert set(empty.rows) == {s.key for s in SHEETS}
    assert empty.rows["members"] == [] and empty.rows["transactions"] == []


# --- every cell reads back ---------------------------------------------------------------------------


def test_every_cell_reads_with_the_project_parsers(book: DemoBook) -> None:
    assert cell_errors(book) == {}


def test_phones_are_valid_unique_and_typed_in_many_ways(book: DemoBook) -> None:
    phones = [r[M_PHONE] for r in book.rows["members"] if r[M_PHONE] is not None]
    phones += [r[col("gift_cards", "friend_phone")] for r in book.rows["gift_cards"]]
    phones += [r[col("opt_outs", "phone")] for r in book.rows["opt_outs"] if r[col("opt_outs", "phone")]]
    e164 = []
    for phone in phones:
        number = phonenumbers.parse(str(phone), "CN")
        assert phonenumbers.is_valid_number(number), phone
        e164.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    member_numbers = e164[: len([r for r in book.rows["members"] if r[M_PHONE] is not None])]
    assert len(set(member_numbers)) == len(member_numbers)
    regions = Counter(phonenumbers.region_code_for_number(phonenumbers.parse(n)) for n in e164)
    assert regions["CN"] > 0.85 * len(e164) and regions["HK"] and regions["US"]
    assert any(isinstance(p, int) for p in phones)
    assert any(isinstance(p, str) and p.startswith("+86 ") for p in phones)
    assert any(isinstance(p, str) and p.count(" ") == 2 and p[0] == "1" for p in phones)


def test_members_look_like_a_salons_members(book: DemoBook) -> None:
    members = book.rows["members"]
    ids = [r[M_ID] for r in members]
    assert ids == [f"M{i:05d}" for i in range(1, len(members) + 1)]
    chinese = [r for r in members if all("\u4e00" <= ch <= "\u9fff" for ch in r[M_NAME])]
    english = [r for r in members if r[M_NAME].isascii()]
    assert len(chinese) > 0.85 * len(members) and english
    assert all(r[col("members", "language")] == "en" for r in english)
    contact = Counter((r[M_PHONE] is not None, r[M_EMAIL] is not None) for r in members)
    assert contact[(False, False)] == 0
    assert contact[(True, False)] > contact[(True, True)] > contact[(False, True)] > 0
    genders = Counter(r[col("members", "gender")] for r in members)
    assert genders["女"] > 5 * genders["男"] > 0
    birthdays = [r[M_BIRTHDAY] for r in members]
    assert any(isinstance(b, date) for b in birthdays) and any(isinstance(b, str) and "月" in b for b in birthdays)
    lunar = [r for r in members if r[M_LUNAR] == "是"]
    assert 0.08 * len(members) < len(lunar) < 0.22 * len(members)
    for r in members:
        assert r[M_JOINED] <= TODAY
        b = r[M_BIRTHDAY]
        if isinstance(b, date):
            assert 17 <= TODAY.year - b.year <= 76
    kinds = Counter(r[M_TYPE] for r in members)
    assert kinds["消费型"] > kinds["储值型"] > 0 and kinds["付费型"] > 0
    assert {r[col("members", "store")] for r in members} == set(STORES)


def test_referrals_and_families(book: DemoBook) -> None:
    members = {r[M_ID]: r for r in book.rows["members"]}
    order = list(members)
    referred = [r for r in members.values() if r[M_REF]]
    assert 0.05 * len(members) < len(referred) < 0.2 * len(members)
    for r in referred:
        assert order.index(r[M_REF]) < order.index(r[M_ID])
    family = Counter(r[M_FAMILY] for r in members.values() if r[M_FAMILY])
    assert family
    for holder_id, count in family.items():
        holder = members[holder_id]
        assert count <= 3
        assert holder[M_TYPE] == "储值型"
        assert holder[M_FAMILY] is None  # no chains, so no cycles
    assert all(r[M_FAMILY] != r[M_ID] for r in members.values())


# --- transactions ------------------------------------------------------------------------------------


def test_transactions_are_sorted_in_shop_hours_and_never_after_today(book: DemoBook) -> None:
    txns = book.rows["transactions"]
    joined = {r[M_ID]: r[M_JOINED] for r in book.rows["members"]}
    days = [r[T_DATE] for r in txns]
    assert days == sorted(days)
    for r in txns:
        when = r[T_DATE]
        assert isinstance(when, datetime)
        assert when.date() <= TODAY
        assert time(10) <= when.time() < time(21)
        assert when.date() >= joined[r[T_MEMBER]]
    assert days[0].date() >= TODAY - timedelta(days=731)
    types = Counter(r[T_TYPE] for r in txns)
    assert set(types) == {"消费", "充值", "积分兑换", "退款", "年费", "次卡核销"}
    assert types["消费"] > 0.8 * len(txns)
    for r in txns:
        if r[T_TYPE] in ("积分兑换", "次卡核销"):
            assert r[T_AMOUNT] is None
        else:
            assert isinstance(r[T_AMOUNT], (int, float)) and r[T_AMOUNT] > 0
        if r[T_TYPE] == "消费":
            assert r[col("transactions", "category")] in ("护肤", "彩妆", "美发", "面部护理", "按摩")
    assert any(r[T_SPECIAL] == "是" for r in txns)


def test_personas_each_have_members(book: DemoBook) -> None:
    txns = by_member(book)
    members = book.rows["members"]
    never = [r for r in members if r[M_ID] not in txns]
    new = [r for r in members if r[M_JOINED] > TODAY - timedelta(days=90) and r[M_ID] in txns]
    quiet = []
    for r in members:
        visits = [t[T_DATE].date() for t in txns.get(r[M_ID], []) if t[T_TYPE] == "消费"]
        if len(visits) >= 5 and timedelta(days=120) <= TODAY - visits[-1] <= timedelta(days=250):
            quiet.append(r)
    big = [m for m, rows in txns.items() if any(t[T_TYPE] == "消费" and t[T_AMOUNT] >= 2000 for t in rows)]
    weekly = [m for m, rows in txns.items() if sum(t[T_TYPE] == "消费" for t in rows) >= 40]
    assert never and new and quiet and big and weekly


def test_stored_value_is_never_overdrawn(book: DemoBook) -> None:
    members = {r[M_ID]: r for r in book.rows["members"]}
    holder_of = {}
    for mid, r in members.items():
        if r[M_TYPE] == "储值型":
            holder_of[mid] = mid
        elif r[M_FAMILY]:
            holder_of[mid] = r[M_FAMILY]
    balance: dict[str, Decimal] = defaultdict(Decimal)
    payments = top_ups = family_payments = 0
    for r in book.rows["transactions"]:
        mid = r[T_MEMBER]
        if r[T_TYPE] == "充值":
            assert members[mid][M_TYPE] == "储值型"
            assert r[T_AMOUNT] in (1000, 2000, 5000)
            balance[mid] += money(r[T_AMOUNT])
            top_ups += 1
        elif r[T_PAID] == "储值":
            assert r[T_TYPE] == "消费" and mid in holder_of
            balance[holder_of[mid]] -= money(r[T_AMOUNT])
            assert balance[holder_of[mid]] >= 0, r
            payments += 1
            family_payments += holder_of[mid] != mid
    assert top_ups and payments and family_payments


def test_redemptions_never_exceed_points_earned(book: DemoBook) -> None:
    """1 point per yuan on cash and card purchases (not special offers), less refunds and redemptions."""
    redemptions = 0
    for rows in by_member(book).values():
        held = 0
        ledger: list[tuple[date, int]] = []
        for r in rows:
            day = r[T_DATE].date()
            if r[T_TYPE] == "消费" and r[T_PAID] in ("现金", "刷卡", None) and r[T_SPECIAL] != "是":
                held += int(r[T_AMOUNT])
                ledger.append((day, int(r[T_AMOUNT])))
            elif r[T_TYPE] == "退款":
                held -= int(r[T_AMOUNT])
                ledger.append((day, -int(r[T_AMOUNT])))
            elif r[T_TYPE] == "积分兑换":
                assert r[T_POINTS] in (500, 1000, 2000)
                recent = sum(p for d, p in ledger if d > day - timedelta(days=365))
                assert r[T_POINTS] <= recent, "only points earned in the last year are spent"
                held -= r[T_POINTS]
                ledger.append((day, -r[T_POINTS]))
                assert held >= 0
                redemptions += 1
    assert redemptions > 10


def test_refunds_follow_a_bigger_purchase(book: DemoBook) -> None:
    refunds = 0
    for rows in by_member(book).values():
        for i, r in enumerate(rows):
            if r[T_TYPE] == "退款":
                earlier = [p for p in rows[:i] if p[T_TYPE] == "消费" and p[T_PAID] == r[T_PAID]]
                assert earlier and any(money(p[T_AMOUNT]) >= money(r[T_AMOUNT]) for p in earlier)
                refunds += 1
    assert refunds


def test_annual_fees_and_paid_until(book: DemoBook) -> None:
    members = {r[M_ID]: r for r in book.rows["members"]}
    paid = [r for r in members.values() if r[M_TYPE] == "付费型"]
    assert paid and all(isinstance(r[M_PAID_UNTIL], date) for r in paid)
    assert any(r[M_PAID_UNTIL] < TODAY for r in paid) and any(r[M_PAID_UNTIL] > TODAY for r in paid)
    fees = [r for r in book.rows["transactions"] if r[T_TYPE] == "年费"]
    assert fees and all(r[T_AMOUNT] == 899 and members[r[T_MEMBER]][M_TYPE] == "付费型" for r in fees)
    for r in fees:
        assert r[T_DATE].date() < members[r[T_MEMBER]][M_PAID_UNTIL]


def test_gift_cards_are_used_within_value_and_validity(book: DemoBook) -> None:
    cards = {r[0]: r for r in book.rows["gift_cards"]}
    assert len(cards) == len(book.rows["gift_cards"]) and cards
    names = {r[M_ID]: r[M_NAME] for r in book.rows["members"]}
    spent: dict[str, Decimal] = defaultdict(Decimal)
    uses = 0
    for r in book.rows["transactions"]:
        if r[T_PAID] != "亲友卡":
            assert r[T_GIFT] is None
            continue
        card = cards[r[T_GIFT]]
        issued, value, months = card[2], card[3], card[4] or 3
        assert issued <= r[T_DATE].date() < issued + timedelta(days=months * 28)
        assert r[T_TYPE] == "消费" and r[T_SPECIAL] != "是"
        assert card[7] == "是" and card[5] == names[r[T_MEMBER]]
        spent[r[T_GIFT]] += money(r[T_AMOUNT])
        assert spent[r[T_GIFT]] <= money(value)
        uses += 1
    assert uses
    assert all(c[3] == 600 and c[4] in (None, 3) and c[1] in names for c in cards.values())
    assert {c[7] for c in cards.values()} == {"是", "否"}


def test_course_card_sessions(book: DemoBook) -> None:
    cards = {r[0]: r for r in book.rows["course_cards"]}
    assert cards
    used: Counter[str] = Counter()
    for r in book.rows["transactions"]:
        if r[T_TYPE] != "次卡核销":
            assert r[T_COURSE] is None
            continue
        card = cards[r[T_COURSE]]
        assert r[T_MEMBER] == card[1]
        assert card[5] <= r[T_DATE].date() <= (card[6] or TODAY)
        used[r[T_COURSE]] += 1
    assert used
    assert all(used[cid] <= card[3] for cid, card in cards.items())


def test_events_calls_and_opt_outs(book: DemoBook) -> None:
    events = book.rows["events"]
    assert any(e[2] < TODAY for e in events) and any(e[2] > TODAY for e in events)
    assert {e[4] for e in events} == {"all", "金卡,钻石"} and all(e[5] == "event" for e in events)
    ids = {r[M_ID] for r in book.rows["members"]}
    calls = book.rows["call_notes"]
    assert calls and all(c[1] in ids and c[0] <= TODAY for c in calls)
    assert {c[3] for c in calls} <= {"已接通", "未接", "预约"}
    opt_outs = book.rows["opt_outs"]
    assert opt_outs and all((o[1] in ids) or o[2] for o in opt_outs)
    assert {o[4] for o in opt_outs} <= {"sms", "email", "all"}


# --- planted mistakes --------------------------------------------------------------------------------

# mistakes a single cell shows, found here by reading every cell with the project's parsers
CELL_CODES = {"phone_unreadable", "email_unreadable", "date_impossible", "date_unreadable", "money_unreadable",
              "choice_unknown", "required_missing"}  # fmt: skip


def test_mistakes_are_planted_where_recorded(mistaken: DemoBook) -> None:
    mistakes = mistaken.mistakes
    assert 12 <= len(mistakes) <= 14
    codes = [m.code for m in mistakes]
    assert len(set(codes)) == len(codes)
    assert set(codes) >= CELL_CODES
    found = cell_errors(mistaken)
    expected = {(m.sheet, m.row, m.column): m.code for m in mistakes if m.code in CELL_CODES}
    assert found == expected  # each parse-level mistake is found at its cell, and nothing else is wrong

    rows = mistaken.rows
    ids = [r[M_ID] for r in rows["members"]]
    txn_members = {r[T_MEMBER] for r in rows["transactions"]}
    cell = {m.code: rows[m.sheet][m.row - 2][col(m.sheet, m.column)] for m in mistakes}
    row_of = {m.code: rows[m.sheet][m.row - 2] for m in mistakes}
    assert cell["duplicate_member_id"] in ids[: mistakes[codes.index("duplicate_member_id")].row - 2]
    assert cell["duplicate_member_id"] not in txn_members
    assert cell["unknown_member"] not in ids
    assert cell["family_self"] == row_of["family_self"][M_ID]
    assert cell["future_date"].date() == TODAY + timedelta(days=30)
    assert cell["negative_amount"] == -120
    assert cell["required_missing"] is None
    assert cell["gift_card_unknown"] not in {c[0] for c in rows["gift_cards"]}
    assert cell["store_unknown"] not in STORES
    for m in mistakes:
        assert m.description and m.description.split()[0].isascii()  # English (quoted values may not be)

    # one mistake per member, on members no other sheet names
    people = [row_of[c][M_ID] if s == "members" else row_of[c][col(s, "member_id")]
              for c, s in ((m.code, m.sheet) for m in mistakes) if c != "unknown_member"]  # fmt: skip
    assert len(set(people)) == len(people)


def test_mistakes_leave_the_rest_of_the_book_alone(book: DemoBook, mistaken: DemoBook) -> None:
    planted_rows = {id(mistaken.rows[m.sheet][m.row - 2]) for m in mistaken.mistakes}
    txns = [r for r in mistaken.rows["transactions"] if id(r) not in planted_rows]
    assert txns == book.rows["transactions"]
    assert len(mistaken.rows["members"]) == len(book.rows["members"]) + 1
    changed = [
        i for i, (a, b) in enumerate(zip(book.rows["members"], mistaken.rows["members"], strict=False)) if a != b
    ]
    assert len(changed) >= 5
    again = generate(members=600, years=2, seed=7, today=TODAY, stores=STORES, with_mistakes=True)
    assert again.mistakes == mistaken.mistakes and again.rows == mistaken.rows


@pytest.mark.parametrize("members", [10, 17, 30])
def test_small_books_get_mistakes_too(members: int) -> None:
    small = generate(members=members, today=TODAY, seed=members, with_mistakes=True)
    codes = [m.code for m in small.mistakes]
    assert 12 <= len(codes) == len(set(codes)) <= 14
    expected = {(m.sheet, m.row, m.column): m.code for m in small.mistakes if m.code in CELL_CODES}
    assert cell_errors(small) == expected


def test_mistakes_need_a_few_members() -> None:
    with pytest.raises(LoyalsheetError) as exc:
        generate(members=9, today=TODAY, with_mistakes=True)
    assert exc.value.code == "demo_too_small" and has("demo_too_small")


# --- files -------------------------------------------------------------------------------------------


def test_write_demo_writes_a_bilingual_book_and_a_config(tmp_path: Path) -> None:
    folder = tmp_path / "shop" / "demo"
    seen: list[str] = []
    written = write_demo(folder, members=120, seed=3, today=TODAY, with_mistakes=True,
                         progress=lambda sheet, n: seen.append(sheet))  # fmt: skip
    assert (folder / "members.xlsx").is_file() and (folder / "config.yaml").is_file()
    wb = load_workbook(folder / "members.xlsx", read_only=True)
    assert wb.sheetnames == [bilingual_title(s, "zh-en") for s in SHEETS]
    for sheet in SHEETS:
        rows = list(wb[bilingual_title(sheet, "zh-en")].iter_rows(values_only=True))
        assert list(rows[0]) == [bilingual_header(c, "zh-en") for c in sheet.columns]
        assert len(rows) - 1 == len(written.rows[sheet.key])
    members = list(wb[bilingual_title(SHEETS_BY_KEY["members"], "zh-en")].iter_rows(values_only=True))
    assert members[0][0] == "会员编号\nMember ID"
    first = written.rows["members"][0]
    assert members[1][M_ID] == first[M_ID] and members[1][M_NAME] == first[M_NAME]
    wb.close()

    config = parse_config((folder / "config.yaml").read_text(encoding="utf-8"), folder)
    assert config.language == "zh" and config.workbook_path == (folder / "members.xlsx").resolve()
    assert [s.name for s in config.stores] == list(STORES)
    assert (config.region, config.default_store.timezone, config.default_store.currency) == (
        "CN",
        "Asia/Shanghai",
        "CNY",
    )
    assert config.channels.sms is None and config.channels.email is None

    with pytest.raises(LoyalsheetError) as exc:
        write_demo(folder, members=50, today=TODAY)
    assert exc.value.code == "demo_exists" and str(folder / "members.xlsx") == exc.value.params["path"]
    assert has("demo_exists")


def test_write_demo_never_overwrites_a_config(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("language: en\n", encoding="utf-8")
    with pytest.raises(LoyalsheetError) as exc:
        write_demo(tmp_path, members=20, today=TODAY)
    assert exc.value.code == "demo_exists"
    assert (tmp_path / "config.yaml").read_text(encoding="utf-8") == "language: en\n"
    assert not (tmp_path / "members.xlsx").exists()


def test_config_text_for_several_stores(tmp_path: Path) -> None:
    stores = ("旗舰店", "万达店", 'Mall: "East"')
    config = parse_config(config_text("店铺 会员.xlsx", stores), tmp_path)
    assert [s.name for s in config.stores] == list(stores)
    assert config.workbook == "店铺 会员.xlsx"
    book = generate(members=200, today=TODAY, stores=stores)
    assert {r[col("members", "store")] for r in book.rows["members"]} == set(stores)
    assert {r[T_STORE] for r in book.rows["transactions"]} == set(stores)
