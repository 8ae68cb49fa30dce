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
"""

from __future__ import annotations

import bisect
import json
import random
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any

import phonenumbers

from .demo_effect import History, message_history, write_history
from .errors import LoyalsheetError
from .workbook.schema import CHOICES
from .workbook.template import write_book

__all__ = [
    "MIN_MEMBERS_FOR_MISTAKES",
    "DemoBook",
    "PlantedMistake",
    "config_text",
    "generate",
    "write_demo",
]

WORKBOOK_NAME = "members.xlsx"

_SOURCES = ("到店", "到店", "到店", "活动", "线上", "小王推广", "李姐推广")  # walk-in most often, then the rest


def join_source(member_id: str, referred_by: str | None) -> str | None:
    """The demo member's Source (来源): 推荐 when referred, else one fixed by the member id (one in nine blank).

    Drawn from the id rather than the generator's random stream, so the rest of the demo stays as it was."""
    if referred_by:
        return "推荐"
    n = zlib.crc32(member_id.encode("utf-8")) % 9
    return _SOURCES[n] if n < len(_SOURCES) else None
CONFIG_NAME = "config.yaml"
MIN_MEMBERS_FOR_MISTAKES = 10  # from about 50 members on, each mistake has a member of its own


@dataclass(frozen=True)
class PlantedMistake:
    """One typing mistake put into a demo book on purpose, and the problem ``check`` should find there."""

    sheet: str  # sheet key, e.g. "members"
    row: int  # 1-based sheet row: the header is row 1, the first data row is 2
    column: str  # column key, e.g. "phone"
    code: str  # the problem code check reports
    description: str  # English, for people


@dataclass(frozen=True)
class DemoBook:
    """Rows for every sheet (sheet key -> rows in the schema's column order) and the planted mistakes."""

    rows: dict[str, list[list[object]]]
    mistakes: tuple[PlantedMistake, ...]
    history: History | None = None  # the months of messages before today (the send ledger's rows)


# --- the words the book is typed in (the Chinese word of each choice in schema.CHOICES) ---------------


def _zh(choice: str, canonical: str) -> str:
    return next(w for w in CHOICES[choice][canonical] if any("\u4e00" <= ch <= "\u9fff" for ch in w))


PURCHASE = _zh("txn_type", "purchase")  # 消费
TOP_UP = _zh("txn_type", "top-up")  # 充值
REDEMPTION = _zh("txn_type", "redemption")  # 积分兑换
REFUND = _zh("txn_type", "refund")  # 退款
ANNUAL_FEE = _zh("txn_type", "annual fee")  # 年费
SESSION = _zh("txn_type", "session")  # 次卡核销
CASH = _zh("paid_with", "cash")  # 现金
CARD = _zh("paid_with", "card")  # 刷卡
STORED_VALUE = _zh("paid_with", "stored value")  # 储值
GIFT_CARD = _zh("paid_with", "gift card")  # 亲友卡
SPEND = _zh("membership", "spend")  # 消费型
PAID = _zh("membership", "paid")  # 付费型
STORED = _zh("membership", "stored value")  # 储值型
YES, NO = "是", "否"
FEMALE, MALE = "女", "男"

CATEGORIES = ("护肤", "彩妆", "美发", "面部护理", "按摩")
ANNUAL_FEE_AMOUNT = 899
TOP_UPS = (1000, 2000, 5000)
GIFT_CARD_VALUE = 600
GIFT_CARD_USE_DAYS = 80  # used well inside three months, so any sensible validity holds
POINTS_WINDOW_DAYS = 365  # redeem only points earned in the last year: safe under any expiry of 12+ months
REDEMPTION_POINTS = (500, 1000, 2000)

# --- people ------------------------------------------------------------------------------------------

_SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"), ("黄", "huang"),
    ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"),
    ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"), ("罗", "luo"), ("高", "gao"), ("郑", "zheng"),
    ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"), ("许", "xu"), ("韩", "han"), ("冯", "feng"),
    ("邓", "deng"), ("曹", "cao"), ("彭", "peng"), ("曾", "zeng"), ("萧", "xiao"), ("田", "tian"), ("董", "dong"),
)  # fmt: skip
_GIVEN_F = (
    ("丽", "li"), ("娜", "na"), ("静", "jing"), ("敏", "min"), ("燕", "yan"), ("芳", "fang"), ("婷", "ting"),
    ("雪", "xue"), ("琳", "lin"), ("慧", "hui"), ("颖", "ying"), ("倩", "qian"), ("玲", "ling"), ("晓", "xiao"),
    ("佳", "jia"), ("欣", "xin"), ("怡", "yi"), ("悦", "yue"), ("梅", "mei"), ("霞", "xia"), ("洁", "jie"),
    ("雅", "ya"), ("萍", "ping"), ("红", "hong"), ("蕾", "lei"), ("璐", "lu"), ("思", "si"), ("雨", "yu"),
    ("晴", "qing"), ("薇", "wei"), ("诗", "shi"), ("梦", "meng"), ("瑶", "yao"), ("妍", "yan"), ("楠", "nan"),
)  # fmt: skip
_GIVEN_M = (
    ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("杰", "jie"), ("浩", "hao"), ("涛", "tao"),
    ("明", "ming"), ("鹏", "peng"), ("宇", "yu"), ("斌", "bin"), ("超", "chao"), ("峰", "feng"), ("辉", "hui"),
)  # fmt: skip
_EN_FIRST_F = ("Emily", "Sarah", "Jessica", "Grace", "Olivia", "Chloe", "Hannah", "Amy", "Vivian", "Cindy", "Kelly")
_EN_FIRST_M = ("David", "Michael", "Kevin", "Jason", "Daniel", "Eric")
_EN_LAST = ("Chen", "Wong", "Lee", "Smith", "Brown", "Ho", "Cheung", "Taylor", "Ng", "Johnson", "Lam", "Tan")
_MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "foxmail.com", "sina.com", "gmail.com", "outlook.com", "icloud.com")
_EN_MAIL_DOMAINS = ("gmail.com", "outlook.com", "icloud.com", "yahoo.com", "hotmail.com")
_NOTES = ("敏感肌", "喜欢周末来", "对酒精过敏", "老顾客介绍", "只用无香型产品", "怕痛，手法轻一点", "停车需要登记")
_STAFF = ("小王", "小李", "阿芳", "Lily", "小陈", "张姐", "小赵", "Coco", "小美", "阿杰")

# China mobile prefixes that phonenumbers holds valid for every 8-digit tail (154, 174, 179, 194 are not)
_CN_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
    "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
    "191", "193", "195", "196", "197", "198", "199",
)  # fmt: skip
_HK_PREFIXES = ("61", "63", "64", "65", "69", "94", "96", "97", "53", "54", "55", "56")
_US_AREAS = ("212", "415", "646", "917", "310", "718", "347", "206", "628")

# --- visit rhythms -----------------------------------------------------------------------------------

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

_COURSES = (
    ("面部护理", 10, 2980), ("面部护理", 5, 1680), ("肩颈按摩", 10, 1980), ("头皮护理", 5, 980),
    ("针灸", 10, 2680), ("小气泡清洁", 5, 880),
)  # fmt: skip
_PARTNERS = (None, None, None, None, None, None, None, None, None, None, "招商银行", None, None, "万达广场")
_VOUCHERS = (("代金", 50, "积分兑换"), ("代金", 100, "生日"), ("折扣", "88折", "活动"), ("礼品", "护手霜", "活动"),
             ("代金", 80, "召回"), ("代金", 100, "推荐"))
