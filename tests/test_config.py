"""config.yaml: the example loads; a wrong setting is named with its key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from loyalsheet.config import load_config, parse_config, starter_config_text
from loyalsheet.errors import ConfigError

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
    assert exc.value.code == "config_invalid"
    if line is not None:
        assert exc.value.params["line"] == line
        assert exc.value.params["key"] == key


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
