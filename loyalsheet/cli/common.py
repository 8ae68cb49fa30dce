"""What every command shares: options, the language, the day, loading config and the member file."""

from __future__ import annotations

import functools
import gc
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from ..config import Config, load_config
from ..errors import ConfigError, LoyalsheetError
from ..i18n import t
from ..model import MemberFile
from ..workbook.access import BookAccess, FileBook
from ..workbook.chain import open_chain
from ..workbook.schema import SHEETS_BY_KEY

F = TypeVar("F", bound=Callable[..., Any])


def collect_cycles() -> None:
    """Switch Python's cyclic collector back on, at its own thresholds: a command runs with it off while
    it computes (see main.py), and a long loop (the scheduler's, the sending of messages) is about to run."""
    gc.set_threshold(700, 10, 10)
    gc.enable()


def _default_lang() -> str:
    env = os.environ.get("LOYALSHEET_LANG") or os.environ.get("LANG") or ""
    return "zh" if env.lower().startswith("zh") else "en"


@dataclass
class App:
    """The state of one command run: options given, and what has been loaded so far."""

    config_path: Path
    lang_flag: str | None
    json_output: bool = False
    store_flag: str | None = None
    _config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    def config_or_default(self, workbook: Path | None) -> Config:
        """config.yaml when there is one; built-in defaults when only --workbook was given."""
        try:
            return self.config
        except ConfigError as exc:
            if exc.code == "config_missing" and workbook is not None:
                self._config = Config(base_dir=Path.cwd())
                return self._config
            raise

    @property
    def lang(self) -> str:
        if self.lang_flag:
            return self.lang_flag
        if self._config is None and self.config_path.exists():
            try:
                return self.config.language
            except LoyalsheetError:
                return _default_lang()
        return self._config.language if self._config is not None else _default_lang()

    def t(self, key: str, /, **params: Any) -> str:
        return t(key, self.lang, **params)

    @property
    def store(self) -> str | None:
        """The store named by --store, as config spells it; None for the whole chain."""
        if self.store_flag is None:
            return None
        names = [s.name for s in self.config.stores]
        wanted = self.store_flag.strip().casefold()
        match = next((n for n in names if n.casefold() == wanted), None)
        if match is None:
            raise LoyalsheetError("store.unknown", store=self.store_flag, stores=", ".join(names))
        return match

    def members_of_store(self, mf: MemberFile) -> frozenset[str] | None:
        """The member IDs of the --store (by their Store column), or None without --store."""
        store = self.store
        if store is None:
            return None
        return frozenset(m.member_id for m in mf.members if self.config.home_store(m.store) == store)

    def today(self, day: date | None) -> date:
        """The day a command answers for: --date, or today in the store's time zone (--store, else the first)."""
        if day is not None:
            return day
        tz = self.config.store(self.store).timezone if self._config is not None else "Asia/Shanghai"
        return datetime.now(ZoneInfo(tz)).date()


# What a terminal would act on instead of showing: C0 and C1 control characters (ESC starts colour, link and
# title sequences; CR and backspace overwrite what was shown) and the bidirectional embedding, override and
# isolate marks (they reorder what follows them on the line). Line breaks and tabs are shown as they are.
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(text: str) -> str:
    """``text`` safe for a terminal: every control character and direction mark shown as its escape (``\\x1b``)."""
    return _TERMINAL_CONTROLS.sub(_visible, text)


class SafeConsole(Console):
    """A rich Console that prints every string as it is: no markup (``[bold]``, ``[link=...]``), no emoji
    codes (``:smile:``), control characters made visible. Member names, notes, store names and file names
    come from the workbook and config.yaml: they are data, never instructions to the terminal.

    Every str reaches the screen through :meth:`render_str` (printed directly, or as a table's title or
    cell), so this one override covers them all; styles are given as :class:`rich.text.Text` (see
    :func:`styled`).
    """

    def render_str(self, text: str, *, style: str | Any = "", justify: Any = None, overflow: Any = None,
                   emoji: bool | None = None, markup: bool | None = None, highlight: bool | None = None,
                   highlighter: Any = None) -> Text:
        return Text(terminal_text(text), style=style, justify=justify, overflow=overflow)


def styled(*parts: str | tuple[str, str]) -> Text:
    """A line with styled pieces, e.g. ``styled(("Error", "bold red"), ": ", message)``; text stays text."""
    return Text.assemble(*((terminal_text(p[0]), p[1]) if isinstance(p, tuple) else terminal_text(p) for p in parts))


