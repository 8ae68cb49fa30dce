"""The first hour: how to type the next command, and the steps a new shop takes next (init, demo)."""

from __future__ import annotations

import locale
import os
import shutil
import sys
from pathlib import Path

from ..i18n import t


def system_lang() -> str:
    """zh when the computer's language is Chinese (LOYALSHEET_LANG, the locale variables, or Windows'), else en."""
    for var in ("LOYALSHEET_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    try:
        name = locale.getlocale()[0] or ""
    except ValueError:
        name = ""
    return "zh" if name.lower().startswith(("zh", "chinese")) else "en"


def _quote(text: str) -> str:
    return f'"{text}"' if any(c in text for c in " &()'") else text


def command_name() -> str:
    """How to type `loyalsheet` so it runs this very program: its name when on PATH, else its full path."""
    me = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    found = shutil.which("loyalsheet")
    if me is not None and me.name.lower().startswith("loyalsheet") and me.exists():
        if found is not None and Path(found).resolve() == me.resolve():
            return "loyalsheet"
        return _quote(str(me.resolve()))
    if found is not None:
        return "loyalsheet"
    return _quote(sys.executable) + " -m loyalsheet"


def config_option(config: Path) -> str:
    """`` --config PATH`` to reach ``config`` from the current folder; nothing when it is this folder's."""
    try:
        if config.resolve() == (Path.cwd() / "config.yaml").resolve():
            return ""
        shown = os.path.relpath(config.resolve(), Path.cwd())
    except ValueError:  # another drive on Windows
        shown = str(config.resolve())
    return " --config " + _quote(shown)


def next_steps(lang: str, workbook: Path, config: Path, *, demo: bool = False) -> str:
    """The numbered next steps after `init` (or `demo`), with commands that work as typed."""
    cmd = command_name()
    opt = config_option(config)
    key = "start.demo_next" if demo else "start.init_next"
    return t(key, lang, file=str(workbook), check=f"{cmd} check{opt}", today=f"{cmd} today{opt}",
             refresh=f"{cmd} refresh{opt}", birthdays=f"{cmd} birthdays{opt}", init=f"{cmd} init",
             send=f"{cmd} today --send{opt}")
