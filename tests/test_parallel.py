"""The forked worker gives the same answers as working alone, and the rules pass split in linked groups
finds exactly the problems of the whole file, in the same order."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalsheet.model import CourseCard, GiftCard, Member, MemberFile, PaidWith, Problem, Severity, Txn, TxnType
from loyalsheet.parallel import Forked, workers_allowed
from loyalsheet.rules import RulesSettings, evaluate
from loyalsheet.rules.split import problems_in_parts, split

pytestmark = pytest.mark.skipif(not workers_allowed(), reason="work goes to a forked worker on Linux only")


def _pid_and(x: int) -> tuple[int, int]:
    return os.getpid(), x * 2


def _fails(message: str) -> int:
    raise ValueError(message)


def _dies() -> int:
    if os.environ.get("LOYALSHEET_TEST_PARENT") != str(os.getpid()):
        os._exit(3)  # the worker is killed (out of memory, say) before it answers
    return 7


def _unpicklable() -> object:
    return lambda: None


def test_a_worker_computes_in_another_process() -> None:
    assert workers_allowed()
    with Forked(_pid_and, 21) as worker:
        assert worker.forked
        pid, value = worker.result()
    assert value == 42 and pid != os.getpid()


def test_an_error_in_the_worker_is_raised_here_as_itself() -> None:
    with Forked(_fails, "bad cell") as worker, pytest.raises(ValueError, match="bad cell"):
        worker.result()


def test_a_worker_that_dies_or_cannot_send_its_answer_leaves_the_work_to_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOYALSHEET_TEST_PARENT", str(os.getpid()))
    with Forked(_dies) as worker:
        assert worker.result() == 7
    with Forked(_unpicklable) as other:
        assert callable(other.result())


class _DiesWhenSent:
    """Kills the worker as its answer is being sent: after the frames before it went into the pipe."""

    def __reduce__(self) -> tuple[object, ...]:
        os._exit(9)


BIG = range(600_000)  # (2.6 MB of frames: more than the pipe holds, 1 MB at most)


def _big_then(last: object) -> tuple[int, list[object]]:
    return os.getpid(), [*BIG, last]  # (who worked it out, and an answer whose last item comes after the frames)


def test_an_answer_cut_off_midway_is_worked_out_here_again() -> None:
    for last in (_DiesWhenSent(), _unpicklable()):
        with Forked(_big_then, last) as worker:
            assert worker.forked
            pid, answer = worker.result()
        assert pid == os.getpid()  # worked out here
        assert answer[:-1] == list(BIG) and answer[-1] is last


def test_a_big_answer_arrives_whole_when_this_process_is_busy_meanwhile() -> None:
    with Forked(_big_then, "end") as worker:
        time.sleep(0.3)  # the pipe fills up: the worker's frames wait in the worker
        pid, answer = worker.result()
    assert pid != os.getpid()  # sent by the worker, not worked out again here
    assert answer == [*BIG, "end"]


def test_workers_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOYALSHEET_WORKERS", "1")
    with Forked(_pid_and, 1) as worker:
        assert not worker.forked
        assert worker.result() == (os.getpid(), 2)


def test_leaving_early_stops_the_worker() -> None:
    worker = Forked(_pid_and, 1)
    pid = worker._pid
    assert pid is not None
    worker.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: no zombie left behind


# -- the rules pass in parts --------------------------------------------------------------------------

START = date(2025, 1, 1)
IDS = tuple(f"M{i}" for i in range(1, 9))
KINDS = [TxnType.PURCHASE] * 4 + [TxnType.TOP_UP, TxnType.REDEMPTION, TxnType.REFUND, TxnType.ANNUAL_FEE,
                                  TxnType.SESSION]


@st.composite
def books(draw: st.DrawFn) -> MemberFile:
    members = []
    for k, mid in enumerate(IDS):
        others = [m for m in IDS if m != mid]
        members.append(Member(
            k + 2, mid, mid, START,
            family_of=draw(st.sampled_from([None, None, None, *others])),
            referred_by=draw(st.sampled_from([None, None, *others])),
        ))
    givers = [*IDS, "M98"]  # M98: a card given by someone who is not in the book
    gift_cards = tuple(GiftCard(k + 2, f"G{k}", draw(st.sampled_from(givers)), START,
                                Decimal(draw(st.integers(100, 900)))) for k in range(draw(st.integers(0, 3))))
    course_cards = tuple(CourseCard(k + 2, f"C{k}", draw(st.sampled_from(givers)), "facial", draw(st.integers(1, 4)),
                                    Decimal(500), START, None) for k in range(draw(st.integers(0, 3))))
    txns = []
    for k in range(draw(st.integers(0, 60))):
        kind = draw(st.sampled_from(KINDS))
        paid_with = draw(st.sampled_from(list(PaidWith))) if kind in (
            TxnType.PURCHASE, TxnType.REFUND, TxnType.ANNUAL_FEE) else PaidWith.CASH
        txns.append(Txn(
            row=k + 2,
            day=START + timedelta(days=draw(st.integers(0, 600))),
            member_id=draw(st.sampled_from([*IDS, "M99"])),  # M99: a row of a member not in the book
            type=kind,
            amount=None if kind in (TxnType.REDEMPTION, TxnType.SESSION) else Decimal(draw(st.integers(1, 3000))),
            points=draw(st.integers(1, 3000)) if kind is TxnType.REDEMPTION else None,
            paid_with=paid_with,
            gift_card=draw(st.sampled_from(["G0", "G1", "G2", "G9"])) if paid_with is PaidWith.GIFT_CARD else None,
            course_card=draw(st.sampled_from(["C0", "C1", "C2", "C9"])) if kind is TxnType.SESSION else None,
        ))
    if draw(st.booleans()):
        txns.sort(key=lambda t: t.day)
        txns = [t._replace(row=k + 2) for k, t in enumerate(txns)]
    return MemberFile(path="p.xlsx", members=tuple(members), txns=tuple(txns), gift_cards=gift_cards,
                      course_cards=course_cards)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books(), st.integers(2, 3))
def test_the_parts_find_exactly_the_whole_files_problems(mf: MemberFile, parts: int) -> None:
    rules = RulesSettings()
    today = date(2026, 6, 30)
    whole = list(evaluate(mf, rules, today).problems)
    plan = split(mf, parts)
    found = []
    for part in range(parts):
        found.extend(plan.problems(mf, part, rules, today))
    assert sorted(found, key=repr) == sorted(whole, key=repr)
    # linked members share a part
    for m in mf.members:
        for other in (m.family_of, m.referred_by):
            if other in plan.part_of:
                assert plan.part_of[other] == plan.part_of[m.member_id]


def test_the_worker_and_this_process_together_list_the_problems_in_order(tmp_path: Path) -> None:
    from loyalsheet.config import load_config
    from loyalsheet.demo import write_demo
    from loyalsheet.workbook.reader import read_member_file

    today = date(2026, 11, 22)
    write_demo(tmp_path / "shop", members=300, today=today)
    config = load_config(tmp_path / "shop" / "config.yaml")
    mf = read_member_file(tmp_path / "shop" / "members.xlsx", region=config.region)
    # plant what only the rules can see: points redeemed that were never earned, a card overdrawn
    extra = [Txn(row=len(mf.txns) + 2 + k, day=today - timedelta(days=k), member_id=m.member_id,
                 type=TxnType.REDEMPTION, amount=None, points=10_000_000) for k, m in enumerate(mf.members[::37])]
    extra += [Txn(row=len(mf.txns) + 100 + k, day=today - timedelta(days=1), member_id=m.member_id,
                  type=TxnType.PURCHASE, amount=Decimal(9_999_999), paid_with=PaidWith.STORED_VALUE)
              for k, m in enumerate(mf.members[5::41])]
    mf = replace(mf, txns=mf.txns + tuple(extra))
    whole = list(evaluate(mf, config, today).problems)
    assert len(whole) >= len(extra)
    beside = [Problem(Severity.WARNING, "from_beside", "members", 2, "name")]
    assert problems_in_parts(mf, config, today, meanwhile=lambda: list(beside)) == (beside, whole)
    assert problems_in_parts(mf, config, today) == ([], whole)


def test_a_segments_result_comes_back_from_a_worker_unchanged(tmp_path: Path) -> None:
    from loyalsheet.config import load_config
    from loyalsheet.demo import write_demo
    from loyalsheet.segments import segment
    from loyalsheet.workbook.reader import read_member_file

    today = date(2026, 11, 22)
    write_demo(tmp_path / "shop", members=200, today=today)
    config = load_config(tmp_path / "shop" / "config.yaml")
    mf = read_member_file(tmp_path / "shop" / "members.xlsx", region=config.region)
    here = segment(mf.members, mf.txns, config.segments, today)
    with Forked(segment, mf.members, mf.txns, config.segments, today) as worker:
        assert worker.forked
        there = worker.result()
    assert there == here and there is not here
    assert [ms.activity.category_cents for ms in there.members] == [ms.activity.category_cents for ms in here.members]


@pytest.mark.parametrize("stores", [("旗舰店",), ("旗舰店", "二店")])
def test_check_and_refresh_answer_the_same_with_or_without_a_worker(
    stores: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from loyalsheet.config import load_config
    from loyalsheet.demo import write_demo
    from loyalsheet.refresh import describe_move
    from loyalsheet.usecases.check import run_check
    from loyalsheet.usecases.refresh import run_refresh
    from loyalsheet.workbook.access import FileBook

    today = date(2026, 11, 22)
    write_demo(tmp_path / "shop", members=300, today=today, with_mistakes=True, stores=stores)
    config = load_config(tmp_path / "shop" / "config.yaml")
    book = tmp_path / "shop" / "members.xlsx"
    first = tmp_path / "first.xlsx"  # never refreshed: the worker checks the cells
    first.write_bytes(book.read_bytes())
    run_refresh(config, FileBook(book), today - timedelta(days=90), "en")  # a refresh before: there are moves
    # (the worker's segments travel lean, without the reasons a refresh never shows: the sheets and the
    # moves, reasons included, must be what the whole segments give)

    def both() -> tuple[object, ...]:
        check = run_check(config, FileBook(book), today, "en").problems
        refreshed = run_refresh(config, FileBook(book), today, "en", dry_run=True)
        plan = refreshed.plan
        return (check, [(s.title, list(s.header), [list(r) for r in s.rows]) for s in plan.sheets],
                [describe_move(m, "en") for m in plan.moves], refreshed.errors,
                run_refresh(config, FileBook(first), today, "en", dry_run=True).errors)

    with_worker = both()
    monkeypatch.setenv("LOYALSHEET_WORKERS", "1")
    assert both() == with_worker
    assert with_worker[0]  # the planted mistakes are found either way
    assert len(with_worker[2]) > 10  # and members moved since the refresh before
    assert with_worker[3] == with_worker[4] > 0  # the cells' errors, counted here or in the worker


@pytest.mark.parametrize("stores", [("旗舰店",), ("旗舰店", "二店")])
def test_a_refresh_built_with_figures_worked_out_ahead_is_the_same(stores: tuple[str, ...], tmp_path: Path) -> None:
    from loyalsheet.config import load_config
    from loyalsheet.demo import write_demo
    from loyalsheet.refresh import ahead, build_refresh
    from loyalsheet.rules import evaluate as evaluate_rules
    from loyalsheet.segments import segment
    from loyalsheet.workbook.reader import read_member_file

    today = date(2026, 11, 22)
    write_demo(tmp_path / "shop", members=300, today=today, stores=stores)
    config = load_config(tmp_path / "shop" / "config.yaml")
    mf = read_member_file(tmp_path / "shop" / "members.xlsx", region=config.region)
    ev = evaluate_rules(mf, config, today)
    seg = segment(mf.members, mf.txns, config.segments, today, include_gift_card=config.tiers.spend.include_gift_card)

    def sheets(**early: object) -> list[object]:
        plan = build_refresh(mf, ev, seg, config, lang="en", **early)  # type: ignore[arg-type]
        return [(s.title, [list(r) for r in s.rows]) for s in plan.sheets]

    worked_out = ahead(mf, today, config.tiers.spend.include_gift_card)
    assert worked_out.first_purchases and any(visits for _spend, visits in worked_out.monthly)
    assert sheets(early=worked_out) == sheets()
