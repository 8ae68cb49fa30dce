"""config.yaml: the example loads; a wrong setting is named with its key and line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from loyalsheet.config import load_config, parse_config, starter_config_text
from loyalsheet.errors import ConfigError
from loyalsheet.i18n import t
from tests.helpers import Result

REPO = Path(__file__).resolve().parents[1]


def test_example_config_loads() -> None:
    config = load_config(REPO / "config.yaml")
    assert config.language == "zh"
    assert config.default_store.timezone == "Asia/Shanghai"
    assert config.workbook_path == (REPO / "members.xlsx").resolve()


def test_starter_config_loads(tmp_path: Path) -> None:
    config = parse_config(starter_config_text("shop.xlsx", "en"), tmp_path)
    assert config.workbook_path == tmp_path / "shop.xlsx"
    assert config.language == "en"


@pytest.mark.parametrize(
    "text, line, key",
    [
        ("language: zh\nstores:\n  - name: A\n    timezone: Asia/Shangai\n", 4, "stores.0.timezone"),
        ("language: fr\n", 1, "language"),
        ("workbook: a.xlsx\nworkbok: x\n", 2, "workbok"),
        ("stores:\n  - name: A\n  - name: A\n", None, None),
        ("stores:\n  - name: A\n    region: XX\n", 3, "stores.0.region"),
    ],
)
def test_bad_settings_name_key_and_line(text: str, line: int | None, key: str | None) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config(text, Path("."))
    assert exc.value.code.startswith("config_invalid")
    if line is not None:
        assert exc.value.params["line"] == line
        assert exc.value.params["key"] == key


def test_sms_workers_default_and_range() -> None:
    """How many SMS are in flight at once with --send: 8 unless set, 1 (one at a time) to 32."""
    assert parse_config("language: zh\n", Path(".")).messaging.sms_workers == 8
    assert parse_config("messaging:\n  sms_workers: 1\n", Path(".")).messaging.sms_workers == 1
    assert parse_config("messaging:\n  sms_workers: 32\n", Path(".")).messaging.sms_workers == 32


def test_broken_yaml_gives_line() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config("stores:\n  - name: A\n   timezone: x\n", Path("."))
    assert exc.value.code == "config_yaml"
    assert exc.value.params["line"] == 3


def test_missing_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "config.yaml")
    assert exc.value.code == "config_missing"


def test_example_config_documents_every_setting() -> None:
    """Settings are declared once (the pydantic models); the example config.yaml must show each section."""
    import re

    from loyalsheet.config import Config

    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    shown = set(re.findall(r"^#? ?([a-z_]+):", text, flags=re.M))
    missing = [name for name in Config.model_fields if name != "base_dir" and name not in shown]
    assert missing == [], f"config.yaml does not document: {missing}"


@pytest.mark.parametrize(
    ("text", "code", "zh", "en_hint"),
    [
        ("points:\n  expiring_soon_days: abc\n", "config_invalid.int", "第 2 行，points.expiring_soon_days：“abc”不是整数",
         "expiring_soon_days: 3"),
        ("channels:\n  sms:\n    provider: twilio\n    from_number: '+15005550006'\n    auth_token: s3cret\n",
         "config_invalid.secret", "第 5 行，channels.sms.auth_token：密码和令牌不能直接写在 config.yaml 里",
         "auth_token_env: TWILIO_AUTH_TOKEN"),
        ("lanuage: zh\n", "config_invalid.unknown_close", "是不是想写 language", "Type language: instead of lanuage:"),
        ("header_style: fr\n", "config_invalid.choice", "“fr”不是可选的值", "zh-en, en-zh, zh, en"),
        ("stores:\n  - timezone: Asia/Shanghai\n", "config_invalid.missing", "stores[1].name：缺少这项必填设置", "name: ..."),
        ("points:\n  on_top_ups: maybe\n", "config_invalid.bool", "应为 true（是）或 false（否）", "on_top_ups: false"),
        ("messaging:\n  sms_workers: 0\n", "config_invalid.min", "第 2 行，messaging.sms_workers：0 太小了", "Type 1 or more"),
        ("messaging:\n  sms_workers: 33\n", "config_invalid.max", "第 2 行，messaging.sms_workers：33 太大了",
         "Type 32 or less"),
    ],
)
def test_config_errors_in_plain_words(text: str, code: str, zh: str, en_hint: str) -> None:
    """The key, the line and what to type, in the manager's language; none of pydantic's own phrases."""
    with pytest.raises(ConfigError) as exc:
        parse_config(text, Path("."))
    assert exc.value.code == code
    said_zh = t(code, "zh", **exc.value.params) + t(code + ".hint", "zh", **exc.value.params)
    said_en = t(code, "en", **exc.value.params) + t(code + ".hint", "en", **exc.value.params)
    assert zh in said_zh
    assert en_hint in said_en
    for phrase in ("Input should", "valid integer", "unable to", "Field required", "Extra inputs"):
        assert phrase not in said_zh and phrase not in said_en


def test_inline_token_named_in_the_cli(tmp_path: Path, cli: Callable[..., Result]) -> None:
    (tmp_path / "config.yaml").write_text(
        "language: zh\nchannels:\n  sms:\n    provider: twilio\n    from_number: '+15005550006'\n"
        "    auth_token: s3cret\n", encoding="utf-8")
    result = cli("check", cwd=tmp_path)
    assert result.code == 2
    assert "第 6 行" in result.err and "auth_token_env" in result.err
    assert "s3cret" not in result.err
