"""Fixtures shared by the tests (helpers live in tests/helpers.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import MEMBER_HEADER, TXN_HEADER, Result, run_cli, write_book


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


