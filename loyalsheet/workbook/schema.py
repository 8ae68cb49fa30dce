"""The member file's sheets and columns (the contract in MEMBER_FILE.md), with bilingual aliases.

Headers are matched after :func:`normalize_header`, so "Member ID", "member_id", "ＭＥＭＢＥＲ　ＩＤ"
and "会员编号" all find the same column.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    en: str
    zh: str
    kind: str  # text, id, date, datetime, money, int, phone, email, yesno, gender, choice:<name>, list, any
    required: bool = False
    aliases: tuple[str, ...] = ()
    width: int = 14


@dataclass(frozen=True)
class Sheet:
    key: str
    en: str
    zh: str
    columns: tuple[Column, ...]
    required: bool = False
    aliases: tuple[str, ...] = ()

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)


# Choice lists: canonical value -> words accepted (English and Chinese)
CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "membership": {
        "spend": ("spend", "消费型", "消费", "普通", "standard"),
        "paid": ("paid", "付费型", "付费", "年费", "annual fee", "fee"),
        "stored value": ("stored value", "储值型", "储值", "stored", "prepaid"),
    },
    "txn_type": {
        "purchase": ("purchase", "消费", "购买", "sale", "buy"),
        "top-up": ("top-up", "topup", "top up", "充值", "recharge"),
        "redemption": ("redemption", "积分兑换", "兑换", "redeem"),
        "refund": ("refund", "退款", "退货", "return"),
        "annual fee": ("annual fee", "年费", "fee", "membership fee"),
        "session": ("session", "次卡核销", "核销", "疗程核销", "session used"),
        "adjustment": ("adjustment", "调整", "积分调整", "adjust"),
    },
    "paid_with": {
        "cash": ("cash", "现金", "wechat", "微信", "alipay", "支付宝"),
        "card": ("card", "刷卡", "银行卡", "credit card", "debit card", "unionpay", "银联"),
        "stored value": ("stored value", "储值", "储值卡", "balance", "余额"),
        "gift card": ("gift card", "亲友卡", "礼品卡", "giftcard"),
    },
    "channel": {
        "sms": ("sms", "短信", "text"),
        "email": ("email", "e-mail", "邮件", "邮箱", "mail"),
        "all": ("all", "全部", "所有", "both"),
    },
    "voucher_kind": {
        "cash": ("cash", "代金", "代金券", "现金券", "amount off"),
        "percent": ("percent", "折扣", "折扣券", "discount", "percent off", "%"),
        "gift": ("gift", "礼品", "礼品券", "赠品", "present"),
    },
    "voucher_source": {
        "points": ("points", "积分", "积分兑换", "redemption"),
        "birthday": ("birthday", "生日"),
        "event": ("event", "活动"),
        "win-back": ("win-back", "winback", "召回", "唤醒"),
        "referral": ("referral", "推荐", "转介绍"),
        "other": ("other", "其他", "其它"),
    },
    "language": {
        "zh": ("zh", "中文", "chinese", "cn", "zh-cn", "汉语", "普通话"),
        "en": ("en", "english", "英文", "英语"),
    },
}

MEMBERS = Sheet(
    "members", "Members", "会员", required=True, aliases=("会员档案", "会员资料", "member list"),
    columns=(
        Column("member_id", "Member ID", "会员编号", "id", True, ("id", "member no", "会员号", "卡号"), 12),
        Column("name", "Name", "姓名", "text", True, ("member name", "名字", "客户姓名"), 14),
        Column("phone", "Phone", "手机", "phone", aliases=("mobile", "phone number", "手机号", "电话", "手机号码"), width=16),
        Column("email", "Email", "邮箱", "email", aliases=("e-mail", "email address", "电子邮箱", "邮件"), width=24),
        Column("gender", "Gender", "性别", "gender", aliases=("sex",), width=8),
        Column("birthday", "Birthday", "生日", "birthday", aliases=("birth date", "date of birth", "出生日期", "dob"), width=12),
        Column("lunar_birthday", "Lunar birthday", "农历生日", "yesno", aliases=("lunar", "农历"), width=10),
        Column("joined", "Joined", "入会日期", "date", True, ("join date", "registered", "入会时间", "注册日期"), 12),
        Column("store", "Store", "门店", "text", aliases=("shop", "branch", "店铺", "分店"), width=12),
        Column("membership", "Membership", "会员类型", "choice:membership", aliases=("membership type", "type", "类型"), width=12),
        Column("paid_until", "Paid until", "年费到期", "date", aliases=("fee until", "paid till", "到期日期", "年费到期日"), width=12),
        Column("family_of", "Family of", "家庭主卡", "id", aliases=("family", "card holder", "主卡", "主卡会员"), width=12),
        Column("referred_by", "Referred by", "推荐人", "id", aliases=("referrer", "referral", "介绍人"), width=12),
        Column("sms_consent", "SMS consent", "短信同意", "yesno", aliases=("sms ok", "短信"), width=10),
        Column("email_consent", "Email consent", "邮件同意", "yesno", aliases=("email ok",), width=10),
        Column("language", "Language", "语言", "choice:language", aliases=("lang",), width=8),
        Column("notes", "Notes", "备注", "text", aliases=("note", "remarks", "说明"), width=24),
        Column("source", "Source", "来源", "text", aliases=("how joined", "channel joined", "入会渠道", "会员来源", "渠道来源",
                                                         "获客来源"), width=12),
        Column("partner", "Partner card", "联名卡", "text", aliases=("partner", "co-branded card", "联名"), width=12),
    ),
)

TRANSACTIONS = Sheet(
    "transactions", "Transactions", "消费记录", required=True,
    aliases=("transaction", "purchases", "sales", "消费", "交易记录", "流水"),
    columns=(
        Column("date", "Date", "日期", "datetime", True, ("time", "时间", "消费日期"), 12),
        Column("member_id", "Member ID", "会员编号", "id", True, ("id", "member", "会员号", "会员"), 12),
        Column("type", "Type", "类型", "choice:txn_type", True, ("kind", "交易类型"), 12),
        Column("amount", "Amount", "金额", "money", False, ("total", "sum", "消费金额", "实收"), 12),
        Column("points", "Points", "积分", "int", aliases=("积分数",), width=8),
        Column("paid_with", "Paid with", "支付方式", "choice:paid_with", aliases=("payment", "pay", "付款方式"), width=12),
        Column("gift_card", "Gift card", "亲友卡号", "id", aliases=("gift card no", "亲友卡", "礼品卡号"), width=12),
        Column("course_card", "Course card", "疗程卡号", "id", aliases=("course card no", "疗程卡", "次卡号"), width=12),
        Column("category", "Category", "品类", "text", aliases=("product category", "类别", "项目类别"), width=12),
        Column("special_offer", "Special offer", "特价", "yesno", aliases=("offer", "promotion", "特价商品", "促销"), width=10),
        Column("store", "Store", "门店", "text", aliases=("shop", "branch", "店铺", "分店"), width=12),
        Column("staff", "Staff", "经手人", "text", aliases=("employee", "cashier", "员工", "店员"), width=10),
        Column("voucher", "Voucher", "优惠券号", "id", aliases=("voucher id", "coupon", "券号", "优惠券"), width=12),
        Column("note", "Note", "备注", "text", aliases=("notes", "remarks", "说明"), width=24),
    ),
)

GIFT_CARDS = Sheet(
    "gift_cards", "Gift cards", "亲友卡", aliases=("gift card", "friends cards", "礼品卡"),
    columns=(
        Column("card_id", "Card", "卡号", "id", True, ("card id", "card no", "亲友卡号"), 12),
        Column("member_id", "Given by", "赠送会员", "id", True, ("member id", "giver", "会员编号"), 12),
        Column("issued", "Issued", "发卡日期", "date", True, ("issue date", "发卡时间"), 12),
        Column("value", "Value", "面值", "money", True, ("amount", "金额"), 10),
        Column("valid_months", "Valid months", "有效月数", "int", aliases=("months valid", "有效期"), width=10),
        Column("friend_name", "Friend", "亲友姓名", "text", aliases=("friend name", "亲友"), width=12),
        Column("friend_phone", "Friend phone", "亲友手机", "phone", aliases=("friend mobile", "亲友电话"), width=16),
        Column("friend_registered", "Friend registered", "亲友已登记", "yesno", aliases=("registered", "已登记"), width=10),
    ),
)

COURSE_CARDS = Sheet(
    "course_cards", "Course cards", "疗程卡", aliases=("course card", "packages", "次卡"),
    columns=(
        Column("card_id", "Card", "卡号", "id", True, ("card id", "card no", "疗程卡号"), 12),
        Column("member_id", "Member ID", "会员编号", "id", True, ("owner", "member"), 12),
        Column("service", "Service", "项目", "text", True, ("treatment", "服务项目"), 14),
        Column("sessions", "Sessions", "次数", "int", True, ("sessions bought", "总次数"), 8),
        Column("price", "Price", "金额", "money", aliases=("amount", "价格"), width=10),
        Column("bought", "Bought", "购买日期", "date", True, ("purchase date", "购买时间"), 12),
        Column("valid_until", "Valid until", "有效期至", "date", aliases=("expiry", "expires", "到期日期"), width=12),
    ),
)

EVENTS = Sheet(
    "events", "Events", "活动", aliases=("event",),
    columns=(
        Column("event_id", "Event", "活动编号", "id", True, ("event id", "编号"), 10),
        Column("title", "Title", "活动名称", "text", True, ("name", "名称"), 24),
        Column("date", "Date", "日期", "date", True, ("event date", "活动日期"), 12),
        Column("invite_days", "Invite days before", "提前邀请天数", "int", aliases=("invite days", "提前天数"), width=10),
        Column("audience", "Audience", "邀请对象", "list", aliases=("invite", "对象"), width=20),
        Column("template", "Template", "模板", "text", aliases=("message template", "消息模板"), width=14),
    ),
)

CALL_NOTES = Sheet(
    "call_notes", "Call notes", "回访记录", aliases=("calls", "call log", "回访"),
    columns=(
        Column("date", "Date", "日期", "date", True, ("回访日期",), 12),
        Column("member_id", "Member ID", "会员编号", "id", True, ("member",), 12),
        Column("staff", "Staff", "经手人", "text", aliases=("caller", "员工"), width=10),
        Column("outcome", "Outcome", "结果", "text", aliases=("result", "回访结果"), width=14),
        Column("note", "Note", "备注", "text", aliases=("notes",), width=30),
        Column("next_call", "Next call", "下次回访", "date", aliases=("next", "下次回访日期"), width=12),
    ),
)

VOUCHERS = Sheet(
    "vouchers", "Vouchers", "优惠券", aliases=("voucher", "coupons", "代金券", "优惠券登记"),
    columns=(
        Column("voucher_id", "Voucher", "券号", "id", True, ("voucher id", "coupon", "优惠券号"), 12),
        Column("member_id", "Member ID", "会员编号", "id", True, ("member", "holder", "持券会员"), 12),
        Column("kind", "Kind", "类型", "choice:voucher_kind", True, ("type", "券类型"), 10),
        Column("value", "Value", "面值", "any", True, ("amount", "金额", "礼品"), 12),
        Column("issued", "Issued", "发放日期", "date", True, ("issue date", "发券日期"), 12),
        Column("valid_until", "Valid until", "有效期至", "date", aliases=("expiry", "expires", "到期日期"), width=12),
        Column("source", "Source", "来源", "choice:voucher_source", aliases=("reason", "发放原因"), width=12),
        Column("note", "Note", "备注", "text", aliases=("notes", "remarks", "说明"), width=24),
    ),
)

VOUCHERS_ISSUED = Sheet(
    "vouchers_issued", "Vouchers issued", "已发优惠券", columns=VOUCHERS.columns,
)

ATTENDANCE = Sheet(
    "attendance", "Event attendance", "活动签到", aliases=("attendance", "event sign-in", "sign-in", "签到", "活动到场", "活动签到表"),
    columns=(
        Column("event_id", "Event", "活动编号", "id", True, ("event id", "活动"), 10),
        Column("member_id", "Member ID", "会员编号", "id", True, ("member",), 12),
        Column("came", "Came", "到场", "yesno", aliases=("attended", "出席", "签到"), width=8),
        Column("note", "Note", "备注", "text", aliases=("notes", "remarks", "说明"), width=24),
    ),
)

OPT_OUTS = Sheet(
    "opt_outs", "Opt-outs", "退订", aliases=("opt outs", "optouts", "unsubscribe", "退订名单"),
    columns=(
        Column("date", "Date", "日期", "date", aliases=("退订日期",), width=12),
        Column("member_id", "Member ID", "会员编号", "id", aliases=("member",), width=12),
        Column("phone", "Phone", "手机", "phone", aliases=("mobile", "手机号"), width=16),
        Column("email", "Email", "邮箱", "email", aliases=("e-mail",), width=24),
        Column("channel", "Channel", "渠道", "choice:channel", aliases=("via",), width=8),
        Column("source", "Source", "来源", "text", aliases=("how", "方式"), width=14),
    ),
)

SHEETS: tuple[Sheet, ...] = (MEMBERS, TRANSACTIONS, GIFT_CARDS, COURSE_CARDS, EVENTS, CALL_NOTES, OPT_OUTS, VOUCHERS,
                             ATTENDANCE)
"""The manager's sheets: what ``init`` writes and the demo fills."""
READ_SHEETS: tuple[Sheet, ...] = (*SHEETS, VOUCHERS_ISSUED)
"""What the reader reads: the manager's sheets and the owned sheets read back as records (Vouchers issued)."""
SHEETS_BY_KEY: dict[str, Sheet] = {s.key: s for s in READ_SHEETS}