_REDEEM_NOTES = ("兑换护手霜", "兑换面膜一盒", "兑换洗发水", "兑换代金券")
_CALL_OUTCOMES = (
    ("已接通", "说最近工作忙，下个月再来"), ("已接通", "对上次的护理很满意"), ("未接", "未接听，稍后再打"),
    ("预约", "预约周六下午做面部护理"), ("预约", "预约下周三洗护"), ("已接通", "搬家了，离店远了"),
)  # fmt: skip


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class _Member:
    __slots__ = (
        "email", "english", "extras", "family", "holder", "idx", "joined", "lunar", "membership", "mid",
        "persona", "phone", "phone_text", "purchases", "quiet_until", "redeemed", "referenced", "row", "store",
    )  # fmt: skip

    def __init__(self, persona: int, joined: int) -> None:
        self.persona = persona
        self.joined = joined  # ordinal day
        self.quiet_until = 0
        self.idx = 0
        self.mid = ""
        self.store = ""
        self.membership = SPEND
        self.holder: _Member | None = None  # the stored-value card holder whose card this member shares
        self.family: list[_Member] = []  # for a holder: the members sharing the card
        self.phone: object = None  # as typed
        self.phone_text: str | None = None  # the same number as plain text
        self.email: str | None = None
        self.english = False
        self.lunar = False
        self.row: list[Any] = []
        self.purchases: list[list[Any]] = []
        self.extras: list[list[Any]] = []  # top-ups, redemptions, refunds, fees, sessions
        self.redeemed = False
        self.referenced = False  # named elsewhere in the book (referral, family, card, call, opt-out)


