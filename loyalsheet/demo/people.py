"""The people: members with their phones, e-mails, names, birthdays, memberships, families and referrals
(the Members sheet), and the annual fees of paid memberships."""

from __future__ import annotations

import bisect
import zlib
from datetime import date
from typing import Any

import phonenumbers

from .personas import _PERSONA_CUM, NEW, POTENTIAL, QUIET
from .state import _GeneratorBase, _Member
from .words import (
    _CN_PREFIXES,
    _EN_FIRST_F,
    _EN_FIRST_M,
    _EN_LAST,
    _EN_MAIL_DOMAINS,
    _GIVEN_F,
    _GIVEN_M,
    _HK_PREFIXES,
    _MAIL_DOMAINS,
    _NOTES,
    _PARTNERS,
    _SURNAMES,
    _US_AREAS,
    ANNUAL_FEE,
    ANNUAL_FEE_AMOUNT,
    FEMALE,
    MALE,
    NO,
    PAID,
    SPEND,
    STORED,
    YES,
)

_SOURCES = ("到店", "到店", "到店", "活动", "线上", "小王推广", "李姐推广")  # walk-in most often, then the rest


def join_source(member_id: str, referred_by: str | None) -> str | None:
    """The demo member's Source (来源): 推荐 when referred, else one fixed by the member id (one in nine blank).

    Drawn from the id rather than the generator's random stream, so the rest of the demo stays as it was."""
    if referred_by:
        return "推荐"
    n = zlib.crc32(member_id.encode("utf-8")) % 9
    return _SOURCES[n] if n < len(_SOURCES) else None


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class _People(_GeneratorBase):
    """The members, one row each, and the annual fees of paid memberships."""

    def new_phone(self, region: str) -> tuple[object, str]:
        """A fresh valid number, as typed (text in a few spellings, sometimes a number) and as plain text."""
        rng = self.rng
        while True:
            if region == "CN":
                digits = rng.choice(_CN_PREFIXES) + f"{rng.randrange(10**8):08d}"
                key = "+86" + digits
            elif region == "HK":
                digits = rng.choice(_HK_PREFIXES) + f"{rng.randrange(10**6):06d}"
                key = "+852" + digits
            else:
                exchange = rng.randrange(200, 1000)
                if exchange == 555 or exchange % 100 == 11:
                    continue
                digits = rng.choice(_US_AREAS) + str(exchange) + f"{rng.randrange(10**4):04d}"
                key = "+1" + digits
            if key in self.phones or (region != "CN" and not _valid_phone(key)):
                continue
            self.phones.add(key)
            break
        r = rng.random()
        if region == "CN":
            if r < 0.45:
                return digits, digits
            if r < 0.60:
                return f"{digits[:3]} {digits[3:7]} {digits[7:]}", digits
            if r < 0.70:
                return f"+86 {digits[:3]}-{digits[3:7]}-{digits[7:]}", digits
            if r < 0.78:
                return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}", digits
            if r < 0.85:
                return f"+86{digits}", digits
            return int(digits), digits
        if region == "HK":
            text = f"+852 {digits[:4]} {digits[4:]}" if r < 0.6 else f"+852-{digits}"
            return text, text
        text = (
            f"+1 {digits[:3]}-{digits[3:6]}-{digits[6:]}"
            if r < 0.5
            else f"+1 ({digits[:3]}) {digits[3:6]}-{digits[6:]}"
        )
        return text, text

    def new_email(self, local: str, english: bool) -> str:
        rng = self.rng
        domain = rng.choice(_EN_MAIL_DOMAINS if english else _MAIL_DOMAINS)
        if domain == "qq.com" and rng.random() < 0.6:
            local = str(rng.randrange(10**5, 10**10))
        elif rng.random() < 0.5:
            local += str(rng.randrange(1, 100) if rng.random() < 0.5 else rng.randrange(1960, 2008))
        address = f"{local}@{domain}"
        while address in self.emails:
            address = f"{local}{rng.randrange(100, 10000)}@{domain}"
        self.emails.add(address)
        return address

    def new_name(self, female: bool, english: bool) -> tuple[str, str]:
        """A name and a plausible e-mail local part for it."""
        rng = self.rng
        if english:
            first = rng.choice(_EN_FIRST_F if female else _EN_FIRST_M)
            last = rng.choice(_EN_LAST)
            return f"{first} {last}", f"{first}.{last}".lower() if rng.random() < 0.5 else f"{first}{last[0]}".lower()
        surname, sp = _SURNAMES[int(rng.expovariate(1 / 9)) % len(_SURNAMES)]  # common surnames more often
        pool = _GIVEN_F if female else _GIVEN_M
        parts = [rng.choice(pool) for _ in range(1 if rng.random() < 0.3 else 2)]
        given = "".join(p[0] for p in parts)
        pinyin = "".join(p[1] for p in parts)
        r = rng.random()
        local = sp + pinyin if r < 0.5 else pinyin + sp if r < 0.8 else f"{sp}_{pinyin}"
        return surname + given, local

    def birthday(self, m: _Member) -> tuple[object, str | None]:
        rng = self.rng
        r = rng.random()
        if r < 0.10:
            return None, None
        year = self.today.year - rng.randint(18, 75)
        lunar = rng.random() < 0.15
        m.lunar = lunar
        flag = YES if lunar else (NO if rng.random() < 0.1 else None)
        with_year = rng.random() < 0.72
        if lunar:
            month, day = rng.randint(1, 12), rng.randint(1, 28 if with_year else 29)
            if with_year:
                return date(year, month, day), flag
        else:
            start = date(year, 1, 1).toordinal()
            born = date.fromordinal(start + rng.randrange(365))
            if with_year:
                return born, flag
            month, day = born.month, born.day
        return (f"{month}月{day}日" if rng.random() < 0.7 else f"{month}/{day}"), flag

    def make_members(self, count: int) -> None:
        rng = self.rng
        rnd = rng.random
        start, end = self.start, self.end
        specs: list[_Member] = []
        for _ in range(count):
            persona = bisect.bisect_right(_PERSONA_CUM, rnd())
            persona = min(persona, POTENTIAL)
            if persona == NEW:
                joined = end - int(rnd() * 90)
            elif persona == POTENTIAL:
                joined = start - 365 + int(rnd() * (end - start + 366))
            elif persona == QUIET:
                lo = start - 365
                joined = lo + int(rnd() * (end - 300 - lo + 1))
            elif rnd() < 0.2:
                joined = start - 1 - int(rnd() * 730)
            else:
                joined = start + int(rnd() * max(1, end - 90 - start + 1))
            m = _Member(persona, joined)
            if persona == QUIET:
                m.quiet_until = end - rng.randint(120, 240)
            specs.append(m)
        specs.sort(key=lambda s: s.joined)  # member ids follow the order people joined
        width = max(5, len(str(count)))
        holders: list[_Member] = []  # stored-value holders with room for more family
        for i, m in enumerate(specs):
            m.idx = i
            m.mid = f"M{i + 1:0{width}d}"
            m.store = self.stores[0] if rnd() < 0.5 else rng.choice(self.stores)
            buyer = m.persona not in (NEW, POTENTIAL)
            r = rnd()
            if (buyer and r < 0.10) or (m.persona == NEW and r < 0.04):
                m.membership = STORED
            elif (buyer and r < 0.17) or (m.persona == NEW and r < 0.08):
                m.membership = PAID
            if m.membership == STORED:
                holders.append(m)
            elif m.membership == SPEND and m.persona != POTENTIAL and holders and rnd() < 0.05:
                j = int(rnd() * len(holders))
                holder = holders[j]
                m.holder = holder
                holder.family.append(m)
                holder.referenced = m.referenced = True
                if len(holder.family) == 3:
                    holders[j] = holders[-1]
                    holders.pop()
        self.members = specs
        for m in specs:
            m.row = self.member_row(m)
        self.member_rows = [m.row for m in specs]

    def member_row(self, m: _Member) -> list[Any]:
        rng = self.rng
        rnd = rng.random
        female = rnd() < 0.86
        m.english = rnd() < 0.06
        name, local = self.new_name(female, m.english)
        r = rnd()
        has_phone, has_email = (False, True) if r < 0.07 else (True, False) if r < 0.72 else (True, True)
        if has_phone:
            region = "CN"
            q = rnd()
            if q < (0.35 if m.english else 0.03):
                region = "HK"
            elif q < (0.55 if m.english else 0.04):
                region = "US"
            m.phone, m.phone_text = self.new_phone(region)
        if has_email:
            m.email = self.new_email(local, m.english)
        birthday, lunar_flag = self.birthday(m)
        gender: str | None = FEMALE if female else MALE
        if rnd() < 0.03:
            gender = None
        paid_until: date | None = None
        if m.membership == PAID:
            paid_until = self.annual_fees(m)
        sms = None
        if has_phone:
            q = rnd()
            sms = YES if q < 0.6 else NO if q < 0.7 else None
        mail = None
        if has_email:
            q = rnd()
            mail = YES if q < 0.5 else NO if q < 0.6 else None
        language = "en" if m.english else ("zh" if rnd() < 0.25 else None)
        membership: str | None = m.membership
        if membership == SPEND and rnd() < 0.1:
            membership = None  # blank: spend
        referred_by = None
        if m.idx > 0 and rnd() < 0.1:
            ref = self.members[int(rnd() * m.idx)]
            referred_by = ref.mid
            ref.referenced = m.referenced = True
        notes = rng.choice(_NOTES) if rnd() < 0.08 else None
        return [
            m.mid,
            name,
            m.phone,
            m.email,
            gender,
            birthday,
            lunar_flag,
            date.fromordinal(m.joined),
            m.store,
            membership,
            paid_until,
            m.holder.mid if m.holder else None,
            referred_by,
            sms,
            mail,
            language,
            notes,
            join_source(m.mid, referred_by),
            _PARTNERS[m.idx % len(_PARTNERS)],
        ]

    def annual_fees(self, m: _Member) -> date:
        """Fee rows on each anniversary in the window; some stop renewing. Returns Paid until."""
        rng = self.rng
        joined = date.fromordinal(m.joined)
        anniversaries = []
        k = 0
        while (a := _add_years(joined, k)).toordinal() <= self.end:
            anniversaries.append(a)
            k += 1
        if len(anniversaries) > 1 and rng.random() < 0.3:
            anniversaries.pop()  # did not renew last time: Paid until is in the past
        for a in anniversaries:
            if a.toordinal() >= self.start:
                store = m.store
                m.extras.append(
                    self.txn(
                        m,
                        self.at(a.toordinal()),
                        ANNUAL_FEE,
                        ANNUAL_FEE_AMOUNT,
                        paid_with=self.cash_or_card(),
                        store=store,
                        note="会员年费",
                    )
                )
        return _add_years(anniversaries[-1], 1)


_PHONE_CACHE: dict[str, bool] = {}


def _valid_phone(e164: str) -> bool:
    if e164 not in _PHONE_CACHE:
        _PHONE_CACHE[e164] = phonenumbers.is_valid_number(phonenumbers.parse(e164))
    return _PHONE_CACHE[e164]
