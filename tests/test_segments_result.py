"""The entry point's result: counts, labels, moves since the last refresh, and reasons that render fully."""

from __future__ import annotations

import re
import string
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from loyalsheet import i18n
from loyalsheet.i18n.catalog_segments import MESSAGES
from loyalsheet.model import Birthday, Member, Txn, TxnType
from loyalsheet.rules.explain import Reason
from loyalsheet.segments import (
    Aspect,
    Move,
    Quadrant,
    RfmGroup,
    SegmentResult,
    SegmentSettings,
    Stage,
    Standing,
    label,
    moves,
    segment,
)

TODAY = date(2026, 11, 22)


def member(mid: str, **kw: Any) -> Member:
    return Member(row=2, member_id=mid, name=mid, joined=date(2020, 1, 1), **kw)


def buys(mid: str, first: date, n: int, every: int, amount: int, category: str | None = "skincare") -> list[Txn]:
    return [Txn(row=2, day=first + timedelta(days=every * k), member_id=mid, type=TxnType.PURCHASE,
                amount=Decimal(amount), category=category) for k in range(n)]


def shop(today: date = TODAY) -> SegmentResult:
    ms = [
        member("new", birthday=Birthday(3, 4, 1990), gender="F"),
        member("regular", gender="M"),
        member("big"),
        member("quiet"),
        member("none"),
        *[member(f"s{k}") for k in range(6)],
    ]
    txns = [
        *buys("new", date(2026, 10, 1), 3, 10, 300),
        *buys("regular", date(2024, 1, 5), 60, 14, 150, "hair"),
        *buys("big", date(2026, 2, 1), 4, 60, 6000),
        *buys("quiet", date(2025, 12, 1), 10, 14, 900),
        *[t for k in range(6) for t in buys(f"s{k}", date(2026, 8, 1), 2, 30, 80, None)],
    ]
    return segment(ms, txns, SegmentSettings(), today)


def test_every_reason_renders_fully_in_both_languages() -> None:
    placeholder = re.compile(r"\{[a-z_]+\}")
    results = [shop(), shop(date(2025, 6, 1)), shop(date(2028, 1, 1))]
    seen: set[str] = set()
    for result in results:
        for ms in result.members:
            for reason in (ms.quadrant_reason, ms.rfm_reason, ms.stage_reason, ms.quiet_reason, ms.whale_reason,
                           ms.category_reason, ms.age_reason):
                assert isinstance(reason, Reason) and i18n.has(reason.code), reason.code
                seen.add(reason.code)
                for lang in ("en", "zh"):
                    text = reason.render(lang)
                    assert not placeholder.search(text), (reason, lang, text)
    assert len(seen) >= 15


def test_catalog_languages_agree_on_placeholders() -> None:
    fmt = string.Formatter()
    for key, texts in MESSAGES.items():
        assert set(texts) == {"en", "zh"} and all(texts.values()), key
        en = {f for _, f, _, _ in fmt.parse(texts["en"]) if f}
        zh = {f for _, f, _, _ in fmt.parse(texts["zh"]) if f}
        assert en == zh, key


def test_labels() -> None:
    assert [label(q, "zh") for q in Quadrant] == ["知己", "蝴蝶", "藤壶", "陌生人"]
    assert label(Quadrant.BARNACLE, "en") == "barnacle"
    assert label(Stage.MATURE, "en") == "mature" and label(RfmGroup.CANT_LOSE, "en") == "can't lose them"
    assert label(None) == "" and label(True, "en") == "yes"
    for value in [*Quadrant, *Stage, *RfmGroup]:
        assert i18n.has(f"seg.{ {Quadrant: 'quadrant', Stage: 'stage', RfmGroup: 'rfm'}[type(value)] }.{value.value}")


def test_counts_and_by_id() -> None:
    result = shop()
    counts = result.counts()
    assert sum(counts["quadrant"].values()) == len(result.members) == 11
    assert counts["stage"][Stage.POTENTIAL] == 1 and counts["quadrant"][None] == 1
    assert counts["gender"]["F"] == 1 and counts["age_band"]["35-44"] == 1
    assert counts["main_category"]["hair"] == 1 and counts["flags"]["whale"] >= 1
    assert result.by_id["big"].whale and result.by_id["none"].member_id == "none"


def test_moves_since_the_last_refresh() -> None:
    ms = [member("new"), member("quiet"), *[member(f"s{k}") for k in range(6)]]
    txns = [
        *buys("new", date(2026, 8, 20), 3, 20, 300),  # new until 90 days after 20 August
        *buys("quiet", date(2026, 6, 6), 10, 14, 900),  # every 14 days, last on 10 October
        *[t for k in range(6) for t in buys(f"s{k}", date(2026, 8, 1), 2, 30, 80, None)],
    ]
    before = segment(ms, txns, SegmentSettings(), date(2026, 11, 1))
    after = segment(ms, txns, SegmentSettings(), TODAY)
    previous = {x.member_id: Standing.of(x) for x in before.members}
    assert moves(previous, after) == [
        Move("new", Aspect.STAGE, Stage.NEW, Stage.GROWING, after.by_id["new"].stage_reason),
    ]
    got = moves(previous, after, aspects=tuple(Aspect))
    assert [(m.member_id, m.aspect, m.before, m.after) for m in got] == [
        ("new", Aspect.STAGE, Stage.NEW, Stage.GROWING),
        ("new", Aspect.GONE_QUIET, False, True),  # every 20 days, none for 54: valued (top 20%) and quiet
        ("quiet", Aspect.GONE_QUIET, False, True),
    ]
    assert got[2].reason.render("en") == "gone quiet: no visit for 43 days, usually every 14 days (> 2x)"
    assert moves(previous, after.members) == moves(previous, after)  # a plain list of rows works too
    # members missing from the previous refresh are not moves; unchanged members are not either
    assert moves({}, after) == []
    assert moves({x.member_id: Standing.of(x) for x in after.members}, after, aspects=tuple(Aspect)) == []
    # a standing read back from the sheet: the quiet member was a barnacle and new
    quiet = after.by_id["quiet"]
    got = moves({"quiet": Standing(Quadrant.BARNACLE, Stage.NEW)}, after)
    assert [(m.aspect, m.before, m.after) for m in got] == [
        (Aspect.QUADRANT, Quadrant.BARNACLE, quiet.quadrant),
        (Aspect.STAGE, Stage.NEW, quiet.stage),
    ]
    assert got[1].reason is quiet.stage_reason
