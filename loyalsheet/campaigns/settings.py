"""The ``campaigns:`` and ``messaging:`` sections of config.yaml, declared once as pydantic models.

``campaigns:`` says which messages exist and when each is due: one block per campaign (on/off, timing,
the channels to try in order, the template, service or marketing). ``messaging:`` is the policy over
all of them: quiet hours, one message a day, the weekly cap, approval, opt-out lines, sender names,
List-Unsubscribe, festival dates. Every field has a default and a description.
"""

from __future__ import annotations

import hashlib
import re
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..rules.settings import parse_month_day
from ..rules.vouchers import percent_off

ChannelName = Literal["sms", "email"]
Kind = Literal["service", "marketing"]

# Campaign names: used in message keys (``birthday:M0042:2026``), --campaign, the priority list and
# template names. Each name's settings block, in the order the priority list starts with.
CAMPAIGN_NAMES: tuple[str, ...] = (
    "birthday",
    "membership-ending",
    "points-expiring",
    "voucher-expiring",
    "giftcard-lapsing",
    "giftcard-friend",
    "course-card",
    "followup-3d",
    "followup-3w",
    "followup-3m",
    "event",
    "festival",
    "winback",
    "statement",
)

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(text: str) -> time:
    """``"09:00"`` -> ``time(9, 0)``; raises ``ValueError`` for anything else."""
    m = _HHMM.match(text.strip())
    if m is None:
        raise ValueError(f"'{text}' is not a time of day: write HH:MM, e.g. 09:00")
    return time(int(m.group(1)), int(m.group(2)))


def parse_lunar_month_day(text: str) -> tuple[int, int]:
    """``"08-15"`` -> ``(8, 15)``: a Chinese lunar month (1-12) and day (1-30)."""
    m = re.match(r"^(\d{1,2})-(\d{1,2})$", text.strip())
    if m is None or not 1 <= int(m.group(1)) <= 12 or not 1 <= int(m.group(2)) <= 30:
        raise ValueError(f"'{text}' is not a lunar month-day: write MM-DD with month 1-12 and day 1-30, e.g. 08-15")
    return int(m.group(1)), int(m.group(2))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_CHANNELS_DOC = "Channels to try in this order: the first the member can get (consent, address, no opt-out) is used"
_TEMPLATE_DOC = "Template name: message_templates/<name>.<sms|email>.<zh|en>.j2"
_KIND_DOC = "service: sent with blank consent too; marketing: needs consent yes and counts against the weekly cap"
_HOLDOUT_DOC = ("Share of the members due this message who are held out (对照组 / holdout) to measure its effect, "
                "0 to 0.5; marketing campaigns only (a service message is never held out)")


class _Campaign(_Strict):
    enabled: bool = Field(True, description="Send this campaign")
    channels: tuple[ChannelName, ...] = Field(("sms", "email"), min_length=1, description=_CHANNELS_DOC)
    template: str = Field("", description=_TEMPLATE_DOC)
    kind: Kind = Field("service", description=_KIND_DOC)
    holdout: float = Field(0.0, ge=0.0, le=0.5, description=_HOLDOUT_DOC)

    @field_validator("channels")
    @classmethod
    def _distinct(cls, v: tuple[ChannelName, ...]) -> tuple[ChannelName, ...]:
        return tuple(dict.fromkeys(v))

    @field_validator("template")
    @classmethod
    def _template_name(cls, v: str) -> str:
        if v and not re.fullmatch(r"[A-Za-z0-9_-]+", v):
            raise ValueError(f"'{v}' is not a template name: use letters, digits, - and _ (e.g. birthday)")
        return v

    @model_validator(mode="after")
    def _holdout_marketing_only(self) -> _Campaign:
        if self.kind == "service" and self.holdout > 0 and "holdout" in self.model_fields_set:
            raise ValueError(f"holdout {self.holdout}: a service message is never held out; set kind: marketing "
                             "or holdout: 0")
        return self

    def effective_holdout(self) -> float:
        """The share held out: ``holdout`` for a marketing campaign, always 0 for a service one."""
        return self.holdout if self.kind == "marketing" else 0.0

    def version(self) -> str:
        """A short fingerprint of these settings: the effect report counts each version apart."""
        return hashlib.sha256(self.model_dump_json().encode("utf-8")).hexdigest()[:8]


