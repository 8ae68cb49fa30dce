"""Reasons: every rules result carries one as a catalog key plus parameters, rendered in zh or en here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .. import i18n


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a result is what it is: ``code`` is a message-catalog key, ``params`` fill it in.

    Parameters are plain values (``Decimal`` money, ``date``, ``int``, ``str``) or nested ``Reason``s.
    Tier names come as ``tier`` (English) and ``tier_zh`` (Chinese) so each language picks its own.
    """

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, lang: str = "zh") -> str:
        return explain(self, lang)


def display(value: Any, lang: str = "zh") -> Any:
    """A parameter as a person reads it: 31,200 or 31,200.50 for money, 2026-03-02 for days."""
    kind = type(value)
    # The exact types first (a refresh renders a million parameters); subclasses take the general path.
    if kind is str:
        return value
    if kind is int:
        return f"{value:,}"
    if kind is date:
        return value.isoformat()
    if kind is Decimal:
        return _money(value)
    if kind is Reason:
        return explain(value, lang)
    if isinstance(value, Reason):
        return explain(value, lang)
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return _money(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _money(value: Decimal) -> str:
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return format(value, ",")


def display_params(params: Mapping[str, Any], lang: str = "zh") -> dict[str, Any]:
    """All of a reason's (or a Problem's) parameters made readable, for ``i18n.t``."""
    return {k: display(v, lang) for k, v in params.items()}


def explain(reason: Reason, lang: str = "zh") -> str:
    """The reason as one sentence in ``lang`` ("zh" or "en")."""
    params = reason.params
    if not params:
        return i18n.t(reason.code, lang)
    shown: dict[str, Any] = {}
    for k, v in params.items():  # display()'s commonest cases inline: a refresh explains 100,000 reasons
        kind = type(v)
        if kind is str:
            shown[k] = v
        elif kind is int:
            shown[k] = f"{v:,}"
        elif kind is date:
            shown[k] = v.isoformat()
        else:
            shown[k] = display(v, lang)
    return i18n.fill(reason.code, lang, shown)


# Parameter types whose equal values always read alike (1 == 1.0 == True and Decimal("1.5") ==
# Decimal("1.50") do not), so two reasons with the same code and equal such parameters read alike.
_PLAIN_TYPES = frozenset({str, int, date})


class ReasonTexts:
    """:func:`explain` for many reasons in one language, rendering each distinct reason once.

    Reasons with the same code and equal parameters, all of them plain ``str``, ``int`` or ``date``,
    read alike: the second one costs a lookup. Made for one job's reasons (a refresh's 100,000
    lifecycle reasons read a few thousand ways) and dropped with it.
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._texts: dict[tuple[str, tuple[tuple[str, Any], ...]], str] = {}
        self._plain: dict[tuple[type, ...], bool] = {}

    def __call__(self, reason: Reason) -> str:
        params = reason.params
        types = tuple(map(type, params.values()))
        plain = self._plain.get(types)
        if plain is None:
            plain = self._plain[types] = all(kind in _PLAIN_TYPES for kind in types)
        if not plain:
            return explain(reason, self.lang)
        key = (reason.code, tuple(params.items()))
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = explain(reason, self.lang)
        return text