class _Generator:
    def __init__(self, rng: random.Random, today: date, years: int, stores: tuple[str, ...]) -> None:
        self.rng = rng
        self.today = today
        self.end = today.toordinal()
        self.start = self.end - round(365.25 * years) + 1
        self.stores = stores
        self.staff = {s: [_STAFF[(3 * i + k) % len(_STAFF)] for k in range(4)] for i, s in enumerate(stores)}
        self.members: list[_Member] = []
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.gift_cards: list[list[Any]] = []
        self.course_cards: list[list[Any]] = []
        self.events: list[list[Any]] = []
        self.call_notes: list[list[Any]] = []
        self.attendance: list[list[Any]] = []
        self.opt_outs: list[list[Any]] = []
        self.vouchers: list[list[Any]] = []
        self.member_rows: list[list[Any]] = []
        self.txn_extras: list[list[Any]] = []  # rows added by planted mistakes

    # -- helpers --------------------------------------------------------------------------------------

    def at(self, day: int) -> datetime:
        """A moment in shop hours on ``day`` (an ordinal)."""
        return datetime.fromordinal(day) + timedelta(minutes=_OPEN_MINUTES + int(self.rng.random() * _OPEN_SPAN))

    def pick_store(self, m: _Member) -> str:
        if len(self.stores) == 1 or self.rng.random() < 0.92:
            return m.store
        return self.rng.choice(self.stores)

    def pick_staff(self, store: str) -> str:
        names = self.staff.get(store) or self.staff[self.stores[0]]
        return names[int(self.rng.random() * len(names))]

    def cash_or_card(self) -> str | None:
        r = self.rng.random()
        return CASH if r < 0.6 else CARD if r < 0.95 else None  # blank means cash

    def txn(self, m: _Member, when: datetime, kind: str, amount: object, **cells: object) -> list[Any]:
        store = cells.get("store") or self.pick_store(m)
        return [
            when,
            m.mid,
            kind,
            amount,
            cells.get("points"),
            cells.get("paid_with"),
            cells.get("gift_card"),
            cells.get("course_card"),
            cells.get("category"),
            cells.get("special_offer"),
            store,
            cells.get("staff") or self.pick_staff(str(store)),
            cells.get("voucher"),
            cells.get("note"),
        ]

    # -- members --------------------------------------------------------------------------------------

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

    # -- purchases ------------------------------------------------------------------------------------

    def visit_days(self, m: _Member) -> list[int]:
        rnd = self.rng.random
        p = m.persona
        end = self.end
        days: list[int] = []
        if p == POTENTIAL:
            return days
        if p == NEW:
            d = m.joined if rnd() < 0.85 else m.joined + 1 + int(rnd() * 6)
            if d <= end:
                days.append(d)
                d2 = d + 10 + int(rnd() * 36)
                if rnd() < 0.5 and d2 <= end:
                    days.append(d2)
            return days
        lo, hi = _GAPS[p]
        mean = lo + rnd() * (hi - lo)
        last = m.quiet_until if p == QUIET else end
        if m.joined >= self.start:
            d = m.joined if rnd() < 0.85 else m.joined + int(rnd() * mean)
        else:
            d = self.start + int(rnd() * mean)
        while d <= last:
            days.append(d)
            d += max(1, int(mean * (0.5 + rnd())))
        return days

    def make_purchases(self) -> None:
        """Each member's visits as purchase rows (the hot loop of a million-row book: kept inline)."""
        rnd = self.rng.random
        stores, staff = self.stores, self.staff
        n_cat, n_small = len(CATEGORIES), len(_PRICES_SMALL)
        minute = timedelta(minutes=1)
        for m in self.members:
            days = self.visit_days(m)
            if not days:
                continue
            prices = _PRICES[m.persona]
            n_prices = len(prices)
            favourite = CATEGORIES[int(rnd() * n_cat)]
            home, mid = m.store, m.mid
            rows = m.purchases
            for d in days:
                amount: int | float = prices[int(rnd() * n_prices)]
                if rnd() < 0.2:
                    amount += _PRICES_SMALL[int(rnd() * n_small)]
                special = None
                r = rnd()
                if r < 0.08:
                    amount, special = round(amount * 0.7), YES
                elif r < 0.18:
                    amount = round(amount * 0.88, 1)
                    if amount == int(amount):
                        amount = int(amount)
                elif r < 0.30:
                    special = NO
                category = favourite if rnd() < 0.55 else CATEGORIES[int(rnd() * n_cat)]
                store = home if len(stores) == 1 or rnd() < 0.92 else stores[int(rnd() * len(stores))]
                names = staff[store]
                r = rnd()
                paid = CASH if r < 0.6 else CARD if r < 0.95 else None  # blank means cash
                when = datetime.fromordinal(d) + (_OPEN_MINUTES + int(rnd() * _OPEN_SPAN)) * minute
                rows.append(
                    [when, mid, PURCHASE, amount, None, paid, None, None, category, special, store,
                     names[int(rnd() * len(names))], None, None]
                )  # fmt: skip

    def stored_value(self) -> None:
        """Holders top up and pay from their balance; family pay from it too. Never below zero."""
        rnd = self.rng.random
        for h in self.members:
            if h.membership != STORED:
                continue
            rows = list(h.purchases)
            for f in h.family:
                rows.extend(f.purchases)
            rows.sort(key=itemgetter(0))
            balance = 0  # in fen, so no float ever rounds the wrong way
            first = True
            for row in rows:
                cents = round(row[3] * 100)
                if row[1] == h.mid:
                    need = cents - balance
                    if need > 0 and (first or rnd() < 0.8) and need <= TOP_UPS[-1] * 100:
                        top = next(t for t in TOP_UPS if t * 100 >= need)
                        if top < TOP_UPS[-1] and rnd() < 0.3:
                            top = TOP_UPS[TOP_UPS.index(top) + 1]
                        when = row[0] - timedelta(minutes=2 + int(rnd() * 8))
                        h.extras.append(
                            self.txn(
                                h,
                                when,
                                TOP_UP,
                                top,
                                paid_with=self.cash_or_card() or CASH,
                                store=row[10],
                                staff=row[11],
                            )
                        )
                        balance += top * 100
                    first = False
                    if balance >= cents and rnd() < 0.9:
                        row[5] = STORED_VALUE
                        balance -= cents
                elif balance >= cents and rnd() < 0.75:
                    row[5] = STORED_VALUE
                    balance -= cents

    # -- cards ----------------------------------------------------------------------------------------

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

    # -- points ---------------------------------------------------------------------------------------

    def points(self) -> None:
        """Redemptions (only points earned in the last year, never more than held) and a few refunds."""
        rnd = self.rng.random
        end = self.end
        for m in self.members:
            rows = m.purchases
            if not rows:
                continue
            ledger: list[tuple[int, int]] = []  # (day, points +/-)
            for i, row in enumerate(rows):
                day = row[0].toordinal()
                if i and rnd() < 0.05:
                    total = sum(p for _, p in ledger)
                    recent = sum(p for d, p in ledger if d > day - POINTS_WINDOW_DAYS)
                    available = min(total, recent)
                    if available >= REDEMPTION_POINTS[0]:
                        pts = REDEMPTION_POINTS[0]
                        if available >= REDEMPTION_POINTS[1] and rnd() < 0.4:
                            pts = REDEMPTION_POINTS[1]
                            if available >= REDEMPTION_POINTS[2] and rnd() < 0.3:
                                pts = REDEMPTION_POINTS[2]
                        m.extras.append(
                            self.txn(
                                m,
                                row[0] + timedelta(minutes=2),
                                REDEMPTION,
                                None,
                                points=pts,
                                store=row[10],
                                staff=row[11],
                                note=self.rng.choice(_REDEEM_NOTES),
                            )
                        )
                        ledger.append((day, -pts))
                        m.redeemed = True
                if row[5] not in (CASH, CARD, None) or row[9] == YES:
                    continue
                earned = int(row[3])
                ledger.append((day, earned))
                if rnd() < 0.012:
                    refund_day = day + 1 + int(rnd() * 7)
                    next_day = rows[i + 1][0].toordinal() if i + 1 < len(rows) else end + 1
                    if refund_day < next_day and refund_day <= end:
                        amount = row[3] if rnd() < 0.6 else round(row[3] / 2)
                        m.extras.append(
                            self.txn(
                                m,
                                self.at(refund_day),
                                REFUND,
                                amount,
                                paid_with=row[5],
                                category=row[8],
                                store=row[10],
                                note="退货",
                            )
                        )
                        ledger.append((refund_day, -int(amount)))

    # -- the other sheets -----------------------------------------------------------------------------

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

    def run(self, count: int) -> None:
        self.make_members(count)
        self.make_purchases()
        self.stored_value()
        self.make_gift_cards()
        self.make_course_cards()
        self.points()
        self.make_events()
        self.make_call_notes()
        self.make_opt_outs()
        self.make_attendance()
        self.make_vouchers()

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

    def transactions(self) -> list[list[Any]]:
        rows: list[list[Any]] = []
        for m in self.members:
            rows.extend(m.purchases)
            rows.extend(m.extras)
        rows.extend(self.txn_extras)
        rows.sort(key=itemgetter(0))
        return rows