class VoucherGift(_Strict):
    """A voucher a campaign gives with its message (written into the owned sheet 已发优惠券 Vouchers issued)."""

    kind: Literal["cash", "percent", "gift"] = Field("cash", description="cash (an amount off), percent (off) or gift")
    value: str = Field(min_length=1, description="The amount off (50), the percentage off (10 or 9折), or the gift's name")
    valid_days: int = Field(30, ge=1, le=3660, description="Good for this many days from the day the message goes")

    @model_validator(mode="after")
    def _value(self) -> VoucherGift:
        if self.kind == "cash":
            try:
                ok = Decimal(self.value) > 0
            except InvalidOperation:
                ok = False
            if not ok:
                raise ValueError(f"'{self.value}' is not an amount: write e.g. 50")
        elif self.kind == "percent" and percent_off(self.value) is None:
            raise ValueError(f"'{self.value}' is not a percentage off: write e.g. 10 or 9折")
        return self


class BirthdayCampaign(_Campaign):
    template: str = Field("birthday", description=_TEMPLATE_DOC)
    kind: Kind = Field("marketing", description=_KIND_DOC)
    voucher: VoucherGift | None = Field(None, description="A voucher given with the wishes and named in them; blank: none")
    days_before: int = Field(
        0, ge=0, le=30,
        description="Send this many days before the birthday (0: on the day); a day missed is caught up until the "
        "birthday itself. Lunar birthdays use their solar day of this year",
    )


class FollowUpCampaign(_Campaign):
    days: int = Field(3, ge=1, le=366, description="Days after the member's FIRST purchase")
    late_days: int = Field(
        3, ge=0, le=60, description="A follow-up not sent on its day may still go this many days later"
    )


class FollowUp3d(FollowUpCampaign):
    template: str = Field("followup-3d", description=_TEMPLATE_DOC)
    days: int = Field(3, ge=1, le=366, description="Days after the member's FIRST purchase")
    late_days: int = Field(2, ge=0, le=60, description="A follow-up not sent on its day may still go this many days later")


class FollowUp3w(FollowUpCampaign):
    template: str = Field("followup-3w", description=_TEMPLATE_DOC)
    days: int = Field(21, ge=1, le=366, description="Days after the member's FIRST purchase")
    late_days: int = Field(5, ge=0, le=60, description="A follow-up not sent on its day may still go this many days later")


class FollowUp3m(FollowUpCampaign):
    template: str = Field("followup-3m", description=_TEMPLATE_DOC)
    kind: Kind = Field("marketing", description=_KIND_DOC)
    holdout: float = Field(0.1, ge=0.0, le=0.5, description=_HOLDOUT_DOC)
    days: int = Field(90, ge=1, le=366, description="Days after the member's FIRST purchase")
    late_days: int = Field(
        10, ge=0, le=60, description="A follow-up not sent on its day may still go this many days later"
    )


class PointsExpiringCampaign(_Campaign):
    template: str = Field("points-expiring", description=_TEMPLATE_DOC)
    days: int = Field(30, ge=0, le=366, description="Remind when points lapse within this many days (once per date)")
    min_points: int = Field(100, ge=1, description="Only when at least this many points lapse")


class VoucherExpiringCampaign(_Campaign):
    template: str = Field("voucher-expiring", description=_TEMPLATE_DOC)
    days: int = Field(7, ge=0, le=366, description="Remind this many days before an unused voucher lapses (once per voucher)")


class GiftCardCampaign(_Campaign):
    template: str = Field("giftcard-lapsing", description=_TEMPLATE_DOC)
    days: int = Field(14, ge=0, le=366, description="Remind this many days before a card with money left lapses")
    friend: bool = Field(True, description="Also remind the friend, when the card's row has the friend's phone")
    friend_template: str = Field("giftcard-friend", description="Template for the friend's reminder (SMS)")


class MembershipEndingCampaign(_Campaign):
    template: str = Field("membership-ending", description=_TEMPLATE_DOC)
    days: int = Field(30, ge=0, le=366, description="Remind this many days before a paid membership's 'Paid until'")


