"""Secrets pasted into config.yaml, read-only member files and read-only ledgers: refused with one clear line.

Each test runs the real command on a demo store with a real file system: a real 0444 file in a folder
anyone may write to, a real token in config.yaml.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from loyalsheet.demo import write_demo
from tests.helpers import Result

DAY = date(2026, 11, 20)
TOKEN = "f3a9c0d2e1b4a5c6d7e8f90a1b2c3d4e"  # shaped like a Twilio auth token
SID = "AC0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, members=60, today=DAY)
    return folder


@pytest.fixture
def shop(demo_template: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    for name in ("members.xlsx", "config.yaml"):
        (folder / name).write_bytes((demo_template / name).read_bytes())
    (tmp_path / "config.yaml.demo").write_bytes((demo_template / "config.yaml").read_bytes())
    return folder


def _with_sms(shop: Path, sid_env: str, token_env: str) -> None:
    config = shop / "config.yaml"
    text = (shop.parent / "config.yaml.demo").read_text(encoding="utf-8")
    sms = (f"  sms:\n    from_number: \"+15005550006\"\n    account_sid_env: {sid_env}\n"
           f"    auth_token_env: {token_env}\n")
    config.write_text(text.replace("channels:\n  outbox: outbox\n", "channels:\n" + sms), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_secret_pasted_for_a_variable_name_is_refused_and_never_printed(
        cli: Callable[..., Result], shop: Path, lang: str) -> None:
    _with_sms(shop, "TWILIO_ACCOUNT_SID", TOKEN)
    line = _line_of(shop / "config.yaml", "auth_token_env")
    env = {"TWILIO_ACCOUNT_SID": SID, TOKEN: "x"}
    for args in (("today", "--send", "--at", "10:00"), ("check",), ("refresh", "--dry-run")):
        result = cli(*args, "--date", DAY.isoformat(), "--lang", lang, cwd=shop, env=env)
        assert result.code == 2, result.err
        assert TOKEN not in result.out + result.err
        assert f"{line}" in result.err and "channels.sms.auth_token_env" in result.err
        assert ("not the name of an environment variable" if lang == "en" else "不是环境变量的名字") in result.err
    # the account SID too, and a name in small letters (not a secret, but not a variable's name either)
    _with_sms(shop, SID, "TWILIO_AUTH_TOKEN")
    bad = cli("check", "--lang", "en", cwd=shop)
    assert bad.code == 2 and SID not in bad.out + bad.err and "account_sid_env" in bad.err


def test_variable_names_are_accepted() -> None:
    from loyalsheet.config import looks_like_env_name

    assert all(looks_like_env_name(n) for n in ("TWILIO_AUTH_TOKEN", "SMTP_PASSWORD", "SHOP_2_TOKEN", "_X"))
    assert not any(looks_like_env_name(v) for v in (TOKEN, SID, TOKEN.upper(), "my password", "twilio_token", "",
                                                    "1TOKEN", "A" * 65, 123))


def test_a_read_only_workbook_is_refused_and_left_as_it_is(cli: Callable[..., Result], shop: Path) -> None:
    book = shop / "members.xlsx"
    before = book.read_bytes()
    book.chmod(0o444)
    shop.chmod(0o777)  # the folder is writable: only the file's own mark says no
    result = cli("refresh", "--date", DAY.isoformat(), "--lang", "en", cwd=shop)
    assert result.code == 2, result.err
    first = result.err.splitlines()[0]
    assert first == "Error: members.xlsx is marked read-only, so nothing was written into it.", result.err
    assert "chmod u+w" in result.err
    assert book.read_bytes() == before and stat.S_IMODE(book.stat().st_mode) == 0o444
    assert not (shop / ".loyalsheet-backups").exists() or not any((shop / ".loyalsheet-backups").iterdir())
    assert not [p for p in shop.iterdir() if p.suffix == ".tmp"]
    zh = cli("refresh", "--date", DAY.isoformat(), "--lang", "zh", cwd=shop)
    assert zh.code == 2 and "members.xlsx 被设为只读" in zh.err
    # reading is fine; a dry run writes nothing and so does not mind
    assert cli("refresh", "--date", DAY.isoformat(), "--dry-run", cwd=shop).code == 0
    assert cli("check", "--date", DAY.isoformat(), cwd=shop).code == 0
    book.chmod(0o644)
    assert cli("refresh", "--date", DAY.isoformat(), cwd=shop).code == 0


def test_a_read_only_ledger_says_so_and_what_to_do(cli: Callable[..., Result], shop: Path) -> None:
    first = cli("today", "--send", "--limit", "2", "--at", "10:00", "--date", DAY.isoformat(), "--lang", "en",
                cwd=shop)
    assert first.code == 0, first.err
    ledger = shop / "members.ledger.sqlite"
    sent_before = sorted(p.name for p in (shop / "outbox").rglob("*") if p.is_file())
    ledger.chmod(0o444)
    for lang, words in (("en", "the send ledger is read-only"), ("zh", "发送记录是只读的")):
        result = cli("today", "--send", "--at", "10:00", "--date", DAY.isoformat(), "--lang", lang, cwd=shop)
        assert result.code == 2, result.err + result.out
        assert words in result.err and "chmod u+w" in result.err
        assert "backup" not in result.err and "备份" not in result.err
    assert sorted(p.name for p in (shop / "outbox").rglob("*") if p.is_file()) == sent_before  # nothing went
    shown = cli("log", "--lang", "en", cwd=shop)  # reading the ledger still works
    assert shown.code == 0, shown.err
    assert stat.S_IMODE(os.stat(ledger).st_mode) == 0o444