def err_console() -> Console:
    return SafeConsole(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)


def out_console() -> Console:
    return SafeConsole(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 200, markup=False,
                       emoji=False)


def print_json(data: Any) -> None:
    """``data`` as JSON; characters a terminal would act on (C1 controls, direction marks) as ``\\uXXXX`` escapes
    (json already escapes the C0 ones), so the same text reads back and prints safely."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    click.echo(_TERMINAL_CONTROLS.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text))


def _parse_day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        lang = (ctx.params.get("lang") or _default_lang()) if ctx else "en"
        raise click.BadParameter(t("date.bad", lang, value=value)) from None


def common_options(*, json_flag: bool = False, day: bool = False) -> Callable[[F], F]:
    """--config, --lang and, where the command needs them, --json and --date."""

    def decorate(func: F) -> F:
        @click.option(
            "--config", "config_path", type=click.Path(path_type=Path), default=Path("config.yaml"),
            show_default=True, help="config.yaml to use / 配置文件",
        )
        @click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="Language of the output / 输出语言")
        @click.option("--store", "store_name", default=None, metavar="NAME",
                      help="One store of a chain (as named in config.yaml; default: the whole chain) / 只看某一门店")
        @functools.wraps(func)
        def wrapper(*args: Any, config_path: Path, lang: str | None, store_name: str | None, **kwargs: Any) -> Any:
            app = App(config_path=config_path, lang_flag=lang, json_output=bool(kwargs.get("as_json")),
                      store_flag=store_name)
            return func(app, *args, **kwargs)

        result: Callable[..., Any] = wrapper
        if json_flag:
            result = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts / 输出 JSON")(result)
        if day:
            result = click.option(
                "--date", "day", callback=_parse_day, default=None, metavar="YYYY-MM-DD",
                help="Answer as of this day (default: today in the store's time zone) / 按指定日期计算",
            )(result)
        return result  # type: ignore[return-value]

    return decorate


class Bar:
    """Progress on the terminal (stderr) for long work: call it with (what, done, total), where ``what``
    is a sheet key while reading or ``"send"`` while sending. Silent when not a terminal or with --json."""

    def __init__(self, app: App, progress: Progress | None) -> None:
        self._app = app
        self._progress = progress
        self._tasks: dict[str, Any] = {}

    def __call__(self, key: str, done: int, total: int) -> None:
        if self._progress is None:
            return
        if key not in self._tasks:
            sheet = SHEETS_BY_KEY.get(key)
            if key == "send":
                text = self._app.t("today.sending")
            else:
                name = (sheet.zh if self._app.lang == "zh" else sheet.en) if sheet else key
                text = self._app.t("progress.reading", sheet=name)
            self._tasks[key] = self._progress.add_task(text, total=total)
        self._progress.update(self._tasks[key], completed=done, total=total)

    def sending(self, done: int, total: int) -> None:
        self("send", done, total)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Take the bar off the terminal while something else prints, then put it back."""
        if self._progress is None:
            yield
            return
        self._progress.stop()
        try:
            yield
        finally:
            for task in list(self._tasks.values()):
                self._progress.remove_task(task)
            self._tasks.clear()
            self._progress.start()


@contextmanager
def progress_bar(app: App, enabled: bool = True) -> Iterator[Bar]:
    """A progress bar on the terminal (stderr) for long work; silent when not a terminal or with --json."""
    if not enabled or app.json_output or not sys.stderr.isatty():
        yield Bar(app, None)
        return
    with Progress(
        TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console(), transient=True,
    ) as progress:
        yield Bar(app, progress)


def open_book(app: App, workbook: Path | None) -> tuple[Config, BookAccess]:
    """The config and the member file a command works on: --workbook, else the one config.yaml names,
    with the books of the stores that keep their own (read as one, each sheet written to its book)."""
    config = app.config_or_default(workbook)
    _ = app.store  # an unknown --store is refused before anything is read
    if workbook is not None:
        return config, FileBook(workbook.resolve())
    return config, open_chain(config.workbook_path, config.own_books, regions=config.regions)


def load_member_file(app: App, workbook: Path | None) -> tuple[Config, MemberFile]:
    config, book = open_book(app, workbook)
    with progress_bar(app) as update:
        mf = book.read_member_file(config.region, update)
    return config, mf