class WinBackCampaign(_Campaign):
    template: str = Field("winback", description=_TEMPLATE_DOC)
    kind: Kind = Field("marketing", description=_KIND_DOC)
    holdout: float = Field(0.1, ge=0.0, le=0.5, description=_HOLDOUT_DOC)
    voucher: VoucherGift | None = Field(None, description="A voucher given with the message and named in it; blank: none")


class EventCampaign(_Campaign):
    template: str = Field("event", description="Template when the event's row names none")
    kind: Kind = Field("marketing", description=_KIND_DOC)
    holdout: float = Field(0.1, ge=0.0, le=0.5, description=_HOLDOUT_DOC)
    days: int = Field(7, ge=0, le=120, description="Invite this many days before, when the row's 'Invite days' is blank")


class CourseCardCampaign(_Campaign):
    template: str = Field("course-card", description=_TEMPLATE_DOC)
    days: int = Field(30, ge=0, le=366, description="Remind when a card with sessions left ends within this many days")
    idle_weeks: int = Field(4, ge=1, le=104, description="Remind when no session was used for this many weeks")


class StatementCampaign(_Campaign):
    enabled: bool = Field(False, description="Send this campaign")
    channels: tuple[ChannelName, ...] = Field(("email", "sms"), min_length=1, description=_CHANNELS_DOC)
    template: str = Field("statement", description=_TEMPLATE_DOC)
    day_of_month: int = Field(1, ge=1, le=28, description="Day of the month the statement goes out")
    late_days: int = Field(3, ge=0, le=20, description="A statement not sent on its day may still go this many days later")


class FestivalCampaign(_Campaign):
    template: str = Field("festival", description=_TEMPLATE_DOC)
    kind: Kind = Field("marketing", description=_KIND_DOC)
    holdout: float = Field(0.1, ge=0.0, le=0.5, description=_HOLDOUT_DOC)
    days_before: int = Field(0, ge=0, le=14, description="Send this many days before the festival (0: on the day)")


class Reward(_Strict):
    name: str = Field(min_length=1, description="What the points buy, as members know it (Chinese)")
    name_en: str = Field("", description="The same in English; blank: the Chinese name")
    points: int = Field(ge=1, description="Points it costs")

    def label(self, lang: str) -> str:
        return (self.name_en or self.name) if lang == "en" else self.name


def _default_rewards() -> tuple[Reward, ...]:
    return (
        Reward(name="护手霜", name_en="Hand cream", points=500),
        Reward(name="面膜一盒", name_en="A box of face masks", points=1000),
        Reward(name="100元代金券", name_en="100 yuan voucher", points=2000),
    )


class CampaignSettings(_Strict):
    birthday: BirthdayCampaign = Field(default_factory=BirthdayCampaign, description="Birthday wishes (solar or lunar)")
    followup_3d: FollowUp3d = Field(default_factory=FollowUp3d, description="3 days after the first purchase")
    followup_3w: FollowUp3w = Field(default_factory=FollowUp3w, description="3 weeks after the first purchase")
    followup_3m: FollowUp3m = Field(default_factory=FollowUp3m, description="3 months after the first purchase")
    points_expiring: PointsExpiringCampaign = Field(
        default_factory=PointsExpiringCampaign, description="Points about to lapse, with what they can buy"
    )
    voucher_expiring: VoucherExpiringCampaign = Field(
        default_factory=VoucherExpiringCampaign, description="Unused vouchers about to lapse, named"
    )
    gift_card_lapsing: GiftCardCampaign = Field(
        default_factory=GiftCardCampaign, description="Gift cards with money left about to lapse (giver and friend)"
    )
    membership_ending: MembershipEndingCampaign = Field(
        default_factory=MembershipEndingCampaign, description="Paid memberships about to end"
    )
    win_back: WinBackCampaign = Field(
        default_factory=WinBackCampaign, description="Valued members gone quiet: once per quiet spell"
    )
    events: EventCampaign = Field(default_factory=EventCampaign, description="Invitations to the Events sheet's events")
    course_cards: CourseCardCampaign = Field(
        default_factory=CourseCardCampaign, description="Course cards ending soon or left unused"
    )
    statement: StatementCampaign = Field(
        default_factory=StatementCampaign, description="Monthly benefits statement (off unless enabled)"
    )
    festivals: FestivalCampaign = Field(
        default_factory=FestivalCampaign, description="Festival greetings on messaging.festivals"
    )
    rewards: tuple[Reward, ...] = Field(
        default_factory=_default_rewards, description="What points buy, shown in points and statement messages"
    )

    def by_name(self, name: str) -> _Campaign:
        """The settings block of a campaign name (``giftcard-friend`` shares ``gift_card_lapsing``)."""
        return {
            "birthday": self.birthday, "followup-3d": self.followup_3d, "followup-3w": self.followup_3w,
            "followup-3m": self.followup_3m, "points-expiring": self.points_expiring,
            "voucher-expiring": self.voucher_expiring,
            "giftcard-lapsing": self.gift_card_lapsing, "giftcard-friend": self.gift_card_lapsing,
            "membership-ending": self.membership_ending, "winback": self.win_back, "event": self.events,
            "course-card": self.course_cards, "statement": self.statement, "festival": self.festivals,
        }[name]

    def template_of(self, name: str) -> str:
        """The template a campaign name uses."""
        if name == "giftcard-friend":
            return self.gift_card_lapsing.friend_template
        return self.by_name(name).template or name


