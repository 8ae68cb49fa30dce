"""The cards: gift cards members give friends (spent within their value and validity), and course cards
whose sessions are used one visit at a time."""

from __future__ import annotations

import bisect
from datetime import date
from typing import Any

from .people import _People
from .personas import BIG, FREQUENT, POTENTIAL, REGULAR
from .state import _Member
from .words import _COURSES, GIFT_CARD, GIFT_CARD_USE_DAYS, GIFT_CARD_VALUE, NO, SESSION, STORED, YES


class _Cards(_People):
    """The Gift cards and Course cards sheets, and the transactions that use them."""

    def make_gift_cards(self) -> None:
        """Members give friends a card worth 600; friends who come in register and spend it within weeks."""
        rng = self.rng
        rnd = rng.random
        members = self.members
        if len(members) < 10:
            return
        joined = [m.joined for m in members]
        count = max(2, round(len(members) * 0.02))
        friends = [
            m
            for m in members
            if m.purchases
            and m.joined >= self.start + 20
            and m.membership != STORED
            and m.holder is None
            and m.phone is not None
            and not m.referenced
        ]
        rng.shuffle(friends)
        cards: list[tuple[list[Any], list[list[Any]]]] = []

        def giver_before(day: int, friend: _Member | None) -> _Member | None:
            """A member who joined by ``day`` (and before ``friend``, whose referrer they become)."""
            hi = bisect.bisect_right(joined, day)
            if friend is not None:
                hi = min(hi, friend.idx)
            for _ in range(8):
                if hi == 0:
                    return None
                g = members[int(rnd() * hi)]
                if g.persona != POTENTIAL:
                    return g
            return None

        for _ in range(count):
            valid_months = 3 if rnd() < 0.5 else None
            if rnd() < 0.6 and friends:
                friend = friends.pop()
                issued = max(self.start, friend.joined - int(rnd() * 21))
                giver = giver_before(issued, friend)
                if giver is None or friend.purchases[0][0].toordinal() - issued > GIFT_CARD_USE_DAYS:
                    continue
                remaining = GIFT_CARD_VALUE * 100
                used: list[list[Any]] = []
                for n, row in enumerate(friend.purchases):
                    if row[0].toordinal() - issued > GIFT_CARD_USE_DAYS or remaining <= 0:
                        break
                    if n > 0 and rnd() < 0.5:
                        continue
                    cents = min(round(row[3] * 100), remaining)
                    row[3] = cents // 100 if cents % 100 == 0 else cents / 100
                    row[5], row[9] = GIFT_CARD, None
                    remaining -= cents
                    used.append(row)
                friend_row = friend.row
                friend_row[12] = giver.mid  # referred by the giver
                giver.referenced = friend.referenced = True
                card = [
                    None,
                    giver.mid,
                    date.fromordinal(issued),
                    GIFT_CARD_VALUE,
                    valid_months,
                    friend_row[1],
                    friend.phone_text,
                    YES,
                ]
                cards.append((card, used))
            else:
                issued = self.start + int(rnd() * (self.end - self.start + 1))
                giver = giver_before(issued, None)
                if giver is None:
                    continue
                giver.referenced = True
                female = rnd() < 0.8
                name, _ = self.new_name(female, False)
                phone, _ = self.new_phone("CN")
                cards.append(
                    ([None, giver.mid, date.fromordinal(issued), GIFT_CARD_VALUE, valid_months, name, phone, NO], [])
                )
        cards.sort(key=lambda c: c[0][2])
        for n, (card, used) in enumerate(cards, start=1):
            card[0] = f"G{n:04d}"
            for row in used:
                row[6] = card[0]
        self.gift_cards = [c for c, _ in cards]

    def make_course_cards(self) -> None:
        """Packages of sessions of one service; each session used is a 次卡核销 row on the card."""
        rng = self.rng
        rnd = rng.random
        owners = [m for m in self.members if m.persona in (REGULAR, FREQUENT, BIG) and m.purchases]
        rng.shuffle(owners)
        cards: list[tuple[list[Any], list[list[Any]]]] = []
        for m in owners[: round(len(self.members) * 0.04)]:
            visit = m.purchases[int(rnd() * max(1, len(m.purchases) * 0.7))]
            bought = visit[0].toordinal()
            service, sessions, price = rng.choice(_COURSES)
            valid_until = bought + 365 if rnd() < 0.7 else None
            last = min(valid_until or self.end, self.end)
            used: list[list[Any]] = []
            d = bought + 7 + int(rnd() * 21)
            while len(used) < sessions and d <= last:
                used.append(self.txn(m, self.at(d), SESSION, None, category=service))
                d += 14 + int(rnd() * 22)
            m.extras.extend(used)
            m.referenced = True
            card = [
                None,
                m.mid,
                service,
                sessions,
                price,
                date.fromordinal(bought),
                date.fromordinal(valid_until) if valid_until else None,
            ]
            cards.append((card, used))
        cards.sort(key=lambda c: c[0][5])
        for n, (card, used) in enumerate(cards, start=1):
            card[0] = f"C{n:04d}"
            for row in used:
                row[7] = card[0]
        self.course_cards = [c for c, _ in cards]