_PHONE_CACHE: dict[str, bool] = {}


def _valid_phone(e164: str) -> bool:
    if e164 not in _PHONE_CACHE:
        _PHONE_CACHE[e164] = phonenumbers.is_valid_number(phonenumbers.parse(e164))
    return _PHONE_CACHE[e164]


# --- planted mistakes --------------------------------------------------------------------------------


@dataclass
class _Plant:
    row: list[Any]
    sheet: str
    column: str
    code: str
    description: str


def _free_id(prefix: str, taken: set[str], width: int) -> str:
    candidate = prefix + "9" * width
    while candidate in taken:
        candidate = prefix + "9" + candidate[len(prefix) :]
    return candidate


def _plant_mistakes(gen: _Generator, rng: random.Random) -> list[_Plant]:
    """Fourteen typical typing mistakes, one per member, on members no other sheet names."""
    plants: list[_Plant] = []
    used: set[int] = set()
    members = gen.members
    clean = [m for m in members if not m.referenced and m.membership == SPEND and m.holder is None]
    rng.shuffle(clean)

    def take(want: Callable[[_Member], bool]) -> _Member:
        # A member of its own that fits; in a tiny book, one that fits anyway; at worst, anyone.
        for pool, fresh, fussy in ((clean, True, True), (members, True, True), (members, False, True),
                                   (members, True, False), (members, False, False)):  # fmt: skip
            for m in pool:
                if (not fresh or m.idx not in used) and (not fussy or want(m)):
                    used.add(m.idx)
                    return m
        raise LoyalsheetError("demo_too_small", members=len(members), minimum=MIN_MEMBERS_FOR_MISTAKES)

    def any_day(m: _Member) -> int:
        lo = max(m.joined, gen.start)
        return lo + int(rng.random() * (gen.end - lo + 1))

    # Members sheet: cells typed wrong
    m = take(lambda m: m.phone_text is not None and m.email is not None and m.phone_text.isdigit())
    m.row[2] = f"{m.phone_text[:3]}****{m.phone_text[7:]}" if m.phone_text else "138****5678"
    plants.append(_Plant(m.row, "members", "phone", "phone_unreadable", "phone copied masked from a receipt"))

    m = take(lambda m: m.phone_text is not None and m.email is not None)
    m.row[3] = str(m.email).replace("@", "@@")
    plants.append(_Plant(m.row, "members", "email", "email_unreadable", "e-mail with a doubled @"))

    m = take(lambda m: not m.lunar)
    m.row[5] = f"{gen.today.year - rng.randint(25, 50)}-02-30"
    m.row[6] = None
    plants.append(_Plant(m.row, "members", "birthday", "date_impossible", "birthday on 30 February"))

    m = take(lambda m: m.persona == POTENTIAL)
    m.row[1] = None
    plants.append(_Plant(m.row, "members", "name", "required_missing", "member without a name"))

    m = take(lambda m: True)
    m.row[11] = m.mid
    plants.append(_Plant(m.row, "members", "family_of", "family_self", "Family of is the member's own id"))

    original = take(lambda m: m.persona == POTENTIAL)
    female = rng.random() < 0.85
    name, _ = gen.new_name(female, False)
    phone, _ = gen.new_phone("CN")
    joined = date.fromordinal(max(original.joined, gen.end - rng.randint(0, 60)))
    gender = FEMALE if female else MALE
    dup: list[Any] = [original.mid, name, phone, None, gender, None, None, joined, original.store, SPEND]
    dup += [None] * (len(original.row) - len(dup))
    at = rng.randint(original.idx + 1, len(gen.member_rows))
    gen.member_rows.insert(at, dup)
    plants.append(_Plant(dup, "members", "member_id", "duplicate_member_id", "new member given an id already in use"))

    # Transactions sheet: rows typed wrong, each otherwise a plain cash purchase
    def buyer() -> _Member:
        return take(lambda m: bool(m.purchases) and not m.redeemed)

    def purchase(m: _Member, day: int, amount: object, **cells: object) -> list[Any]:
        row = gen.txn(m, gen.at(day), PURCHASE, amount, paid_with=CASH, category=rng.choice(CATEGORIES), **cells)
        gen.txn_extras.append(row)
        return row

    ids = {m.mid for m in members}
    m = buyer()
    row = purchase(m, any_day(m), 268)
    row[1] = _free_id("M", ids, 5)
    plants.append(_Plant(row, "transactions", "member_id", "unknown_member", "purchase for a member id nobody has"))

    m = buyer()
    row = gen.txn(m, gen.at(gen.end + 30), PURCHASE, 398, paid_with=CASH, category=CATEGORIES[0])
    gen.txn_extras.append(row)
    plants.append(_Plant(row, "transactions", "date", "future_date", "purchase dated 30 days ahead"))

    m = take(
        lambda m: (
            not m.redeemed
            and all(e[2] != REFUND for e in m.extras)
            and any(r[5] in (CASH, CARD, None) and r[9] != YES and r[3] >= 120 for r in m.purchases)
        )
    )
    first = next((r for r in m.purchases if r[5] in (CASH, CARD, None) and r[9] != YES and r[3] >= 120), None)
    day = min(gen.end, first[0].toordinal() + rng.randint(1, 10)) if first else any_day(m)
    row = purchase(m, day, -120, note="退货")
    plants.append(_Plant(row, "transactions", "amount", "negative_amount", "a refund typed as a purchase of -120"))

    m = buyer()
    row = purchase(m, any_day(m), "一百二")
    plants.append(_Plant(row, "transactions", "amount", "money_unreadable", "amount written in words"))

    m = buyer()
    card = _free_id("G", {str(c[0]) for c in gen.gift_cards}, 4)
    row = purchase(m, any_day(m), 200)
    row[5], row[6] = GIFT_CARD, card
    plants.append(
        _Plant(row, "transactions", "gift_card", "gift_card_unknown", f"paid with gift card {card}, never issued")
    )

    m = buyer()
    store = next(s for s in ("总店", "总部", "老店", "一号店") if s not in gen.stores)
    row = purchase(m, any_day(m), 168, store=store)
    plants.append(_Plant(row, "transactions", "store", "store_unknown", f"store {store} is not in config.yaml"))

    m = buyer()
    row = purchase(m, any_day(m), 88)
    row[2] = "买东西"
    plants.append(_Plant(row, "transactions", "type", "choice_unknown", "transaction type not one of the choices"))

    # Opt-outs sheet: a date in words
    m = take(lambda m: True)
    row = ["上周三", m.mid, None, None, "sms", "前台登记"]
    gen.opt_outs.append(row)
    plants.append(_Plant(row, "opt_outs", "date", "date_unreadable", "opt-out date written as 'last Wednesday'"))
    return plants


