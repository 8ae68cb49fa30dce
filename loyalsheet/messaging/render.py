"""Render message templates: sandboxed Jinja2, strict about missing values, money and dates in the
member's language, SMS segment counts.

Templates live in ``message_templates/`` as ``<campaign>.<channel>.<lang>.j2``:

- SMS: the whole file is the text.
- E-mail: ``{% block subject %}`` and ``{% block text %}`` (plain text, required) and optionally
  ``{% block html %}``; without an html block the HTML part is made from the text, paragraph by
  paragraph, so every e-mail has a real plain-text part and an HTML part.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.core import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import format_currency, format_decimal
from jinja2 import FileSystemLoader, StrictUndefined, Template, TemplateError, TemplateSyntaxError, pass_context
from jinja2.runtime import Context
from smsutil.codecs import GSM_CHARSET, GSM_EXT_CHARSET

from .render_limits import BUDGET, BoundedSandbox, Budget

# In the project folder (and an editable install) the built-in templates are its message_templates/; an
# installed wheel carries them inside the package (pyproject.toml's package-dir).
_PACKAGED = Path(__file__).resolve().parents[1] / "message_templates"  # inside an installed wheel
TEMPLATES_DIR = _PACKAGED if _PACKAGED.is_dir() else Path(__file__).resolve().parents[2] / "message_templates"
_LOCALES = {"zh": "zh_CN", "en": "en_US"}


@lru_cache(maxsize=8)
def locale_of(lang: str) -> Locale:
    """The Babel locale of a language, parsed once (parsing a locale costs more than formatting with it)."""
    return Locale.parse(_LOCALES.get(lang, "zh_CN"))


@lru_cache(maxsize=8192)
def money(value: Decimal | int | float | str, currency: str = "CNY", lang: str = "zh") -> str:
    """``¥1,234.50`` in Chinese, ``CN¥1,234.50`` in English; whole amounts without cents."""
    amount = Decimal(str(value))
    fmt = "¤#,##0" if amount == amount.to_integral_value() else "¤#,##0.00"
    return format_currency(amount, currency, format=fmt, locale=locale_of(lang), currency_digits=False)


@lru_cache(maxsize=8192)
def number(value: int | Decimal, lang: str = "zh") -> str:
    return format_decimal(value, locale=locale_of(lang))


@lru_cache(maxsize=8192)
def long_date(value: date, lang: str = "zh") -> str:
    """``2026年12月31日`` / ``December 31, 2026``."""
    return format_date(value, format="long", locale=locale_of(lang))


@lru_cache(maxsize=8192)
def month_day(value: date, lang: str = "zh") -> str:
    """``12月31日`` / ``December 31``."""
    return format_skeleton("MMMd" if lang == "zh" else "MMMMd", value, locale=locale_of(lang))


@lru_cache(maxsize=8192)
def month_year(value: date, lang: str = "zh") -> str:
    """``2026年12月`` / ``December 2026``."""
    return format_skeleton("yMMMM", value, locale=locale_of(lang))


_LUNAR_MONTHS = ["正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "冬", "腊"]


@lru_cache(maxsize=8192)
def lunar_date(value: date, lang: str = "zh") -> str:
    """The Chinese lunar date of a solar day: ``农历十月初三`` / ``lunar month 10, day 3``."""
    from lunar_python import Solar

    lunar = Solar.fromYmd(value.year, value.month, value.day).getLunar()
    month, day = lunar.getMonth(), lunar.getDay()
    if lang == "zh":
        leap = "闰" if month < 0 else ""
        return f"农历{leap}{lunar.getMonthInChinese()}月{lunar.getDayInChinese()}"
    return f"lunar {'leap ' if month < 0 else ''}month {abs(month)}, day {day}"


@dataclass(frozen=True)
class SmsSize:
    encoding: str  # "GSM-7" or "UCS-2"
    characters: int
    segments: int


_GSM7 = re.compile("[" + re.escape(GSM_CHARSET) + "]+")
_GSM7_EXT = frozenset(GSM_EXT_CHARSET)
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def sms_size(text: str) -> SmsSize:
    """How many SMS segments a text costs: GSM-7 160/153 characters, UCS-2 (Chinese) 70/67.

    The same count as ``smsutil.split`` (an extension character such as ``€`` costs two GSM-7 septets,
    a character outside the BMP two UCS-2 units, and neither is cut between segments), computed
    without building the parts: a day's 100,000 SMS are counted in a fraction of a second.
    """
    if text and _GSM7.fullmatch(text):
        encoding, single, multi = "GSM-7", 160, 153
        heavy = sum(1 for ch in text if ch in _GSM7_EXT) if any(ch in _GSM7_EXT for ch in text) else 0
        is_heavy: Callable[[str], bool] = _GSM7_EXT.__contains__
    else:
        encoding, single, multi = "UCS-2", 70, 67
        heavy = len(_ASTRAL.findall(text))
        is_heavy = _is_astral
    units = len(text) + heavy
    if units <= single:
        return SmsSize(encoding, len(text), 1)
    if not heavy:
        return SmsSize(encoding, len(text), -(-units // multi))
    segments, used = 1, 0
    for ch in text:  # greedy, as the segments are cut: a two-unit character never straddles two
        w = 2 if is_heavy(ch) else 1
        if used + w > multi:
            segments, used = segments + 1, 0
        used += w
    return SmsSize(encoding, len(text), segments)


def _is_astral(ch: str) -> bool:
    return ord(ch) > 0xFFFF


@dataclass(frozen=True)
class Rendered:
    template: str  # file name
    subject: str | None
    text: str
    html: str | None


class RenderError(Exception):
    """A template failed to render: ``template`` (its file) and ``line`` say where, ``detail`` what."""

    def __init__(self, template: str, line: int | None, detail: str, path: Path | None = None) -> None:
        super().__init__(f"{path or template}:{line or '?'}: {detail}")
        self.template = template
        self.line = line
        self.detail = detail
        self.path = path


def _text_to_html(text: str) -> str:
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    body = "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)
    return f'<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">{body}</body></html>'


def _error_line(exc: BaseException, name: str) -> int | None:
    lineno = getattr(exc, "lineno", None)
    if isinstance(lineno, int):
        return lineno
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(name):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _ctx_lang(ctx: Context, lang: str | None) -> str:
    return lang or str(ctx.get("lang") or "zh")


@pass_context
def _money_filter(ctx: Context, value: Decimal | int | float | str, currency: str | None = None,
                  lang: str | None = None) -> str:
    return money(value, currency or str(ctx.get("currency") or "CNY"), _ctx_lang(ctx, lang))


@pass_context
def _number_filter(ctx: Context, value: int | Decimal, lang: str | None = None) -> str:
    return number(value, _ctx_lang(ctx, lang))


@pass_context
def _long_date_filter(ctx: Context, value: date, lang: str | None = None) -> str:
    return long_date(value, _ctx_lang(ctx, lang))


@pass_context
def _month_day_filter(ctx: Context, value: date, lang: str | None = None) -> str:
    return month_day(value, _ctx_lang(ctx, lang))


@pass_context
def _month_year_filter(ctx: Context, value: date, lang: str | None = None) -> str:
    return month_year(value, _ctx_lang(ctx, lang))


@pass_context
def _lunar_date_filter(ctx: Context, value: date, lang: str | None = None) -> str:
    return lunar_date(value, _ctx_lang(ctx, lang))


class Templates:
    """The message templates of one or more folders (the first that has a name wins), compiled once each,
    in Jinja's sandbox with per-message bounds on loops and text size (:mod:`loyalsheet.messaging.render_limits`).

    Filters, in the member's language (the context's ``lang``) unless given one: ``money`` (with the
    context's ``currency``), ``number``, ``long_date`` (2026年12月31日 / December 31, 2026),
    ``month_day`` (12月31日 / December 31), ``month_year`` (2026年12月 / December 2026), ``lunar_date`` (农历十月初三 / lunar month 10, day 3).
    """

    def __init__(self, directory: Path | Sequence[Path] = TEMPLATES_DIR) -> None:
        dirs = [directory] if isinstance(directory, Path) else list(directory)
        self.directories: tuple[Path, ...] = tuple(Path(d) for d in dirs)
        self.directory = self.directories[0]
        env = BoundedSandbox(
            loader=FileSystemLoader([str(d) for d in self.directories]), undefined=StrictUndefined,
            autoescape=False, keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True,
        )
        env.filters.update(money=_money_filter, number=_number_filter, long_date=_long_date_filter,
                           month_day=_month_day_filter, month_year=_month_year_filter,
                           lunar_date=_lunar_date_filter)
        self.env = env
        self._cache: dict[str, Template] = {}
        self._names: dict[tuple[str, str, str], str | None] = {}
        self._paths: dict[str, Path] = {}

    def names(self) -> list[str]:
        return sorted({p.name for d in self.directories for p in d.glob("*.j2")})

    def path_of(self, name: str) -> Path:
        """The file a template name is read from (the first folder that has it)."""
        if name not in self._paths:
            self._paths[name] = next((d / name for d in self.directories if (d / name).exists()),
                                     self.directory / name)
        return self._paths[name]

    def exists(self, name: str) -> bool:
        return any((d / name).exists() for d in self.directories)

    def name_for(self, campaign: str, channel: str, lang: str) -> str | None:
        """``<campaign>.<channel>.<lang>.j2``, else the other language's, else None (looked up once)."""
        key = (campaign, channel, lang)
        if key not in self._names:
            self._names[key] = next((name for name in (f"{campaign}.{channel}.{lang}.j2", f"{campaign}.{channel}.zh.j2",
                                                       f"{campaign}.{channel}.en.j2") if self.exists(name)), None)
        return self._names[key]

    def compile(self, name: str) -> None:
        """Compile ``name`` (raises :class:`RenderError` with the line of a syntax error)."""
        self._template(name)

    def _template(self, name: str) -> Template:
        template = self._cache.get(name)
        if template is None:
            try:
                template = self.env.get_template(name)
            except TemplateSyntaxError as exc:
                raise RenderError(name, exc.lineno, exc.message or str(exc), self.path_of(name)) from None
            except TemplateError as exc:
                raise RenderError(name, None, str(exc), self.path_of(name)) from None
            self._cache[name] = template
        return template

    def render(self, name: str, context: Mapping[str, Any]) -> Rendered:
        template = self._template(name)
        lang = str(context.get("lang", "zh"))
        ctx = {"lang": lang, **context, BUDGET: Budget(lang)}  # each message its own budget (render_limits)
        try:
            if "text" in template.blocks:
                return self._render_blocks(template, name, ctx)
            return Rendered(name, None, template.render(ctx).strip(), None)
        except (TemplateError, ArithmeticError, TypeError, ValueError, KeyError, AttributeError) as exc:
            raise RenderError(name, _error_line(exc, name), str(exc), self.path_of(name)) from None

    @staticmethod
    def _render_blocks(template: Template, name: str, ctx: dict[str, Any]) -> Rendered:
        try:
            tctx = template.new_context(ctx)
            text = "".join(template.blocks["text"](tctx)).strip()
            subject = "".join(template.blocks["subject"](tctx)).strip() if "subject" in template.blocks else None
            html_part = (
                "".join(template.blocks["html"](tctx)).strip() if "html" in template.blocks else _text_to_html(text)
            )
        except Exception as exc:
            # Rendering blocks by hand skips Jinja's traceback rewriting: do it, so the line is the template's.
            # handle_exception() re-raises the error with the template's own line numbers.
            template.environment.handle_exception()
            raise exc  # not reached: handle_exception always raises
        return Rendered(name, subject, text, html_part)


@lru_cache(maxsize=4)
def default_templates(directory: Path = TEMPLATES_DIR) -> Templates:
    return Templates(directory)
