"""Fixtures shared by the tests (helpers live in tests/helpers.py)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from loyalsheet.demo import write_demo
from tests.helpers import MEMBER_HEADER, TXN_HEADER, Result, run_cli, write_book


@pytest.fixture(autouse=True)
def _collector_back_on() -> Iterator[None]:
    """A command run inside the test process switches Python's cyclic collector off (cli/main.py): the
    tests after it run with it on, at Python's own thresholds, as they always did."""
    yield
    gc.set_threshold(700, 10, 10)
    gc.enable()


@pytest.fixture
def cli() -> Callable[..., Result]:
    return run_cli


@pytest.fixture
def book(tmp_path: Path) -> Callable[..., Path]:
    """Build a minimal valid member file, with rows added or sheets replaced as a test needs."""

    def make(members: Sequence[Sequence[Any]] = (), txns: Sequence[Sequence[Any]] = (), *,
             name: str = "members.xlsx", extra: dict[str, Sequence[Sequence[Any]]] | None = None,
             member_header: Sequence[str] = MEMBER_HEADER, txn_header: Sequence[str] = TXN_HEADER) -> Path:
        sheets: dict[str, Sequence[Sequence[Any]]] = {
            "Members": [list(member_header), *members],
            "Transactions": [list(txn_header), *txns],
        }
        sheets.update(extra or {})
        return write_book(tmp_path / name, sheets)

    return make


# A 120-member demo store as of 2026-11-20 (tests/test_today_cli.py's DAY), copied fresh for each test: the
# daily job's tests (today, replies, Aliyun) share it; a module that defines its own store keeps that one.
DEMO_DAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, members=120, today=DEMO_DAY)
    return folder


@pytest.fixture
def store(demo_template: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    for name in ("members.xlsx", "config.yaml"):
        (folder / name).write_bytes((demo_template / name).read_bytes())
    return folder
