"""The words and numbers the demo book is typed in: the Chinese word of each choice in schema.CHOICES, the
amounts of the shop's fees, top-ups, gift cards and points, the names, e-mail domains and phone numbers of
its people, and what the shop sells, gives and notes."""

from __future__ import annotations

from ..workbook.schema import CHOICES

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

# --- what the shop sells, gives and notes ----------------------------------------------------------

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