# --- public API --------------------------------------------------------------------------------------


def generate(
    *,
    members: int = 600,
    years: int = 2,
    seed: int = 2026,
    today: date,
    stores: Sequence[str] = ("旗舰店",),
    with_mistakes: bool = False,
    history: bool = False,
) -> DemoBook:
    """A demo shop's member file: ``members`` people and about 5 transactions each per year of history.

    ``today`` is the last day with transactions; events and paid-until dates reach past it. The same
    arguments always give the same rows. ``with_mistakes`` plants typing mistakes (see the module doc);
    ``history`` adds months of sent messages and the purchases they brought (:mod:`.demo_effect`).
    """
    if members < 0:
        raise ValueError("members must be 0 or more")
    if years < 1:
        raise ValueError("years must be 1 or more")
    store_names = tuple(stores)
    if not store_names:
        raise ValueError("at least one store is needed")
    if with_mistakes and members < MIN_MEMBERS_FOR_MISTAKES:
        raise LoyalsheetError("demo_too_small", members=members, minimum=MIN_MEMBERS_FOR_MISTAKES)
    gen = _Generator(random.Random(seed), today, years, store_names)
    gen.run(members)
    plants = _plant_mistakes(gen, random.Random(f"loyalsheet-demo-mistakes-{seed}")) if with_mistakes else []
    rows: dict[str, list[list[object]]] = {
        "members": gen.member_rows,
        "transactions": gen.transactions(),
        "gift_cards": gen.gift_cards,
        "course_cards": gen.course_cards,
        "events": gen.events,
        "call_notes": gen.call_notes,
        "attendance": gen.attendance,
        "opt_outs": gen.opt_outs,
        "vouchers": gen.vouchers,
    }
    sent = None
    if history:
        sent = message_history(gen.member_rows, rows["transactions"], gen.events, today, seed, PURCHASE, gen.staff,
                               CATEGORIES)
        rows["transactions"] = sorted([*rows["transactions"], *sent.extra_txns], key=itemgetter(0))
    where: dict[int, int] = {}
    wanted = {id(p.row) for p in plants}
    for key in {p.sheet for p in plants}:
        for n, row in enumerate(rows[key], start=2):
            if id(row) in wanted:
                where[id(row)] = n
    mistakes = tuple(
        PlantedMistake(p.sheet, where[id(p.row)], p.column, p.code, p.description)
        for p in sorted(plants, key=lambda p: (p.sheet != "members", p.sheet, where[id(p.row)]))
    )
    return DemoBook(rows=rows, mistakes=mistakes, history=sent)


