"""Holdout groups (对照组): which members due a marketing message are held out to measure its effect.

The choice is a pure function of the message key (``campaign:member:occasion``): the key's BLAKE2b
hash (8 bytes; as well spread as SHA-256 and a quarter faster, which counts on a festival day of
100,000 members), read as a number in [0, 1), is below the campaign's share. So a rerun of the day, on this machine or
another, holds out exactly the same people, and each occasion draws afresh (a member held out of one
win-back spell is not always held out of the next). A service message is never held out.
"""

from __future__ import annotations

import hashlib

_SCALE = float(1 << 64)


def draw(key: str) -> float:
    """The message key's fixed draw in [0, 1): its 8-byte BLAKE2b hash (UTF-8) over 2**64."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big") / _SCALE


def held_out(key: str, kind: str, share: float) -> bool:
    """True when the message ``key`` of ``kind`` (service / marketing) goes to the holdout group."""
    return kind == "marketing" and share > 0 and draw(key) < share
