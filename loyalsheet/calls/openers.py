"""The right words for each reason: an opening line and a one-line purpose per call.

Templates live in ``message_templates/calls/`` (and a shop's own ``<messaging.templates>/calls/``
first), one per reason and language: ``<kind>.<lang>.j2``, or ``<kind>.<trade>.<lang>.j2`` for a
trade's own wording (config ``trade``: beauty, dental, ...). Each has two blocks, ``purpose`` (what
the call is for, one line) and ``opening`` (what to say first). They see ``name``, ``store``,
``family`` (who else in the household is due) and the reason's values (``days``, ``due``, ``since``,
``interval``, ``points``, ``until``, ``title``, ``day``, ``service`` ...). Rendered in Jinja2's
sandbox: a member's name is data, never code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Template, TemplateError

from ..errors import ConfigError
from ..messaging.render import TEMPLATES_DIR, Templates

CALL_TEMPLATES_DIR = TEMPLATES_DIR / "calls"


@dataclass(frozen=True)
class Words:
    opening: str
    purpose: str


class Openers:
    """Call templates, each compiled once; ``words`` renders one call's opening line and purpose."""

    def __init__(self, directories: Sequence[Path] = (CALL_TEMPLATES_DIR,), trade: str | None = None) -> None:
        self.templates = Templates([d for d in directories if d.is_dir()] or [CALL_TEMPLATES_DIR])
        self.trade = (trade or "").strip().casefold() or None
        self._found: dict[tuple[str, str], Template] = {}

    def _template(self, kind: str, lang: str) -> Template:
        key = (kind, lang)
        hit = self._found.get(key)
        if hit is None:
            names = [f"{kind}.{lang}.j2", f"{kind}.{'en' if lang == 'zh' else 'zh'}.j2"]
            if self.trade:
                names.insert(0, f"{kind}.{self.trade}.{lang}.j2")
            name = next((n for n in names if self.templates.exists(n)), None)
            if name is None:
                raise ConfigError("calls.no_template", name=f"{kind}.{lang}.j2", folder=str(self.templates.directory))
            try:
                hit = self.templates.env.get_template(name)
            except TemplateError as exc:
                raise ConfigError("calls.bad_template", name=name, detail=str(exc)) from None
            self._found[key] = hit
        return hit

    def words(self, kind: str, lang: str, context: Mapping[str, Any]) -> Words:
        template = self._template(kind, lang)
        ctx = template.new_context({"lang": lang, **context})
        try:
            opening = "".join(template.blocks["opening"](ctx)).strip()
            purpose = "".join(template.blocks["purpose"](ctx)).strip() if "purpose" in template.blocks else ""
        except (TemplateError, KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
            raise ConfigError("calls.bad_template", name=str(template.name), detail=str(exc)) from None
        return Words(" ".join(opening.split()), " ".join(purpose.split()))