DEMO_STORES = ("旗舰店", "东城店", "西湖店", "南山店", "北辰店", "滨江店", "河西店", "高新店", "城北店")
"""Names of a demo chain's stores, the first store first."""


def demo_stores(count: int, first: str | None = None) -> tuple[str, ...]:
    """``count`` store names for a demo chain; ``first`` names the first store."""
    names = [first or DEMO_STORES[0], *(n for n in DEMO_STORES if n != (first or DEMO_STORES[0]))]
    names += [f"{i + 1}号店" for i in range(len(names), count)]
    return tuple(names[:count])


def config_text(workbook_name: str = WORKBOOK_NAME, stores: Sequence[str] = ("旗舰店",)) -> str:
    """config.yaml for the demo shop, every setting explained; messages go to the outbox folder only."""

    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML string too

    def sender_lines(name: str) -> str:
        return "".join(f"    {q(s)}: {q(name)}\n" for s in stores)

    store_lines = "".join(
        f"  - name: {q(s)}\n    timezone: Asia/Shanghai\n    region: CN\n    currency: CNY\n"
        f"    opening_hours: \"10:00-21:00\"\n    phone: \"021-5555 01{i:02d}\"\n"
        for i, s in enumerate(stores)
    )
    return (
        "# loyalsheet settings for the demo shop (all people in members.xlsx are made up).\n"
        "# Unknown keys are refused, so a typo is reported with its line.\n"
        "\n"
        "# Language of the tool's own messages and reports: zh or en.\n"
        "language: zh\n"
        "\n"
        "# The member file, relative to this config.yaml.\n"
        f"workbook: {q(workbook_name)}\n"
        "\n"
        "# Header cells written by init: zh-en is Chinese over English (会员编号 / Member ID).\n"
        "header_style: zh-en\n"
        "\n"
        "# One entry per store. name must match the Store (门店) column exactly.\n"
        "# timezone: when 'today' starts for this store; region: phones typed without +country are read as\n"
        "# this country's numbers (CN: 13812345678); currency: how amounts are shown; opening_hours and phone\n"
        "# are shown in messages. A chain: points, tiers and stored value count every store; each store gets\n"
        "# its own Call list, Call log and Dashboard (loyalsheet refresh), and --store NAME on any command.\n"
        "stores:\n"
        f"{store_lines}"
        "\n"
        "# No SMS or e-mail account is set: every message is written as a file into the outbox folder,\n"
        "# so you can read what would be sent. Add sms: (Twilio) or email: (SMTP) here to send for real.\n"
        "channels:\n"
        "  outbox: outbox\n"
        "\n"
        "# Birthday gift budget: 0.5% of last year's spend, at least 30 (a gift worth giving); `loyalsheet\n"
        "# birthdays` lists next month's.\n"
        "birthdays:\n"
        "  budget_rate: 0.005\n"
        "  budget_min: 30\n"
        "\n"
        "# The daily messages (loyalsheet today): every campaign but the monthly statement is on. The example\n"
        "# config.yaml explains campaigns: and messaging: in full. Signatures: 【花漾美肌】 in Chinese SMS;\n"
        "# an English name in English messages keeps them in the cheaper SMS alphabet.\n"
        "messaging:\n"
        "  sender_names:\n"
        f"{sender_lines('花漾美肌')}"
        "  sender_names_en:\n"
        f"{sender_lines('Bloom Beauty')}"
    )


