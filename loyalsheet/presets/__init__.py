"""Presets from real practice: a trade's settings, Events rows and message wording, for `init --preset`.

Each preset is a data file ``<trade>.yaml`` in this folder (title, a config.yaml block, the Events rows,
the words a demo of that trade uses) and, where the wording differs from the built-in templates, the
message templates in ``templates/<trade>/`` that `init` copies beside the new member file.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

PRESETS = ("dental", "beauty", "tcm", "retail")
PRESET_DIR = Path(__file__).resolve().parent
TEMPLATES_FOLDER = "message_templates"  # beside config.yaml, where init copies a preset's wording


@dataclass(frozen=True)
class PresetEvent:
    month: int
    day: int
    title: str
    title_en: str
    invite_days: int


@dataclass(frozen=True)
class Preset:
    key: str
    title: dict[str, str]
    sender: dict[str, str]
    config: str  # the preset's block of config.yaml (its own comments included)
    events: tuple[PresetEvent, ...]
    demo_words: dict[str, tuple[str, ...]]  # categories, services, notes, redeem_notes

    @property
    def templates_dir(self) -> Path:
        return PRESET_DIR / "templates" / self.key

    @property
    def has_templates(self) -> bool:
        return any(self.templates_dir.glob("*.j2"))


@cache
def load_preset(key: str) -> Preset:
    """The preset named ``key`` (one of :data:`PRESETS`)."""
    if key not in PRESETS:
        raise KeyError(key)
    data: dict[str, Any] = YAML(typ="safe").load((PRESET_DIR / f"{key}.yaml").read_text(encoding="utf-8"))
    events = tuple(
        PresetEvent(int(e["month"]), int(e["day"]), str(e["title"]), str(e["title_en"]), int(e["invite_days"]))
        for e in data.get("events") or ()
    )
    words = {k: tuple(str(w) for w in v) for k, v in (data.get("demo") or {}).items()}
    return Preset(key, dict(data["title"]), dict(data["sender"]), str(data["config"]), events, words)


def preset_config_text(preset: Preset, stores: tuple[str, ...], *, sample_sender: bool = True) -> str:
    """The preset's block of config.yaml, with the templates folder and, with ``sample_sender``, the
    preset's sample shop name as each store's signature (else messages are signed with the store's name)."""

    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML string too

    lines = ["", preset.config.rstrip("\n"), "messaging:"]
    if preset.has_templates:
        lines.append(f"  templates: {TEMPLATES_FOLDER}   # this trade's wording; edit it there")
    if sample_sender:
        lines.append("  sender_names:      # 【signature】 of Chinese SMS, per store (blank: the store's name)")
        lines += [f"    {q(s)}: {q(preset.sender['zh'])}" for s in stores]
        lines.append("  sender_names_en:   # in English messages")
        lines += [f"    {q(s)}: {q(preset.sender['en'])}" for s in stores]
    else:
        lines.append("  # sender_names: {store: signature}   # 【signature】 of Chinese SMS; blank: the store's name")
    return "\n".join(lines) + "\n"


def copy_templates(preset: Preset, folder: Path) -> Path | None:
    """Copy the preset's message templates into ``folder``/message_templates (never overwriting a file)."""
    if not preset.has_templates:
        return None
    target = folder / TEMPLATES_FOLDER
    target.mkdir(exist_ok=True)
    for source in sorted(preset.templates_dir.glob("*.j2")):
        if not (target / source.name).exists():
            shutil.copyfile(source, target / source.name)
    return target


def event_rows(preset: Preset, today: date, lang: str) -> list[list[object]]:
    """Rows of the Events sheet: each of the preset's events on its next day from ``today`` on."""
    rows: list[tuple[date, list[object]]] = []
    for n, event in enumerate(preset.events, start=1):
        day = date(today.year, event.month, event.day)
        if day < today:
            day = date(today.year + 1, event.month, event.day)
        title = event.title_en if lang == "en" else event.title
        rows.append((day, [f"E{n:02d}", title, day, event.invite_days, "all" if lang == "en" else "全部", None]))
    return [row for _, row in sorted(rows, key=lambda r: r[0])]
