"""The week's calls on hand-built books: ranking, capacity and carry-forward, the words for each reason,
households and real expiry dates. (Outcomes at the next refresh and the event funnel: test_calls_outcomes.py.)"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from loyalsheet.ahead import first_purchases
from loyalsheet.calls.build import CallList
from loyalsheet.calls.openers import Openers
from loyalsheet.calls.outcomes import CallOutcome
from loyalsheet.calls.sheet import (
    MEMBER,
    NO,
    OPENING,
    PHONE,
    PURPOSE,
    TYPE,
    WAITING,
    WHY,
    WHY_NOW,
    calls_sheet,
    read_call_list,
)
from loyalsheet.calls.week import week_calls
from loyalsheet.config import Config
from loyalsheet.model import CallNote
from loyalsheet.rules import evaluate
from loyalsheet.segments import segment
from loyalsheet.workbook.reader import read_member_file
from loyalsheet.workbook.writer import read_owned_sheet
from tests.helpers import Result

DAY = date(2026, 11, 22)
HEADER = ["Member ID", "Name", "Phone", "Email", "Joined", "Birthday", "Family of"]
TXN_HEADER = ["Date", "Member ID", "Type", "Amount"]


def _every(member: str, last: date, days: int, n: int, amount: int) -> list[list[Any]]:
    return [[last - timedelta(days=days * k), member, "消费", amount] for k in range(n)]


def shop() -> tuple[list[list[Any]], list[list[Any]]]:
    """One member per reason, each built so that only that reason applies."""
    members = [
        ["F3", "三天", "13800000001", None, "2026-11-19"],
        ["F3W", "三周", "13800000002", None, "2026-11-01"],
        ["F3M", "三月", "13800000003", None, "2026-08-24"],
        ["Q", "常客", "13800000004", None, "2025-01-01"],  # every 21 days, not seen for 63
        ["L", "半年客", "13800000005", None, "2024-06-01"],  # twice a year, not seen for 300 days
        ["B", "寿星", "13800000006", None, "2024-01-01", "12-01"],
        ["P", "积分", "13800000007", None, "2025-01-01"],
        ["E", "大客户", "13800000008", None, "2024-01-01"],
    ]
    txns = [
        ["2026-11-19", "F3", "消费", 300],
        ["2026-11-01", "F3W", "消费", 300],
        ["2026-08-24", "F3M", "消费", 300],
        *_every("Q", DAY - timedelta(days=63), 21, 6, 2000),
        *[[d, "L", "消费", 5000] for d in ("2024-07-01", "2025-01-01", "2025-07-01", "2026-01-26")],
        ["2025-03-03", "B", "消费", 10000], ["2026-09-01", "B", "消费", 200],
        ["2025-11-05", "P", "消费", 500], ["2026-10-20", "P", "消费", 50],
        ["2024-03-01", "E", "消费", 30000], ["2026-10-15", "E", "消费", 60000],
    ]
    return members, txns


EVENTS = [["Event", "Title", "Date", "Audience"], ["EV1", "新品体验会", "2026-11-28", "all"]]


def plan(path: Path, today: date = DAY, settings: Mapping[str, Any] | None = None, *,
         notes: Sequence[Any] = (), waiting: Mapping[str, date] | None = None, trade: str | None = None) -> CallList:
    config = Config.model_validate({"call_list": dict(settings or {}), "trade": trade})
    mf = read_member_file(path)
    ev = evaluate(mf, config, today)
    seg = segment(mf.members, mf.txns, config.segments, today)
    return week_calls(mf, ev, seg, config, "zh", notes, waiting or {}, None, first_purchases(mf.txns, today),
                      Openers(trade=trade))


def test_ranking_follows_the_order_and_each_members_own_rhythm(book: Callable[..., Path]) -> None:
    members, txns = shop()
    path = book(members, txns, member_header=HEADER, txn_header=TXN_HEADER, extra={"Events": EVENTS})
    week = plan(path)
    order = [(r[MEMBER], r[TYPE]) for r in week.rows]
    assert order == [("F3", "3天回访"), ("Q", "沉睡唤醒"), ("L", "沉睡唤醒"), ("B", "生日关怀"), ("P", "即将过期"),
                     ("F3W", "3周回访"), ("F3M", "3个月回访"), ("E", "活动邀请")]
    why = {r[MEMBER]: r[WHY] for r in week.rows}
    # churn by the member's own rhythm: every 21 days and gone 63 beats twice a year and gone 300
    assert "平时每 21 天来一次，已 63 天没来" in why["Q"]
    assert "已 300 天没来" in why["L"]
    # the points' real expiry: the lot earned in November 2025 lapses at the end of November 2026
    assert "500 积分将于 2026-11-30 过期" in why["P"]
    assert "新品体验会" in why["E"]


def test_the_order_is_the_configs(book: Callable[..., Path]) -> None:
    members, txns = shop()
    path = book(members, txns, member_header=HEADER, txn_header=TXN_HEADER, extra={"Events": EVENTS})
    week = plan(path, settings={"order": ["event", "followup-3m"]})
    kinds = [r[TYPE] for r in week.rows]
    assert kinds == ["活动邀请", "活动邀请", "3个月回访", "3天回访", "沉睡唤醒", "生日关怀", "即将过期", "3周回访"]
    # (the kinds left out follow in the default order; the frequent big spender Q is invited first now)
    assert [r[MEMBER] for r in week.rows[:2]] == ["E", "Q"]


def test_capacity_counts_who_waits_and_carries_them_forward(book: Callable[..., Path], tmp_path: Path) -> None:
    members, txns = shop()
    path = book(members, txns, member_header=HEADER, txn_header=TXN_HEADER, extra={"Events": EVENTS})
    week = plan(path, settings={"capacity": 3})
    assert [r[MEMBER] for r in week.rows] == ["F3", "Q", "L"]
    assert [r[MEMBER] for r in week.waiting] == ["B", "P", "F3W", "F3M", "E"]
    assert all(r[PHONE] is None and r[OPENING] is None for r in week.waiting)  # who waits is not phoned yet
    sheet = calls_sheet(week.rows, week.waiting, "回访名单 Call list", "zh-en", "zh", "11:00-12:00")
    texts = [r[0] for r in sheet.rows if isinstance(r[0], str)]
    assert "还有 5 位本周未排入（下周优先）：" in texts
    assert "3 分钟" in texts[0]  # the reminder row
    # the next week: nothing typed, so everyone left waits with the day they first waited
    previous = read_call_list([list(sheet.header), *sheet.rows], DAY + timedelta(days=7))
    assert previous.typed == ()
    assert previous.waiting == {m: DAY for m in ("F3", "Q", "L", "B", "P", "F3W", "F3M", "E")}
    # a newcomer of the same kind ranks after the member carried over, though its birthday is sooner
    later = DAY + timedelta(days=7)
    members.append(["B2", "新寿星", "13800000009", None, "2024-01-01", "11-30"])
    txns.append(["2025-04-01", "B2", "消费", 10000])
    path = book(members, txns, member_header=HEADER, txn_header=TXN_HEADER, extra={"Events": EVENTS})
    again = plan(path, later, {"capacity": 3}, waiting=previous.waiting)
    everyone = [r[MEMBER] for r in (*again.rows, *again.waiting)]
    assert everyone.index("B") + 1 == everyone.index("B2")
    fresh = plan(path, later, {"capacity": 3})  # (without the carry-over, B2 goes first)
    everyone = [r[MEMBER] for r in (*fresh.rows, *fresh.waiting)]
    assert everyone.index("B2") + 1 == everyone.index("B")
    row = next(r for r in (*again.rows, *again.waiting) if r[MEMBER] == "B")
    assert "自 2026-11-22 起排队" in row[WHY_NOW] and row[WAITING] == DAY


def test_each_reason_has_its_own_words(book: Callable[..., Path]) -> None:
    members, txns = shop()
    members.append(["S", "护理", "13800000010", None, "2024-01-01"])
    txns += [["2024-05-01", "S", "消费", 100], ["2026-11-20", "S", "次卡核销", None]]
    path = book(members, txns, member_header=HEADER, txn_header=TXN_HEADER, extra={"Events": EVENTS})
    week = plan(path)
    words = {r[TYPE]: (r[OPENING], r[PURPOSE]) for r in week.rows}
    assert set(words) == {"3天回访", "3周回访", "3个月回访", "沉睡唤醒", "生日关怀", "即将过期", "活动邀请", "满意度回访"}
    assert len({o for o, _ in words.values()}) == len(words)  # every opening line differs
    assert "有没有不会用的地方" in words["3天回访"][0]
    assert "感受如何" in words["3周回访"][0] and "领取" in words["3周回访"][0]
    assert "快用完了吗" in words["3个月回访"][0] and "活动" in words["3个月回访"][0]
    assert "好久没见" in words["沉睡唤醒"][0] and "专属" in words["沉睡唤醒"][0]
    assert "1 到 5 分" in words["满意度回访"][0] and "1-5" in words["满意度回访"][1]
    assert "500 积分" in words["即将过期"][0]
    assert "新品体验会" in words["活动邀请"][0]
    assert all(p for _, p in words.values())
    # a trade's own wording where the config says the trade
    beauty = {r[TYPE]: r[OPENING] for r in plan(path, trade="beauty").rows}
    assert "皮肤" in beauty["3天回访"] and beauty["3天回访"] != words["3天回访"][0]
    assert beauty["沉睡唤醒"] == words["沉睡唤醒"][0]  # no beauty wording for churn: the general one


def test_a_name_is_data_in_the_opening_line(book: Callable[..., Path]) -> None:
    path = book([["F3", "{{ 7*7 }}{% if 1 %}x{% endif %}", "13800000001", None, "2026-11-19"]],
                [["2026-11-19", "F3", "消费", 300]], txn_header=TXN_HEADER)
    row = plan(path).rows[0]
    assert row[OPENING].startswith("{{ 7*7 }}{% if 1 %}x{% endif %}您好")


def test_a_household_is_one_call_under_the_card_holder(book: Callable[..., Path]) -> None:
    members = [
        ["H", "户主", "13800000001", None, "2024-01-01"],
        ["H2", "家人", None, None, "2026-11-19", None, "H"],
        ["H3", "家人二", None, None, "2026-11-19", None, "H"],
    ]
    txns = [["2024-01-05", "H", "消费", 100], ["2026-11-19", "H2", "消费", 300], ["2026-11-19", "H3", "消费", 200]]
    path = book(members, txns, member_header=HEADER, txn_header=TXN_HEADER)
    week = plan(path)
    assert [r[MEMBER] for r in week.rows] == ["H"]
    why = week.rows[0][WHY]
    assert "家人（H2）：" in why and "家人二（H3）：" in why
    assert week.rows[0][PHONE] == "+8613800000001"


@pytest.mark.parametrize("trade", [None, "dental"])
def test_every_call_template_renders_in_both_languages(trade: str | None) -> None:
    openers = Openers(trade=trade)
    values = {"name": "王芳", "store": "旗舰店", "family": [], "days": 3, "first": DAY, "due": DAY, "day": DAY,
              "since": 63, "interval": 21, "spend": 1, "points": 500, "until": DAY, "budget": 50, "title": "T",
              "service": "洁牙", "type": "3天回访", "type_en": "3-day follow-up", "came": 1}
    for kind in ("followup-3d", "followup-3w", "followup-3m", "satisfaction", "churn", "birthday", "expiring",
                 "membership", "event", "retry"):
        for lang in ("zh", "en"):
            w = openers.words(kind, lang, values)
            assert w.opening and w.purpose and "王芳" in w.opening


def test_the_600_member_demo(tmp_path: Path, cli: Callable[..., Result]) -> None:
    """At most the capacity; every 3-day follow-up due that week before any event invitation; valued
    members declining are on it with their reason; who did not fit is counted."""
    demo = tmp_path / "shop"
    assert cli("demo", str(demo), "--members", "600", "--date", DAY.isoformat(), "--lang", "zh").code == 0
    path = demo / "members.xlsx"
    assert cli("refresh", "--config", str(demo / "config.yaml"), "--date", DAY.isoformat()).code == 0
    rows = read_owned_sheet(path, "回访名单 Call list")
    calls = [r for r in rows[2:] if isinstance(r[NO], int | float)]
    assert 0 < len(calls) <= 40
    more = next(str(r[0]) for r in rows if str(r[0]).startswith("还有 "))
    assert "本周未排入；以下是排在最前的 120 位" in more
    assert len(rows) == 1 + 1 + len(calls) + 1 + 1 + 120
    mf = read_member_file(path)
    members = {m.member_id: m for m in mf.members}
    reached = [n for n in mf.call_notes if n.outcome != "未接"]
    due = [m for m, first in first_purchases(mf.txns, DAY).items()
           if DAY - timedelta(days=7) < first + timedelta(days=3) <= DAY + timedelta(days=7)
           and not any(n.member_id == m and n.day >= first for n in reached)]
    assert due, "the demo has 3-day follow-ups due this week"
    events = [i for i, r in enumerate(calls) if r[TYPE] == "活动邀请"]
    for m in due:  # listed (under the card holder for a family member) before any event invitation
        at = next(i for i, r in enumerate(calls)
                  if r[MEMBER] == m or (members[m].family_of == r[MEMBER] and members[m].name in r[WHY]))
        assert "第 3 天回访" in calls[at][WHY]
        assert all(at < i for i in events)
    declining = [r for r in calls if "贵宾消费下滑" in r[WHY]]
    assert declining and all("平时每" in r[WHY] or "天没来" in r[WHY] for r in declining)


def test_no_answer_is_tried_again_only_with_a_reason(book: Callable[..., Path]) -> None:
    """A no-answer from the Call list carries its reason and is tried again after it passed; one from the
    Call notes sheet (no reason) gives priority to a reason that still holds, and no call of its own."""
    path = book([["F3", "三天", "13800000001", None, "2026-11-10"], ["X", "无事", "13800000002", None, "2024-01-01"]],
                [["2026-11-10", "F3", "消费", 300], ["2024-01-02", "X", "消费", 10]], txn_header=TXN_HEADER)
    from_list = CallOutcome(date(2026, 11, 14), "F3", None, "未接通", None, None, "3天回访")
    from_notes = CallNote(2, date(2026, 11, 14), "X", None, "未接通")
    week = plan(path, date(2026, 11, 21), notes=[from_list, from_notes])  # F3's 3-day moment has passed
    assert [(r[MEMBER], r[TYPE]) for r in week.rows] == [("F3", "3天回访")]
    assert "2026-11-14 未接通（3天回访）：再打一次" in week.rows[0][WHY]
    assert plan(path, date(2026, 11, 21)).rows == []
