"""Bounds on one message's rendering: a template that would loop for hours or build a gigabyte stops
with a clear template error instead.

Jinja's sandbox already refuses unsafe attributes and caps ``range()`` at 100,000 items, but nested
loops multiply (``range(100000)`` inside ``range(100000)`` runs 10^10 times) and ``"x" * 10**9``
builds a gigabyte. :class:`BoundedSandbox` adds, per message:

- a **step budget**: every loop's items are counted together (``MAX_LOOP_STEPS`` for the message, all
  loops and blocks included), by wrapping each ``{% for %}``'s iterable when the template is compiled;
- a **size cap** on what ``*``, ``**`` and the width-taking filters (``center``, ``indent``,
  ``format``) may build (``MAX_TEXT``), checked before the value is built.

The limits count work, not seconds, so a message renders (or fails) the same on every machine.
Real templates stay far inside them: a message lists a few dozen items at most.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Iterator
from typing import Any

from jinja2 import nodes, pass_context
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from ..i18n import t

MAX_LOOP_STEPS = 20_000  # loop items per message, all loops together
MAX_TEXT = 100_000  # characters (or items) one operation may build; an SMS is 70-160, an e-mail a few thousand
BUDGET = "__loyalsheet_budget__"  # the context variable that holds the message's budget
_GUARD = "__loyalsheet_loop__"  # the global every {% for %} iterable passes through


class TemplateLimitError(SecurityError):
    """The template went past a limit (too many loop steps, too long a text): a template error."""


class Budget:
    """The loop steps left for one message."""

    __slots__ = ("lang", "left")

    def __init__(self, lang: str = "en") -> None:
        self.left = MAX_LOOP_STEPS
        self.lang = lang


def _lang(ctx: Context) -> str:
    return str(ctx.get("lang") or "en")


@pass_context
def _loop_guard(ctx: Context, iterable: Iterable[Any]) -> Iterator[Any]:
    budget = ctx.get(BUDGET)
    if not isinstance(budget, Budget):  # a context without one (a template rendered outside Templates.render)
        budget = Budget(_lang(ctx))
    for item in iterable:
        budget.left -= 1
        if budget.left < 0:
            raise TemplateLimitError(t("render.too_many_steps", budget.lang, limit=f"{MAX_LOOP_STEPS:,}"))
        yield item


def _too_long(ctx: Context, size: int) -> TemplateLimitError:
    return TemplateLimitError(t("render.too_long", _lang(ctx), size=f"{size:,}", limit=f"{MAX_TEXT:,}"))


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else 1


_FORMAT_WIDTH = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _bounded_filters(env: SandboxedEnvironment) -> None:
    center, indent, fmt = env.filters["center"], env.filters["indent"], env.filters["format"]

    @pass_context
    def bounded_center(ctx: Context, value: str, width: int = 80) -> str:
        if isinstance(width, int) and width > MAX_TEXT:
            raise _too_long(ctx, width)
        return str(center(value, width))

    @pass_context
    def bounded_indent(ctx: Context, value: str, width: int | str = 4, *args: Any, **kwargs: Any) -> str:
        extra = width if isinstance(width, int) else len(str(width))
        if extra * (str(value).count("\n") + 1) + len(str(value)) > MAX_TEXT:
            raise _too_long(ctx, extra * (str(value).count("\n") + 1))
        return str(indent(value, width, *args, **kwargs))

    @pass_context
    def bounded_format(ctx: Context, value: str, *args: Any, **kwargs: Any) -> str:
        for match in _FORMAT_WIDTH.finditer(str(value)):
            for number in match.groups():
                if number == "*" or (number is not None and int(number) > MAX_TEXT):
                    raise _too_long(ctx, int(number) if number and number != "*" else MAX_TEXT + 1)
        return str(fmt(value, *args, **kwargs))

    env.filters.update(center=bounded_center, indent=bounded_indent, format=bounded_format)


class BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox with the per-message bounds above. Render with the context variable ``BUDGET``
    set to a fresh :class:`Budget` for each message."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals[_GUARD] = _loop_guard
        _bounded_filters(self)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            guarded = nodes.Call(nodes.Name(_GUARD, "load"), [loop.iter], [], None, None)
            guarded.set_lineno(loop.lineno)
            loop.iter = guarded
        tree.set_environment(self)
        return tree

    def call_binop(self, context: Context, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "*":
            for a, b in ((left, right), (right, left)):
                sequence, times = isinstance(a, str | bytes | list | tuple), isinstance(b, int) and not isinstance(b, bool)
                if sequence and times and _size(a) * b > MAX_TEXT:
                    raise _too_long(context, _size(a) * b)
            return operator.mul(left, right)
        if operator_ == "**":
            if isinstance(left, int | float) and isinstance(right, int | float) and abs(right) > 64 and abs(left) > 1:
                raise _too_long(context, MAX_TEXT + 1)
            return operator.pow(left, right)
        return super().call_binop(context, operator_, left, right)


__all__ = ["BUDGET", "MAX_LOOP_STEPS", "MAX_TEXT", "BoundedSandbox", "Budget", "TemplateLimitError"]