_STRIP = re.compile(r"[\s_\-./:：()（）\[\]【】*]+")


def normalize_header(text: object) -> str:
    """Fold case, full-width forms and spacing so headers typed by hand still match."""
    s = unicodedata.normalize("NFKC", str(text)).casefold()
    return _STRIP.sub("", s)


def header_names(column: Column) -> tuple[str, ...]:
    return (column.en, column.zh, column.key, *column.aliases)


def sheet_names(sheet: Sheet) -> tuple[str, ...]:
    """Titles a sheet may have: either language, both ("会员 Members"), or an alias."""
    return (sheet.en, sheet.zh, sheet.key, f"{sheet.zh} {sheet.en}", f"{sheet.en} {sheet.zh}", *sheet.aliases)


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def bilingual_header(column: Column, style: str) -> str:
    """The header text that ``init`` writes: ``zh-en`` (Chinese over English), ``en-zh``, ``zh`` or ``en``."""
    if style == "zh":
        return column.zh
    if style == "en":
        return column.en
    if style == "en-zh":
        return f"{column.en}\n{column.zh}"
    return f"{column.zh}\n{column.en}"


def bilingual_title(sheet: Sheet, style: str) -> str:
    if style == "zh":
        return sheet.zh
    if style in ("en", "en-zh"):
        return sheet.en if style == "en" else f"{sheet.en} {sheet.zh}"
    return f"{sheet.zh} {sheet.en}"
