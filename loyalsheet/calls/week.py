"""The refresh's entry to the Call list: one store's (or the one shop's) list for the week, as a sheet."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from ..benefits_view import member_benefits
from ..config import Config
from ..events.funnel import came_to
from ..model import CallNote, MemberFile
from ..rules import Evaluation
from ..rules.benefits import Benefits
from ..segments import SegmentResult
from ..workbook.writer import OwnedSheet
from .build import CallList, attended_counts, build_call_list, upcoming
from .openers import CALL_TEMPLATES_DIR, Openers
from .outcomes import CallOutcome, history
from .sheet import calls_sheet


def openers_for(config: Config) -> Openers:
    """The shop's own call templates (``<messaging.templates>/calls``) first, then the built-in ones."""
    dirs = [CALL_TEMPLATES_DIR]
    if config.messaging.templates:
        dirs.insert(0, (config.base_dir / config.messaging.templates / "calls").resolve())
    return Openers(dirs, config.trade)


def week_calls(mf: MemberFile, ev: Evaluation, seg: SegmentResult, config: Config, lang: str,
               notes: Sequence[CallNote | CallOutcome], waiting: Mapping[str, date], store: str | None,
               first_purchase: Mapping[str, date], openers: Openers | None = None,
               benefits: Benefits | None = None) -> CallList:
    """Who to phone this week in ``store`` (None: the one shop), ranked and cut at its capacity.
    ``benefits``: the run's members' benefits, as the card and Member status show them (worked out from
    the whole book ``mf`` when not given)."""
    cl = config.call_list
    today = seg.today
    attended = None
    if upcoming(mf, cl, today):
        past = [e for e in mf.events if e.day < today]
        attended = attended_counts(came_to(past, mf.attendance, mf.txns, today))
    home = store or config.default_store.name
    return build_call_list(
        mf, ev, seg, cl, history(notes, today, cl.retry_days), lang=lang, first_purchase=first_purchase,
        waiting=waiting, capacity=config.call_capacity_of(store), best_times=config.best_times_of(store),
        store_name=home, openers=openers or openers_for(config), attended=attended,
        benefits=benefits if benefits is not None else member_benefits(mf, config, config.campaigns, today),
    )


def week_sheet(week: CallList, title: str, config: Config, lang: str, store: str | None) -> OwnedSheet:
    return calls_sheet(week.rows, week.waiting, title, config.header_style, lang,
                       ", ".join(config.best_times_of(store)), waiting_count=week.waiting_count)
