"""Money inside the rules: whole cents (``int``) while computing, ``Decimal`` in every result."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_ONE = Decimal(1)


def cents(amount: Decimal) -> int:
    """``Decimal("1200.505")`` -> ``120051`` (half up)."""
    return int((amount * 100).quantize(_ONE, ROUND_HALF_UP))


def money(c: int) -> Decimal:
    """``120050`` -> ``Decimal("1200.50")``."""
    return Decimal(c).scaleb(-2)


ZERO = money(0)
