"""Message catalogs: every user-facing text in English and Chinese, looked up by key.

Each ``catalog_*.py`` module in this package holds one area's messages as
``MESSAGES = {key: {"en": ..., "zh": ...}}``; they are merged here once, at import.
A key missing from one language falls back to the other, then to the key itself.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from typing import Any

LANGUAGES = ("zh", "en")


def _load() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("catalog_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            for key, texts in module.MESSAGES.items():
                if key in merged:
                    raise RuntimeError(f"message key {key!r} is defined twice (in {info.name})")
                merged[key] = texts
    return merged


CATALOG: dict[str, dict[str, str]] = _load()


def has(key: str) -> bool:
    return key in CATALOG


def t(key: str, lang: str = "zh", /, **params: Any) -> str:
    """The text for ``key`` in ``lang`` with ``params`` filled in."""
    return fill(key, lang, params)


def fill(key: str, lang: str, params: Mapping[str, Any]) -> str:
    """:func:`t` with the parameters given as a mapping (not copied: for callers that render many texts)."""
    texts = CATALOG.get(key)
    if texts is None:
        return key
    text = texts.get(lang) or texts.get("en") or texts.get("zh") or key
    try:
        return text.format_map(params)
    except (KeyError, IndexError, ValueError):
        return text


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def one_language(text: str, lang: str) -> str:
    """``"生日礼 / Birthday gift"`` in ``lang`` only (a text from config written in both, split at " / ");
    any other text as it is."""
    parts = [p.strip() for p in text.split(" / ")]
    if len(parts) != 2 or _has_cjk(parts[0]) == _has_cjk(parts[1]):
        return text
    zh, en = parts if _has_cjk(parts[0]) else parts[::-1]
    return zh if lang == "zh" else en


def label(prefix: str, code: str | None, lang: str) -> str:
    """``code`` (a campaign, a channel) as a manager reads it, from the catalog key ``prefix.code``; else as is."""
    if not code:
        return ""
    return t(f"{prefix}.{code}", lang) if f"{prefix}.{code}" in CATALOG else code
