"""A Chinese store manager reads Chinese: every command's output on the demo, in zh, scanned for the ASCII
words a manager would not know (campaign keys, channel and reason codes, pydantic's phrases) and for any
English sentence of the message catalogs."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from loyalsheet.campaigns import CAMPAIGN_NAMES
from loyalsheet.i18n import CATALOG
from tests.helpers import Result

DAY = "2026-12-07"
ZH = {"LANG": "zh_CN.UTF-8"}

# Codes of the program that must never reach a manager's eyes in zh.
CODES = (*CAMPAIGN_NAMES, "sms", "email", "quiet_hours", "one_per_day", "no_consent", "opted_out", "weekly_cap",
         "stored value", "top-up", "purchase", "redemption", "annual fee")
PHRASES = ("Input should", "Field required", "Extra inputs", "unable to parse", "valid integer", "--json",
           "Traceback", "None")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_ASCII_RUN = re.compile(r"[A-Za-z][A-Za-z ,.'’-]*[A-Za-z]")


def _english_sentences() -> set[str]:
    """Every run of 3+ English words (12+ characters) of the catalogs' English texts."""
    out = set()
    for texts in CATALOG.values():
        en, zh = texts.get("en", ""), texts.get("zh", "")
        if not en or en == zh:
            continue
        for chunk in _PLACEHOLDER.split(en):
            for run in _ASCII_RUN.findall(chunk):
                if len(run) >= 12 and len(run.split()) >= 3 and run not in zh:
                    out.add(run)
    return out


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """Everything the commands said in zh on the demo store, and the folder it is in."""
    from tests.helpers import run_cli

    tmp = tmp_path_factory.mktemp("zh")
    made = run_cli("demo", "demo", "--members", "150", "--with-mistakes", "--date", DAY, cwd=tmp, env=ZH)
    assert made.code == 0, made.err
    said = [made.out, made.err]
    runs = [("check",), ("refresh",), ("refresh",), ("today", "--at", "10:00", "--max", "1000"),
            ("today", "--at", "23:30", "--max", "1000"), ("birthdays",), ("birthdays", "--month", "2027-01")]
    runs += [("member", f"M{n:05d}") for n in range(1, 13)]
    for args in runs:
        result = run_cli(*args, "--config", "demo/config.yaml", "--date", DAY, cwd=tmp, env=ZH)
        assert result.code in (0, 1), (args, result.err)
        said += [result.out, result.err]
    # a config mistake, as a manager makes it
    (tmp / "bad").mkdir()
    (tmp / "bad" / "config.yaml").write_text("language: zh\npoints:\n  expiring_soon_days: 三十\n", encoding="utf-8")
    bad = run_cli("check", "--config", "bad/config.yaml", cwd=tmp, env=ZH)
    assert bad.code == 2
    said += [bad.out, bad.err]
    return "\n".join(said), tmp


@pytest.fixture(scope="module")
def outputs(shop: tuple[str, Path]) -> str:
    return shop[0]


def _english_members(text: str) -> set[str]:
    """Lines about members who read English (their messages are previewed in English: that is right)."""
    return {line for line in text.splitlines() if re.search(r"\b(Hi|Dear|Happy|Your|You are)\b", line)}


def test_no_codes_or_pydantic_phrases_in_zh(outputs: str) -> None:
    found = []
    for code in CODES:
        pattern = re.compile(rf"(?<![\w@.-]){re.escape(code)}(?![\w@-])")
        found += [(code, line.strip()) for line in outputs.splitlines() if pattern.search(line)]
    found += [(p, line.strip()) for p in PHRASES for line in outputs.splitlines() if p in line]
    assert not found, "\n".join(f"{code!r} in: {line}" for code, line in found[:20])


def test_no_english_catalog_sentence_in_zh(outputs: str) -> None:
    lines = [line for line in outputs.splitlines() if line not in _english_members(outputs)]
    text = " ".join(" ".join(line.split()) for line in lines)
    leaked = sorted(s for s in _english_sentences() if s in text)
    assert not leaked, leaked[:20]


def test_the_scan_would_see_a_leak(shop: tuple[str, Path], cli: Callable[..., Result]) -> None:
    """The scan is not empty-handed by construction: the zh words are there, and in en the same command
    says catalog sentences the scan looks for."""
    outputs, folder = shop
    assert "生日祝福" in outputs and "短信" in outputs and "无折扣" in outputs and "首次刷新" in outputs
    assert "免打扰" in outputs and "以后可以发送" in outputs and "不是整数" in outputs
    en = cli("today", "--config", "demo/config.yaml", "--date", DAY, "--lang", "en", "--at", "10:00", cwd=folder)
    text = " ".join(en.out.split())
    assert any(s in text for s in _english_sentences())
