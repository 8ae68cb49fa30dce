"""The program's rules, pure: rows in, results out, as of a day that is always a parameter.

One entry point, :func:`evaluate`, applies every rule (points, tiers, stored value and families,
gift cards, course cards, referrals, birthdays) to a member file and returns an
:class:`Evaluation`: a result per member, card states, reminder lists and the problems found.
Each result explains itself with a :class:`Reason` (a message-catalog key and its parameters);
:func:`explain` renders one in Chinese or English.
"""

from __future__ import annotations

from .birthdays import BirthdayEntry, BirthdayResult, birthday_in_year, lunar_to_solar
from .coursecards import CourseCardReminder, CourseCardState, CourseStatus, ReminderKind
from .engine import Discount, Evaluation, MemberResult, SpendSummary, birthdays_in_month, evaluate
from .explain import Reason, display_params, explain
from .giftcards import CardStatus, GiftCardReminder, GiftCardState, lapsing_gift_cards
from .points import Lot, PointsResult, Source
from .referrals import ReferralResult, ReferralStatus
from .settings import RulesSettings
from .tiers import Benefit, TierChange, TierResult, Way
from .wallet import WalletResult

# Every Problem code the rules report (texts and hints in loyalsheet/i18n/catalog_rules.py). Structural
# faults (unknown members or cards, missing amounts, bad family or referral links) are validation's.
PROBLEM_CODES = (
    "points_overdrawn",
    "points_adjustment_overdrawn",
    "points_refund_short",
    "stored_value_overdrawn",
    "family_too_many",
    "gift_card_not_yet_issued",
    "gift_card_lapsed",
    "gift_card_special_offer",
    "gift_card_excluded_category",
    "gift_card_overdrawn",
    "course_card_not_yet_bought",
    "course_card_expired",
    "course_card_used_up",
    "course_card_other_member",
    "tier_lifetime_unknown_member",
    # the uses of vouchers (rules/vouchers.py), which `check` reports through validation
    "voucher_unknown",
    "voucher_used_early",
    "voucher_used_expired",
    "voucher_used_twice",
    "voucher_other_member",
)

__all__ = [
    "PROBLEM_CODES",
    "Benefit",
    "BirthdayEntry",
    "BirthdayResult",
    "CardStatus",
    "CourseCardReminder",
    "CourseCardState",
    "CourseStatus",
    "Discount",
    "Evaluation",
    "GiftCardReminder",
    "GiftCardState",
    "Lot",
    "MemberResult",
    "PointsResult",
    "Reason",
    "ReferralResult",
    "ReferralStatus",
    "ReminderKind",
    "RulesSettings",
    "Source",
    "SpendSummary",
    "TierChange",
    "TierResult",
    "WalletResult",
    "Way",
    "birthday_in_year",
    "birthdays_in_month",
    "display_params",
    "evaluate",
    "explain",
    "lapsing_gift_cards",
    "lunar_to_solar",
]