class QuietHours(_Strict):
    start: str = Field("21:00", description="No SMS from this time (HH:MM, the member's store's time zone) ...")
    end: str = Field("09:00", description="... until this time; e-mail is not held")

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        t = parse_hhmm(v)
        return f"{t.hour:02d}:{t.minute:02d}"

    def quiet(self, at: time) -> bool:
        """True when ``at`` (local time of day) is inside the quiet hours."""
        start, end = parse_hhmm(self.start), parse_hhmm(self.end)
        if start == end:
            return False
        if start < end:
            return start <= at < end
        return at >= start or at < end


class Festival(_Strict):
    name: str = Field(min_length=1, description="Festival name as shown in the greeting, e.g. 春节")
    name_en: str = Field("", description="English name; blank: the name")
    date: str | None = Field(None, description="Solar day of the year, MM-DD (e.g. 12-25)")
    lunar: str | None = Field(None, description="Chinese lunar month-day, MM-DD (e.g. 01-01 for 春节, 08-15 for 中秋节)")

    @field_validator("date")
    @classmethod
    def _solar(cls, v: str | None) -> str | None:
        if v is None:
            return v
        m, d = parse_month_day(v)
        return f"{m:02d}-{d:02d}"

    @field_validator("lunar")
    @classmethod
    def _lunar(cls, v: str | None) -> str | None:
        if v is None:
            return v
        m, d = parse_lunar_month_day(v)
        return f"{m:02d}-{d:02d}"

    @model_validator(mode="after")
    def _one_day(self) -> Festival:
        if (self.date is None) == (self.lunar is None):
            raise ValueError(f"festival {self.name}: give exactly one of date (solar MM-DD) or lunar (MM-DD)")
        return self

    def label(self, lang: str) -> str:
        return (self.name_en or self.name) if lang == "en" else self.name


def _default_festivals() -> tuple[Festival, ...]:
    return (
        Festival(name="春节", name_en="Chinese New Year", lunar="01-01"),
        Festival(name="中秋节", name_en="Mid-Autumn Festival", lunar="08-15"),
    )


def _default_opt_out_sms() -> dict[str, str]:
    return {"zh": "回T退订", "en": "Reply STOP to opt out"}


def _default_opt_out_email() -> dict[str, str]:
    return {"zh": "如不想再收到此类邮件，请直接回复“退订”。",
            "en": "Don't want these e-mails? Reply \"unsubscribe\" and we will stop."}


OPT_OUT_WORDS = ("TD", "T", "退订", "退", "取消", "STOP", "UNSUBSCRIBE", "END", "QUIT", "CANCEL")
CONFIRM_WORDS = ("1", "是", "好", "Y", "YES", "确认", "参加")


class ReplyWords(_Strict):
    opt_out: tuple[str, ...] = Field(OPT_OUT_WORDS, description="A reply that is one of these words opts the number "
                                     "out of SMS (case, spaces, punctuation and full-width forms do not matter)")
    confirm: tuple[str, ...] = Field(CONFIRM_WORDS, description="A reply that is one of these words, after an event "
                                     "invitation, confirms the member's place at that event")
    confirm_days: int = Field(30, ge=1, le=365, description="A confirmation counts for an invitation sent at most "
                              "this many days before it")


