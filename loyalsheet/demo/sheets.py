"""The other sheets: events, call notes, attendance, opt-outs and vouchers."""

from __future__ import annotations

from datetime import date, timedelta
from operator import itemgetter
from typing import Any

from .personas import BIG, NEW, QUIET
from .state import _GeneratorBase
from .words import _CALL_OUTCOMES, _VOUCHERS


class _OtherSheets(_GeneratorBase):
    """The Events, Call notes, Attendance, Opt-outs and Vouchers sheets."""

    def make_events(self) -> None:
        today = self.today
        plan = (
            (-75, "会员答谢日", "all", 7),
            (-40, "新品体验会", "all", 7),
            (-12, "店庆答谢会", "金卡,钻石", 7),
            (6, "护肤讲座：换季保湿", "all", 7),
            (18, "会员专享日", "金卡,钻石", 7),
            (35, "新品发布会", "all", 14),
            (70, "VIP 品鉴会", "all", 7),
        )
        for n, (offset, title, audience, invite) in enumerate(plan, start=1):
            self.events.append([f"E{n:03d}", title, today + timedelta(days=offset), invite, audience, "event"])

    def make_call_notes(self) -> None:
        rng = self.rng
        candidates = [m for m in self.members if m.persona in (QUIET, NEW, BIG)]
        if not candidates:
            return
        rows = []
        for _ in range(max(3, round(len(self.members) * 0.03))):
            m = rng.choice(candidates)
            day = max(m.joined, self.end - rng.randint(0, 60))
            outcome, note = rng.choice(_CALL_OUTCOMES)
            next_call = date.fromordinal(day + rng.randint(14, 45)) if rng.random() < 0.4 else None
            m.referenced = True
            rows.append([date.fromordinal(day), m.mid, self.pick_staff(m.store), outcome, note, next_call])
        rows.sort(key=itemgetter(0))
        self.call_notes = rows

    def make_attendance(self) -> None:
        """The sign-in sheet of the events already held: a few members each (a purchase that day counts too)."""
        rng = self.rng
        if not self.members:
            return
        for event_id, _, day, *_ in self.events:
            if day >= self.today:
                continue
            for m in rng.sample(self.members, min(len(self.members), 6)):
                came = rng.random() < 0.85
                self.attendance.append([event_id, m.mid, "是" if came else "否", None if came else "报名后未到"])

    def make_opt_outs(self) -> None:
        rng = self.rng
        if not self.members:
            return
        rows = []
        for _ in range(max(2, round(len(self.members) * 0.008))):
            m = rng.choice(self.members)
            day = max(m.joined, self.end - rng.randint(0, 400))
            r = rng.random()
            channel = "email" if m.email and r < 0.15 else "all" if r < 0.4 else "sms"
            by_phone = m.phone_text is not None and channel != "email" and rng.random() < 0.35
            source = "短信回复TD" if channel == "sms" and rng.random() < 0.6 else "前台登记"
            m.referenced = True
            rows.append(
                [
                    date.fromordinal(day),
                    None if by_phone else m.mid,
                    m.phone_text if by_phone else None,
                    None,
                    channel,
                    source,
                ]
            )
        rows.sort(key=itemgetter(0))
        self.opt_outs = rows

    def make_vouchers(self) -> None:
        """Vouchers given to about one member in ten (after every other row, so those stay as they were);
        about half used once on a later purchase within their validity, a few lapsing in the next days."""
        rng = self.rng
        today = self.today
        rows: list[list[Any]] = []
        for m in self.members:
            if not m.purchases or rng.random() >= 0.1:
                continue
            kind, value, source = rng.choice(_VOUCHERS)
            if rng.random() < 0.25:  # a recent one, lapsing soon
                issued = today - timedelta(days=rng.randint(40, 55))
                until = today + timedelta(days=rng.randint(1, 20))
            else:
                issued = max(date.fromordinal(m.joined), today - timedelta(days=rng.randint(30, 500)))
                until = issued + timedelta(days=rng.choice((60, 90, 180)))
            vid = f"Q{len(rows) + 1:04d}"
            rows.append([vid, m.mid, kind, value, issued, until, source, None])
            later = [r for r in m.purchases if issued <= r[0].date() <= min(until, today)]
            if later and rng.random() < 0.5:
                rng.choice(later)[12] = vid
        self.vouchers = rows
