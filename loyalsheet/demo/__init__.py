"""A made-up beauty salon's loyalty program in one member file, for trying the tool and for benchmarks.

:func:`generate` builds every sheet of the contract (MEMBER_FILE.md) as rows in the schema's column
order, typed the way a front desk types them: phones in several spellings, Chinese choice words,
birthdays with and without a year, some lunar. The data hangs together: stored value is never
overdrawn, points are never redeemed before they are earned, gift cards are used within their value
and validity, families share a stored-value card holder's balance. Visits follow personas (loyal
regulars, big spenders who come rarely, frequent small spenders, new members, members gone quiet,
members who registered but never bought), so every segment and campaign has someone in it.

With ``with_mistakes`` about a dozen typical typing mistakes are planted, each recorded with the
exact cell and the problem code ``check`` should report for it.

Everything is drawn from ``random.Random(seed)``: the same arguments give the same book. The day is
an argument; nothing here reads the clock. :func:`write_demo` is the only part that touches files.

The modules: ``words`` (the words and numbers the book is typed in), ``personas`` (visit rhythms),
``state`` (the generator's state and shared helpers), ``people`` (the Members sheet), ``transactions``
(purchases, stored value, points), ``cards`` (gift and course cards), ``sheets`` (events, calls,
attendance, opt-outs, vouchers), ``generator`` (all steps in order), ``mistakes`` (planted mistakes),
``book`` (:func:`generate`), ``config`` (config.yaml) and ``writer`` (:func:`write_demo`).
"""

from __future__ import annotations

# The names of __all__, and (as ``X as X``) the others imported from loyalsheet.demo: by the demo command,
# the trade presets (loyalsheet.presets.demo), scripts/bench_read and the tests
from .book import DemoBook, generate
from .config import CONFIG_NAME as CONFIG_NAME
from .config import WORKBOOK_NAME as WORKBOOK_NAME
from .config import config_text
from .config import demo_stores as demo_stores
from .mistakes import MIN_MEMBERS_FOR_MISTAKES, PlantedMistake
from .words import _COURSES as _COURSES
from .words import _NOTES as _NOTES
from .words import _REDEEM_NOTES as _REDEEM_NOTES
from .words import CATEGORIES as CATEGORIES
from .writer import write_demo

__all__ = [
    "MIN_MEMBERS_FOR_MISTAKES",
    "DemoBook",
    "PlantedMistake",
    "config_text",
    "generate",
    "write_demo",
]