class MessagingSettings(_Strict):
    default_language: Literal["zh", "en"] = Field("zh", description="Language of messages to members whose Language is blank")
    quiet_hours: QuietHours = Field(default_factory=QuietHours, description="No SMS at night (held, sent on a later run)")
    one_per_day: bool = Field(True, description="At most one message per member per day, the first in priority order")
    priority: tuple[str, ...] = Field(
        CAMPAIGN_NAMES, description="Which campaign wins when a member has several on one day (first wins)"
    )
    weekly_cap: int | None = Field(
        3, ge=0, description="At most this many marketing messages per member in 7 days; blank: no cap"
    )
    approval: Literal["off", "required"] = Field(
        "off", description="required: the dry run writes today's messages into the workbook and --send sends only "
        "the rows a manager marked Approve = yes",
    )
    sms_segment_limit: int = Field(2, ge=1, le=10, description="Warn when an SMS needs more segments than this")
    sms_workers: int = Field(
        8, ge=1, le=32, description="SMS in flight at once with --send (Twilio, Aliyun): with a 100 ms round trip "
        "to the provider, 8 send up to about 80 a second; 1 sends one at a time. E-mail always goes one by one",
    )
    opt_out_sms: dict[str, str] = Field(
        default_factory=_default_opt_out_sms, description="Line appended to marketing SMS, per language"
    )
    opt_out_email: dict[str, str] = Field(
        default_factory=_default_opt_out_email, description="Line appended to marketing e-mails, per language"
    )
    sender_names: dict[str, str] = Field(
        default_factory=dict,
        description="Store name -> signature shown in messages (Chinese SMS: 【signature】); blank: the store name",
    )
    sender_names_en: dict[str, str] = Field(
        default_factory=dict,
        description="Store name -> signature in English messages (a Chinese character makes an SMS cost 2-3x); "
        "blank: sender_names",
    )
    list_unsubscribe_mailto: str | None = Field(
        None, description="Address for the List-Unsubscribe header of marketing e-mail; blank: the sender address"
    )
    list_unsubscribe_url: str | None = Field(
        None, description="https link for List-Unsubscribe; {member_id} is replaced by the member's ID"
    )
    festivals: tuple[Festival, ...] = Field(
        default_factory=_default_festivals, description="Festival greetings: solar (date) or lunar days"
    )
    templates: str | None = Field(
        None, description="A folder of your own templates (relative to config.yaml), tried before the built-in ones"
    )
    today_sheet: str = Field("今日消息 Today's messages", min_length=1, max_length=31,
                             description="Sheet the dry run writes when approval is required")
    log_sheet: str = Field("发送记录 Message log", min_length=1, max_length=31,
                           description="Sheet listing what was sent, written after each --send")
    log_days: int = Field(90, ge=1, le=3660, description="The Message log sheet shows this many days")
    reply_words: ReplyWords = Field(default_factory=ReplyWords,
                                    description="What members' SMS replies mean: opt-out words, event confirmations")
    replies_sheet: str = Field("短信回复 Replies", min_length=1, max_length=31,
                               description="Sheet listing members' SMS replies, written by today and refresh")
    replies_days: int = Field(90, ge=1, le=3660, description="The Replies sheet shows this many days")

    @field_validator("priority")
    @classmethod
    def _known(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [n for n in v if n not in CAMPAIGN_NAMES]
        if unknown:
            raise ValueError(f"unknown campaign {', '.join(unknown)}: campaigns are {', '.join(CAMPAIGN_NAMES)}")
        return tuple(dict.fromkeys(v))

    @field_validator("list_unsubscribe_url")
    @classmethod
    def _https(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("https://", "http://")):
            raise ValueError(f"'{v}' is not a link: write it with https://")
        return v

    def sender(self, store: str, lang: str) -> str:
        """The signature of ``store`` in messages in ``lang``."""
        if lang == "en" and self.sender_names_en.get(store):
            return self.sender_names_en[store]
        return self.sender_names.get(store) or store

    def rank(self, campaign: str) -> int:
        """Where ``campaign`` stands in the priority list (unlisted campaigns come last)."""
        try:
            return self.priority.index(campaign)
        except ValueError:
            return len(self.priority) + CAMPAIGN_NAMES.index(campaign)
