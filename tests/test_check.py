"""`loyalsheet check` end to end on a demo store: every planted mistake at its cell, exit codes, JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from loyalsheet.demo import DemoBook, write_demo
from tests.helpers import Result

DAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoBook]:
    directory = tmp_path_factory.mktemp("store") / "demo"
    book = write_demo(directory, members=300, seed=7, today=DAY, with_mistakes=True)
    return directory, book


def test_every_planted_mistake_is_found_at_its_cell(store: tuple[Path, DemoBook], cli: Callable[..., Result]) -> None:
    directory, book = store
    result = cli("check", "--config", str(directory / "config.yaml"), "--json", "--date", DAY.isoformat())
    assert result.code == 1, result.err
    report = json.loads(result.out)
    found = {(p["sheet"], p["row"], p["code"]) for p in report["problems"]}
    titles = {"members": "会员 Members", "transactions": "消费记录 Transactions", "opt_outs": "退订 Opt-outs"}
    planted = {(titles[m.sheet], m.row, m.code) for m in book.mistakes}
    assert planted <= found
    assert len(report["problems"]) == len(book.mistakes), "check reports only what was planted"
    assert report["errors"] == len(book.mistakes)
    for p in report["problems"]:
        assert p["cell"].startswith(p["sheet"] + "!") and p["cell"].endswith(str(p["row"]))
        assert p["message"] and p["hint"] and p["header"]


def test_table_in_both_languages(store: tuple[Path, DemoBook], cli: Callable[..., Result]) -> None:
    directory, _ = store
    zh = cli("check", "--config", str(directory / "config.yaml"), "--date", DAY.isoformat(), "--lang", "zh")
    assert zh.code == 1
    assert "会员 Members!" in zh.out and "怎么改" in zh.out and "个错误" in zh.out
    en = cli("check", "--config", str(directory / "config.yaml"), "--date", DAY.isoformat(), "--lang", "en",
             "--max", "3")
    assert "What to do" in en.out and "more; run with --json" in en.out


def test_clean_demo_exits_0(tmp_path: Path, cli: Callable[..., Result]) -> None:
    made = cli("demo", str(tmp_path / "shop"), "--members", "150", "--date", DAY.isoformat(), "--lang", "en")
    assert made.code == 0, made.err
    assert "Wrote a demo store" in made.out
    result = cli("check", "--config", str(tmp_path / "shop" / "config.yaml"), "--date", DAY.isoformat(), "--json")
    assert result.code == 0, result.out
    report = json.loads(result.out)
    assert report["errors"] == 0 and report["members"] == 150 and report["txns"] > 1000
    again = cli("demo", str(tmp_path / "shop"), "--lang", "en")
    assert again.code == 2 and "already exists" in again.err


def test_check_with_only_a_workbook_and_no_config(tmp_path: Path, cli: Callable[..., Result],
                                                   book: Callable[..., Path]) -> None:
    path = book([["M1", "Li", "13812345678", None, "2025-01-01"]],
                [["2026-01-02", "M1", "消费", 100, None, "现金"], ["2026-01-03", "M2", "消费", 50, None, None]])
    result = cli("check", "--workbook", str(path), "--json", "--date", "2026-11-22", cwd=tmp_path)
    assert result.code == 1
    problems = json.loads(result.out)["problems"]
    assert [(p["cell"], p["code"]) for p in problems] == [("Transactions!B3", "unknown_member")]


def test_bad_date_option(cli: Callable[..., Result], tmp_path: Path) -> None:
    result = cli("check", "--date", "22/11/2026", "--lang", "en", cwd=tmp_path)
    assert result.code == 2
    assert "YYYY-MM-DD" in result.err
