"""Visit rhythms: the personas of the demo's members (loyal regulars, big spenders who come rarely,
frequent small spenders, new members, members gone quiet, members who never bought), their shares,
the days between their visits, the prices they pay and the shop's hours."""

from __future__ import annotations

REGULAR, FREQUENT, BIG, OCCASIONAL, QUIET, NEW, POTENTIAL = range(7)
PERSONA_NAMES = ("regular", "frequent small", "big spender", "occasional", "gone quiet", "new", "never bought")
_PERSONA_CUM = (0.20, 0.23, 0.31, 0.58, 0.72, 0.82, 1.0)  # cumulative shares of the personas above
_GAPS = {REGULAR: (18, 38), FREQUENT: (7, 12), BIG: (90, 240), OCCASIONAL: (60, 150), QUIET: (20, 42)}
_PRICES_MID = (128, 168, 198, 238, 268, 298, 368, 398, 468, 598, 680, 880, 1280)
_PRICES_SMALL = (58, 68, 88, 98, 128, 158, 188, 238, 298)
_PRICES_BIG = (2180, 2980, 3680, 4800, 5880, 6800, 8800, 12800, 16800, 19800)
_PRICES = {
    REGULAR: _PRICES_MID,
    FREQUENT: _PRICES_SMALL,
    BIG: _PRICES_BIG,
    OCCASIONAL: _PRICES_MID,
    QUIET: _PRICES_MID,
    NEW: _PRICES_MID,
}
_OPEN_MINUTES = 10 * 60 + 10  # visits from 10:10, so a top-up a few minutes before is still in shop hours
_OPEN_SPAN = 10 * 60 + 40  # ... to 20:50; a redemption right after stays before 21:00
