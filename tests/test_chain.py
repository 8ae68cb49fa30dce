"""A chain of stores: one book with a Store column, or one book per store; points, tiers and stored
value count every store; call lists, call logs and dashboards per store; --store on the commands."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from lxml import etree

from loyalsheet.calls.sheet import MEMBER, NO, OUTCOME, STAFF
from loyalsheet.config import load_config
from loyalsheet.demo import config_text, demo_stores, generate
from loyalsheet.messaging.daily import prepare_day, templates_for
from loyalsheet.workbook.chain import store_of_title, store_sheet_title
from loyalsheet.workbook.reader import read_member_file
from loyalsheet.workbook.schema import SHEETS_BY_KEY
from loyalsheet.workbook.template import write_book
from tests.helpers import Result
from tests.helpers import run_cli as _run

DAY = "2026-11-22"
TODAY = date(2026, 11, 22)
STORES = demo_stores(3)


def run_cli(args: list[str], cwd: Path | None = None, expect: int | None = 0) -> Result:
    result = _run(*args, cwd=cwd)
    if expect is not None:
        assert result.code == expect, (result.code, result.out[-2000:], result.err[-2000:])
    return result


def _col(sheet: str, key: str) -> int:
    return [c.key for c in SHEETS_BY_KEY[sheet].columns].index(key)


def split_by_store(chain_rows: dict[str, list[list[Any]]]) -> dict[str, dict[str, list[list[Any]]]]:
    """A chain's rows by store: each member in their home store's, each transaction in the store where it was
    made, the other sheets' rows in their member's home store's, events in the first store's."""
    home = {r[0]: r[_col("members", "store")] for r in chain_rows["members"]}
    split: dict[str, dict[str, list[list[Any]]]] = {s: {k: [] for k in chain_rows} for s in STORES}
    for key, rows in chain_rows.items():
        for row in rows:
            if key == "members":
                store = row[_col("members", "store")]
            elif key == "transactions":
                store = row[_col("transactions", "store")] or home[row[1]]
            elif key == "events":
                store = STORES[0]
            else:
                store = home.get(row[_col(key, "member_id")], STORES[0])
            split[store][key].append(row)
    return split


@pytest.fixture(scope="module")
def chain_rows() -> dict[str, list[list[Any]]]:
    return generate(members=240, years=2, seed=11, today=TODAY, stores=STORES).rows


@pytest.fixture()
def one_book(tmp_path: Path, chain_rows: dict[str, list[list[Any]]]) -> Path:
    """A three-store chain in one book (the Store column says whose a row is)."""
    tmp_path = tmp_path / "one"
    tmp_path.mkdir()
    write_book(tmp_path / "members.xlsx", chain_rows)
    (tmp_path / "config.yaml").write_text(config_text("members.xlsx", STORES), encoding="utf-8")
    return tmp_path


@pytest.fixture()
def own_books(tmp_path: Path, chain_rows: dict[str, list[list[Any]]]) -> Path:
    """The same chain with one book per store: each member in the book of their home store, each
    transaction in the book of the store where it was made; events in the chain's (first) book."""
    tmp_path = tmp_path / "own"
    tmp_path.mkdir()
    split = split_by_store(chain_rows)
    files = {STORES[0]: "members.xlsx", STORES[1]: "east.xlsx", STORES[2]: "west.xlsx"}
    for store, rows in split.items():
        write_book(tmp_path / files[store], rows)
    text = config_text("members.xlsx", STORES)
    for store in STORES[1:]:
        text = text.replace(f'  - name: "{store}"\n', f'  - name: "{store}"\n    workbook: {files[store]}\n')
    (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def _sheet(path: Path, title: str) -> list[tuple[Any, ...]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in wb[title].iter_rows(values_only=True)]
    finally:
        wb.close()


def _titles(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def test_store_sheet_titles_fit_excel() -> None:
    long = "Downtown Clinic on Main Street: 2nd floor"
    title = store_sheet_title("回访名单 Call list", long)
    assert len(title) <= 31 and ":" not in title
    assert store_of_title(title, ["旗舰店", long]) == long
    assert store_of_title("回访名单 Call list", ["旗舰店"]) is None
    assert store_of_title(store_sheet_title("看板 Dashboard", "旗舰店"), ["旗舰店"]) == "旗舰店"


def test_demo_with_three_stores(tmp_path: Path) -> None:
    run_cli(["demo", str(tmp_path / "d"), "--stores", "3", "--members", "90", "--date", DAY])
    config = load_config(tmp_path / "d" / "config.yaml")
    assert [s.name for s in config.stores] == list(STORES)
    mf = read_member_file(tmp_path / "d" / "members.xlsx")
    assert {m.store for m in mf.members} == set(STORES)
    assert {t.store for t in mf.txns} == set(STORES)


def test_one_book_refresh_per_store(one_book: Path) -> None:
    result = run_cli(["refresh", "--date", DAY, "--json"], cwd=one_book)
    out = json.loads(result.out)
    book = one_book / "members.xlsx"
    titles = _titles(book)
    for store in STORES:
        for base in ("回访名单 Call list", "回访日志 Call log", "看板 Dashboard"):
            assert store_sheet_title(base, store) in titles
    assert "会员状态 Member status" in titles and "看板 Dashboard" in titles
    assert "回访名单 Call list" not in titles  # a chain's calls are each store's
    mf = read_member_file(book)
    home = {m.member_id: m.store for m in mf.members}
    listed = 0
    for store in STORES:
        rows = [r for r in _sheet(book, store_sheet_title("回访名单 Call list", store))[1:]
                if isinstance(r[NO], int | float)]  # the calls (not the reminder, nor who waits)
        assert rows, store
        assert {home[r[MEMBER]] for r in rows} == {store}
        listed += len(rows)
        dash = _sheet(book, store_sheet_title("看板 Dashboard", store))
        assert store in str(dash[0][0])
    assert listed == out["calls"]
    chain_dash = _sheet(book, "看板 Dashboard")
    by_store = {r[0]: r[1] for r in chain_dash if r[0] in STORES}
    assert by_store == {s: sum(1 for m in mf.members if m.store == s) for s in STORES}


def test_outcomes_typed_in_a_stores_call_list_go_to_its_call_log(one_book: Path) -> None:
    run_cli(["refresh", "--date", DAY], cwd=one_book)
    book = one_book / "members.xlsx"
    store = STORES[1]
    title = store_sheet_title("回访名单 Call list", store)
    wb = openpyxl.load_workbook(book)
    ws = wb[title]
    member_id = ws.cell(row=3, column=MEMBER + 1).value  # (row 2 is the reminder)
    ws.cell(row=3, column=OUTCOME + 1).value = "已约到店"
    ws.cell(row=3, column=STAFF + 1).value = "小王"
    wb.save(book)
    out = json.loads(run_cli(["refresh", "--date", "2026-11-23", "--store", store, "--json"], cwd=one_book).out)
    assert out["collected"] == 1
    log = _sheet(book, store_sheet_title("回访日志 Call log", store))
    assert [(r[1], r[2], r[3]) for r in log[1:]] == [(member_id, "小王", "已约到店")]
    other = _sheet(book, store_sheet_title("回访日志 Call log", STORES[0]))
    assert other[1:] == []


def test_one_book_per_store_counts_every_store(one_book: Path, own_books: Path, tmp_path: Path) -> None:
    """Points, tiers and stored value are the chain's: Member status is the same whether the chain keeps
    one book or a book per store, and each store's own sheets land in its own book."""
    run_cli(["refresh", "--date", DAY], cwd=one_book)
    run_cli(["refresh", "--date", DAY], cwd=own_books)
    single = _sheet(one_book / "members.xlsx", "会员状态 Member status")
    split = _sheet(own_books / "members.xlsx", "会员状态 Member status")
    assert sorted(split, key=str) == sorted(single, key=str)
    mf = read_member_file(one_book / "members.xlsx")
    home = {m.member_id: m.store for m in mf.members}
    movers = {t.member_id for t in mf.txns if t.store != home[t.member_id]}
    assert movers, "the demo chain has members who buy in other stores"
    east = _titles(own_books / "east.xlsx")
    assert store_sheet_title("回访名单 Call list", STORES[1]) in east
    assert store_sheet_title("回访名单 Call list", STORES[0]) not in east
    assert "会员状态 Member status" not in east
    for store, file in ((STORES[1], "east.xlsx"), (STORES[2], "west.xlsx")):
        assert (_sheet(own_books / file, store_sheet_title("回访名单 Call list", store))
                == _sheet(one_book / "members.xlsx", store_sheet_title("回访名单 Call list", store)))


def test_check_across_books_names_the_file(own_books: Path) -> None:
    clean = run_cli(["check", "--date", DAY, "--json"], cwd=own_books, expect=None)
    before = json.loads(clean.out)
    assert before["errors"] == 0, before["problems"][:3]  # a member of one book buying in another is no error
    wb = openpyxl.load_workbook(own_books / "west.xlsx")
    ws = wb["消费记录 Transactions"]
    ws.cell(row=5, column=2).value = "NOBODY-1"
    wb.save(own_books / "west.xlsx")
    result = run_cli(["check", "--date", DAY, "--json"], cwd=own_books, expect=1)
    problems = json.loads(result.out)["problems"]
    unknown = [p for p in problems if p["code"] == "unknown_member"]
    assert [(p["file"], p["cell"]) for p in unknown] == [("west.xlsx", "消费记录 Transactions!B5")]
    mine = json.loads(run_cli(["check", "--date", DAY, "--json", "--store", STORES[2]], cwd=own_books,
                              expect=1).out)
    assert [p["cell"] for p in mine["problems"] if p["code"] == "unknown_member"] == ["消费记录 Transactions!B5"]
    theirs = json.loads(run_cli(["check", "--date", DAY, "--json", "--store", STORES[1]], cwd=own_books).out)
    assert theirs["errors"] == 0


def test_today_per_store_adds_up_to_the_chain(one_book: Path) -> None:
    chain = json.loads(run_cli(["today", "--date", DAY, "--at", "10:00", "--json"], cwd=one_book).out)
    mf = read_member_file(one_book / "members.xlsx")
    home = {m.member_id: m.store for m in mf.members}
    keys: set[str] = set()
    for store in STORES:
        out = json.loads(run_cli(["today", "--date", DAY, "--at", "10:00", "--json", "--store", store],
                                 cwd=one_book).out)
        assert {home[p["member_id"]] for p in out["planned"]} <= {store}
        keys |= {p["key"] for p in out["planned"]}
    assert keys == {p["key"] for p in chain["planned"]}
    assert chain["planned"]


def test_send_per_store_never_twice(one_book: Path) -> None:
    store = STORES[0]
    first = json.loads(run_cli(["today", "--date", DAY, "--at", "10:00", "--send", "--json", "--store", store],
                               cwd=one_book, expect=None).out)
    sent = first["result"]["counts"].get("sent", 0)
    assert sent > 0
    chain = json.loads(run_cli(["today", "--date", DAY, "--at", "10:00", "--send", "--json"], cwd=one_book,
                               expect=None).out)
    again = {o["key"] for o in chain["result"]["outcomes"]}
    assert again.isdisjoint({o["key"] for o in first["result"]["outcomes"]})
    outbox = list((one_book / "outbox").rglob("*.*"))
    assert len(outbox) >= sent
    # the refresh after a send counts the messages sent, on the chain's dashboard
    run_cli(["refresh", "--date", DAY], cwd=one_book)
    log = json.loads(run_cli(["log", "--json"], cwd=one_book).out)["messages"]
    by_campaign: dict[str, int] = {}
    for m in log:
        if m["state"] == "sent":
            by_campaign[m["campaign"]] = by_campaign.get(m["campaign"], 0) + 1
    chain_dash = _sheet(one_book / "members.xlsx", "看板 Dashboard")
    assert {r[0]: r[1] for r in chain_dash if r[0] in by_campaign} == by_campaign



def test_store_quiet_hours_and_details(one_book: Path) -> None:
    text = (one_book / "config.yaml").read_text(encoding="utf-8")
    text = text.replace(f'  - name: "{STORES[2]}"\n',
                        f'  - name: "{STORES[2]}"\n    quiet_hours: {{start: "09:30", end: "11:00"}}\n')
    (one_book / "config.yaml").write_text(text, encoding="utf-8")
    config = load_config(one_book / "config.yaml")
    assert config.store(STORES[2]).opening_hours == "10:00-21:00"
    mf = read_member_file(one_book / "members.xlsx")
    home = {m.member_id: m.store for m in mf.members}
    now = datetime.combine(TODAY, time(10, 0), tzinfo=ZoneInfo("Asia/Shanghai"))
    run = prepare_day(config, mf, TODAY, now, ledger=None, templates=templates_for(config))
    quiet = {home[h.candidate.member_id] for h in run.held if h.reason == "quiet_hours"}
    assert quiet == {STORES[2]}
    assert not any(home[c.message.member_id] == STORES[2] and c.message.channel == "sms" for c in run.messages)
    assert any(home[c.message.member_id] == STORES[0] and c.message.channel == "sms" for c in run.messages)


def test_unknown_store_is_one_clear_line(one_book: Path) -> None:
    result = run_cli(["refresh", "--store", "总部", "--date", DAY], cwd=one_book, expect=2)
    assert "总部" in result.err and STORES[1] in result.err
    before = (one_book / "members.xlsx").read_bytes()
    assert (one_book / "members.xlsx").read_bytes() == before


def test_store_flag_on_every_command() -> None:
    from loyalsheet.cli.main import all_commands

    missing = [name for name, cmd in all_commands().items()
               if not any(p.name == "store_name" for p in cmd.params)
               and not all(any(p.name == "store_name" for p in sub.params)
                           for sub in getattr(cmd, "commands", {}).values() or [None] if sub is not None)]
    assert missing == []


@pytest.mark.parametrize("store", [STORES[1]])
def test_member_and_birthdays_for_one_store(one_book: Path, store: str) -> None:
    mf = read_member_file(one_book / "members.xlsx")
    other = next(m for m in mf.members if m.store == STORES[0])
    mine = next(m for m in mf.members if m.store == store)
    run_cli(["member", other.member_id, "--store", store, "--date", DAY], cwd=one_book, expect=1)
    out = json.loads(run_cli(["member", mine.member_id, "--store", store, "--date", DAY, "--json"],
                             cwd=one_book).out)
    assert out["member_id"] == mine.member_id if "member_id" in out else out
    b = json.loads(run_cli(["birthdays", "--store", store, "--date", DAY, "--json", "--month", "2026-12"],
                           cwd=one_book).out)
    ids = {m.member_id for m in mf.members if m.store == store}
    assert {e["member_id"] for e in b["birthdays"]} <= ids


def test_copy_is_unchanged_by_a_refused_store(one_book: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.xlsx"
    shutil.copyfile(one_book / "members.xlsx", copy)
    run_cli(["check", "--workbook", str(copy), "--store", "nowhere", "--config", str(one_book / "config.yaml")],
            expect=2)
    assert copy.read_bytes() == (one_book / "members.xlsx").read_bytes()


def test_a_shop_that_grows_into_a_chain_keeps_its_call_outcomes(tmp_path: Path) -> None:
    """One store's Call list and Call log, then a second store in config: what they held moves to each
    member's store's own sheets, and the one-store sheets say where their rows went."""
    rows = generate(members=120, years=2, seed=3, today=TODAY, stores=STORES[:2]).rows
    write_book(tmp_path / "members.xlsx", rows)
    (tmp_path / "config.yaml").write_text(config_text("members.xlsx", STORES[:1]), encoding="utf-8")
    run_cli(["refresh", "--date", DAY], cwd=tmp_path, expect=None)  # the second store's rows: store_unknown
    book = tmp_path / "members.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb["回访名单 Call list"]
    home = {r[0]: r[_col("members", "store")] for r in rows["members"]}
    typed = {}
    for r in range(2, ws.max_row + 1):
        mid = ws.cell(row=r, column=MEMBER + 1).value
        if mid and home[mid] not in typed.values():
            ws.cell(row=r, column=OUTCOME + 1).value = "已接通"
            typed[mid] = home[mid]
    wb.save(book)
    assert set(typed.values()) == set(STORES[:2])
    (tmp_path / "config.yaml").write_text(config_text("members.xlsx", STORES[:2]), encoding="utf-8")
    out = json.loads(run_cli(["refresh", "--date", "2026-11-23", "--json"], cwd=tmp_path).out)
    assert out["collected"] == 2
    for mid, store in typed.items():
        log = _sheet(book, store_sheet_title("回访日志 Call log", store))
        assert [(r[1], r[3]) for r in log[1:]] == [(mid, "已接通")]
    legacy = _sheet(book, "回访名单 Call list")
    assert len(legacy) == 2 and "连锁" in str(legacy[1][0])
    again = json.loads(run_cli(["refresh", "--date", "2026-11-24", "--json"], cwd=tmp_path).out)
    assert again["collected"] == 0
    for store in typed.values():
        assert len(_sheet(book, store_sheet_title("回访日志 Call log", store))) == 2


def test_a_stores_own_book_reads_phones_in_its_region(own_books: Path) -> None:
    text = (own_books / "config.yaml").read_text(encoding="utf-8")
    text = text.replace("    workbook: west.xlsx\n", "    workbook: west.xlsx\n    region: HK\n", 1)
    text = text.replace("    region: HK\n    timezone: Asia/Shanghai\n    region: CN\n", "    region: HK\n    timezone: Asia/Shanghai\n")
    (own_books / "config.yaml").write_text(text, encoding="utf-8")
    assert load_config(own_books / "config.yaml").store(STORES[2]).region == "HK"
    wb = openpyxl.load_workbook(own_books / "west.xlsx")
    ws = wb["会员 Members"]
    member_id = ws.cell(row=2, column=1).value
    ws.cell(row=2, column=3).value = "9123 4567"  # a Hong Kong mobile, typed without +852
    wb.save(own_books / "west.xlsx")
    card = json.loads(run_cli(["member", str(member_id), "--date", DAY, "--json"], cwd=own_books).out)
    assert card["phone"] == "+85291234567"


def test_the_chains_dashboard_charts_members_and_spend_per_store(one_book: Path) -> None:
    run_cli(["refresh", "--date", DAY], cwd=one_book)
    ns = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
    with zipfile.ZipFile(one_book / "members.xlsx") as zf:
        charts = [etree.fromstring(zf.read(n)) for n in zf.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n)]
    by_title = {"".join(c.xpath(".//c:title//text()", namespaces=ns)[:1]): c for c in charts}
    for title in ("各门店会员数", "各门店消费额（近 12 个月）"):
        chart = by_title[title]
        categories = chart.find(".//c:cat//c:strCache", ns)
        assert [p.findtext("c:v", namespaces=ns) for p in categories.iterfind("c:pt", ns)] == list(STORES)
        assert chart.find(".//c:val//c:f", ns).text.startswith("'看板 Dashboard'!")
        assert chart.find(".//c:dLbls/c:showVal", ns).get("val") == "1"
    # each store's own dashboard has its six charts, the chain's two more
    assert len(charts) == 6 * len(STORES) + 8