def write_demo(
    directory: Path,
    *,
    members: int = 600,
    years: int = 2,
    seed: int = 2026,
    today: date,
    with_mistakes: bool = False,
    stores: Sequence[str] = ("旗舰店",),
    progress: Callable[[str, int, int], None] | None = None,
    shared_strings: bool = True,
    history: bool = False,
) -> DemoBook:
    """Create ``directory`` with a demo members.xlsx and config.yaml; never overwrites either file.

    The book stores its text in a shared-strings table as Excel does (``shared_strings=False``: inline,
    as openpyxl writes it); it is dated ``today``, so the same arguments give the same bytes. ``history``:
    also a send ledger with months of messages and their holdouts, for ``loyalsheet report``."""
    book_path = directory / WORKBOOK_NAME
    config_path = directory / CONFIG_NAME
    for path in (book_path, config_path):
        if path.exists():
            raise LoyalsheetError("demo_exists", path=str(path))
    book = generate(members=members, years=years, seed=seed, today=today, stores=stores, with_mistakes=with_mistakes,
                    history=history)
    directory.mkdir(parents=True, exist_ok=True)
    write_book(book_path, book.rows, header_style="zh-en", language="zh", progress=progress,
               shared_strings=shared_strings, created=datetime.combine(today, time()))
    config_path.write_text(config_text(WORKBOOK_NAME, stores), encoding="utf-8")
    if book.history is not None:
        write_history(book_path, book.history)
    return book
