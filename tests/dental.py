"""A dental clinic's member file, typed by hand: a family of four on one card, a friend's gift card,
a paid member whose year ended. Every figure the tests expect is worked out by hand beside the rows.

The day is 2026-12-08. Rules: the defaults (1 point per yuan on cash and card purchases, none on a
gift card; each month's points lapse at the end of the 12th month after; 12-month spend leaves out
gift-card purchases; Silver from 5,000; birthday budget 0.5% of last calendar year's spend).

- D001 张伟, the card holder. 2025-12-10 a 7,000 implant (cash): 7,000 points, lapsing after
  2026-12-31. 2026-06-15 a 250 cleaning paid with P001's gift card GC2: no points, not his spend
  (include_gift_card: false), still a visit. So spend in 12 months 7,000 (the old Member status
  said 7,250), Silver. His friend 王芳 (F001, referred by him) got his gift card GC1 (600) and spent
  all of it on 2026-03-10 (the giver's money: no referral reward), then 400 of her own on 2026-04-02:
  that first purchase of her own money reaches the 300 minimum, so D001 earns 300 points on 2026-04-02
  (lapsing after 2027-04-30). Balance 7,300; the next 7,000 lapse after 2026-12-31 (the old Call list
  said "by 2027-01-07", the look-ahead window's end). Birthday 12-15: the household's 2025 spend is
  7,000 + 714 (D002) + 386 (D003) = 8,100, so the gift budget is 0.5% = 40.50 (his own: 35).
- D002 李娜, on D001's card. 2025-12-05 714 (cash): 714 points lapsing after 2026-12-31;
  2026-10-01 1,500 (cash): 1,500 points lapsing after 2027-10-31. Balance 2,214: the 714 expiring
  points buy the hand cream (500), not the 100-yuan voucher (2,000), which only the whole balance buys.
- D003 张小明 (child, born 2015-12-20) and D004 张小红 (child, same phone as D001), on D001's card.
  D003: 2025-08-01 386 (cash). His birthday on 12-20 gets a greeting; his gift budget is 0 (the
  household's is on D001's card).
- P001 陈静, a paid member whose year ended 2026-11-30 (annual fee 999 on 2025-12-01), gave GC2.
- An event E1 on 2026-12-12 for Silver members: D001's household is invited (one message per phone).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.helpers import write_book

DAY = date(2026, 12, 8)

CONFIG = """\
language: zh
workbook: members.xlsx
stores:
  - {name: 微笑口腔, timezone: Asia/Shanghai, region: CN, currency: CNY}
campaigns:
  rewards:
    - {name: 护手霜, name_en: Hand cream, points: 500}
    - {name: 面膜一盒, name_en: A box of face masks, points: 1000}
    - {name: 100元代金券, name_en: 100 yuan voucher, points: 2000}
"""

MEMBERS = [
    ["Member ID", "Name", "Phone", "Joined", "Birthday", "Membership", "Paid until", "Family of", "Referred by",
     "SMS consent"],
    ["D001", "张伟", "13800138001", date(2024, 1, 5), date(1980, 12, 15), "spend", None, None, None, "yes"],
    ["D002", "李娜", "13800138002", date(2024, 1, 5), None, "spend", None, "D001", None, "yes"],
    ["D003", "张小明", "13800138003", date(2024, 1, 5), date(2015, 12, 20), "spend", None, "D001", None, "yes"],
    ["D004", "张小红", "13800138001", date(2024, 1, 5), None, "spend", None, "D001", None, "yes"],
    ["F001", "王芳", "13900139001", date(2026, 3, 1), None, "spend", None, None, "D001", "yes"],
    ["P001", "陈静", "13700137001", date(2025, 12, 1), None, "paid", date(2026, 11, 30), None, None, "yes"],
]

TRANSACTIONS = [
    ["Date", "Member ID", "Type", "Amount", "Points", "Paid with", "Gift card", "Category"],
    [date(2025, 8, 1), "D003", "purchase", 386, None, "cash", None, "cleaning"],
    [date(2025, 12, 1), "P001", "annual fee", 999, None, "cash", None, None],
    [date(2025, 12, 5), "D002", "purchase", 714, None, "cash", None, "whitening"],
    [date(2025, 12, 10), "D001", "purchase", 5834, None, "cash", None, "implant"],
    [date(2026, 3, 10), "F001", "purchase", 600, None, "gift card", "GC1", "cleaning"],
    [date(2026, 4, 2), "F001", "purchase", 400, None, "cash", None, "cleaning"],
    [date(2026, 6, 15), "D001", "purchase", 250, None, "gift card", "GC2", "cleaning"],
    [date(2026, 10, 1), "D002", "purchase", 1500, None, "cash", None, "aligners"],
]

GIFT_CARDS = [
    ["Card", "Given by", "Issued", "Value", "Friend", "Friend phone", "Friend registered"],
    ["GC1", "D001", date(2026, 3, 1), 600, "王芳", "13900139001", "yes"],
    ["GC2", "P001", date(2026, 6, 1), 600, "张伟", "13800138001", "yes"],
]

EVENTS = [
    ["Event", "Title", "Date", "Invite days before", "Audience"],
    ["E1", "儿童口腔讲座", date(2026, 12, 12), 7, "Silver"],
]


def write_dental(folder: Path) -> Path:
    """The clinic's member file and config.yaml in ``folder``; returns the config's path."""
    folder.mkdir(parents=True, exist_ok=True)
    write_book(folder / "members.xlsx", {"Members": MEMBERS, "Transactions": TRANSACTIONS,
                                         "Gift cards": GIFT_CARDS, "Events": EVENTS})
    (folder / "config.yaml").write_text(CONFIG, encoding="utf-8")
    return folder / "config.yaml"
