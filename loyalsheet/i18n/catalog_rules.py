"""Texts of the program's rules: the problems they find (``<code>``, ``<code>.hint`` says what to do)
and the reasons every result gives (``why.*``). Tier names come as ``{tier}`` / ``{tier_zh}``.
"""

MESSAGES: dict[str, dict[str, str]] = {
    # --- problems: points ---
    "points_overdrawn": {
        "en": "redeems {points} points but {member_id} has only {balance}: only {balance} were taken",
        "zh": "兑换 {points} 积分，但 {member_id} 只有 {balance} 积分：只扣了 {balance}",
    },
    "points_overdrawn.hint": {
        "en": "Check the points on this row against the member's card (`loyalsheet member {member_id}`); "
        "correct the row, or add an adjustment row if points were given by hand.",
        "zh": "请用 `loyalsheet member {member_id}` 核对会员积分；改正这一行，或为手工赠送的积分补一行“调整”。",
    },
    "points_adjustment_overdrawn": {
        "en": "takes away {points} points but {member_id} has only {balance}: only {balance} were taken",
        "zh": "扣减 {points} 积分，但 {member_id} 只有 {balance} 积分：只扣了 {balance}",
    },
    "points_adjustment_overdrawn.hint": {
        "en": "Check the adjustment: a minus sign on a large number, or a row on the wrong member?",
        "zh": "请核对这笔调整：是不是负号写错，或记到了别的会员名下？",
    },
    "points_refund_short": {
        "en": "the refund should take back {points} points but {member_id} has only {balance} left (already spent)",
        "zh": "这笔退款应收回 {points} 积分，但 {member_id} 只剩 {balance} 积分（其余已用掉）",
    },
    "points_refund_short.hint": {
        "en": "Nothing to fix in the file if the refund is right; decide with the member how to settle the points spent.",
        "zh": "退款无误的话表格不用改；已用掉的积分请与会员商量如何处理。",
    },
    # --- problems: stored value and family ---
    "stored_value_overdrawn": {
        "en": "pays {amount} from stored value but {holder}'s balance was {balance} ({short} short)",
        "zh": "用储值支付 {amount}，但 {holder} 的储值余额只有 {balance}（差 {short}）",
    },
    "stored_value_overdrawn.hint": {
        "en": "Check the amount and 'Paid with' on this row, or add the top-up that is missing before it.",
        "zh": "请核对这一行的金额和支付方式，或补上之前漏记的充值。",
    },
    "family_too_many": {
        "en": "{holder} already shares the card with {max} members ({bound})",
        "zh": "{holder} 的主卡已绑定 {max} 位家庭成员（{bound}）",
    },
    "family_too_many.hint": {
        "en": "Leave 'Family of' blank for this member, or raise stored_value.family_max in config.yaml.",
        "zh": "请清空这位会员的“家庭主卡”，或在 config.yaml 中调高 stored_value.family_max。",
    },
    # --- problems: gift cards ---
    "gift_card_not_yet_issued": {
        "en": "gift card {card_id} used on {day}, before it was issued on {issued}",
        "zh": "亲友卡 {card_id} 在 {day} 使用，早于发卡日期 {issued}",
    },
    "gift_card_not_yet_issued.hint": {
        "en": "Check the date on this row and the issue date on the Gift cards sheet.",
        "zh": "请核对这一行的日期和“亲友卡”表中的发卡日期。",
    },
    "gift_card_lapsed": {
        "en": "gift card {card_id} used on {day}, after it lapsed on {expired}",
        "zh": "亲友卡 {card_id} 在 {day} 使用，但已于 {expired} 过期",
    },
    "gift_card_lapsed.hint": {
        "en": "If the friend has registered, mark 'Friend registered' on the Gift cards sheet; otherwise check the row.",
        "zh": "如果亲友已登记，请在“亲友卡”表中勾选“亲友已登记”；否则请核对这一行。",
    },
    "gift_card_special_offer": {
        "en": "gift card {card_id} paid for a special offer, which gift cards may not pay for",
        "zh": "亲友卡 {card_id} 支付了特价商品，亲友卡不能用于特价商品",
    },
    "gift_card_special_offer.hint": {
        "en": "Check 'Special offer' and 'Paid with' on this row.",
        "zh": "请核对这一行的“特价”和“支付方式”。",
    },
    "gift_card_excluded_category": {
        "en": "gift card {card_id} paid for {category}, a category gift cards may not pay for",
        "zh": "亲友卡 {card_id} 支付了“{category}”，这个品类不能用亲友卡",
    },
    "gift_card_excluded_category.hint": {
        "en": "Check the category and 'Paid with' on this row (gift_cards.excluded_categories in config.yaml).",
        "zh": "请核对这一行的品类和支付方式（见 config.yaml 的 gift_cards.excluded_categories）。",
    },
    "gift_card_overdrawn": {
        "en": "gift card {card_id} pays {amount} but has only {balance} left",
        "zh": "亲友卡 {card_id} 支付 {amount}，但卡内只剩 {balance}",
    },
    "gift_card_overdrawn.hint": {
        "en": "Check the amount on this row; the part above the balance should be paid another way.",
        "zh": "请核对这一行的金额；超出余额的部分应以其他方式支付。",
    },
    # --- problems: course cards ---
    "course_card_not_yet_bought": {
        "en": "a session on {day} from course card {card_id}, before it was bought on {bought}",
        "zh": "{day} 核销了疗程卡 {card_id}，早于购买日期 {bought}",
    },
    "course_card_not_yet_bought.hint": {
        "en": "Check the date on this row and the purchase date on the Course cards sheet.",
        "zh": "请核对这一行的日期和“疗程卡”表中的购买日期。",
    },
    "course_card_expired": {
        "en": "a session on {day} from course card {card_id}, which expired on {valid_until}",
        "zh": "{day} 核销了疗程卡 {card_id}，但该卡已于 {valid_until} 到期",
    },
    "course_card_expired.hint": {
        "en": "If the card was extended, change 'Valid until' on the Course cards sheet; otherwise check the row.",
        "zh": "如果已为会员延期，请修改“疗程卡”表中的“有效期至”；否则请核对这一行。",
    },
    "course_card_used_up": {
        "en": "session {used} from course card {card_id}, which has only {sessions}",
        "zh": "疗程卡 {card_id} 只有 {sessions} 次，这是第 {used} 次核销",
    },
    "course_card_used_up.hint": {
        "en": "Check the card id on this row, or raise 'Sessions' if more were sold.",
        "zh": "请核对这一行的卡号；如果加购了次数，请修改“次数”。",
    },
    "course_card_other_member": {
        "en": "{member_id} used course card {card_id}, which belongs to {owner}",
        "zh": "{member_id} 使用了 {owner} 的疗程卡 {card_id}",
    },
    "course_card_other_member.hint": {
        "en": "Check the member ID and card id on this row (family members may share: set 'Family of').",
        "zh": "请核对这一行的会员编号和卡号（家庭成员可共用：请填写“家庭主卡”）。",
    },
    # --- problems: settings ---
    "tier_lifetime_unknown_member": {
        "en": "tiers.lifetime in config.yaml names {member_id}, who is not on the Members sheet",
        "zh": "config.yaml 的 tiers.lifetime 中的 {member_id} 不在会员表中",
    },
    "tier_lifetime_unknown_member.hint": {
        "en": "Correct the member ID in config.yaml, or remove the line.",
        "zh": "请改正 config.yaml 中的会员编号，或删去这一行。",
    },
    # --- reasons: tiers ---
    "why.tier_since": {"en": "{tier} since {since}: {reason}", "zh": "{tier_zh}（自 {since} 起）：{reason}"},
    "why.tier_from_start": {"en": "{tier}: {reason}", "zh": "{tier_zh}：{reason}"},
    "why.tier_base": {"en": "the starting tier", "zh": "入会起始等级"},
    "why.tier_spend_rolling": {
        "en": "rolling 12-month spend {spend} >= {threshold}",
        "zh": "近 12 个月消费 {spend} ≥ {threshold}",
    },
    "why.tier_spend_total": {"en": "total spend {spend} >= {threshold}", "zh": "累计消费 {spend} ≥ {threshold}"},
    "why.tier_paid": {
        "en": "annual fee {fee} paid on {paid_on} (at least {minimum}), good until {until}",
        "zh": "{paid_on} 缴纳年费 {fee}（不低于 {minimum}），有效期至 {until}",
    },
    "why.tier_stored_value": {
        "en": "top-up of {amount} on {day} (at least {minimum}), good until {until}",
        "zh": "{day} 单笔充值 {amount}（不低于 {minimum}），有效期至 {until}",
    },
    "why.tier_lifetime": {"en": "lifetime {tier} (config.yaml)", "zh": "终身{tier_zh}（config.yaml 设定）"},
    "why.tier_downgrade": {
        "en": "at the review on {reviewed} spend was {spend}, below the {needed} that keeps {from_tier}; "
        "moved down on {effective} after {grace} days' grace",
        "zh": "{reviewed} 复核时消费为 {spend}，未达保级所需的 {needed}（{from_tier_zh}）；宽限 {grace} 天后于 {effective} 降级",
    },
    "why.tier_downgrade_pending": {
        "en": "at the review on {reviewed} spend was {spend}, below the {needed} that keeps {from_tier}: "
        "moves down to {tier} on {effective} unless spend reaches {needed} by then",
        "zh": "{reviewed} 复核时消费为 {spend}，未达保级所需的 {needed}（{from_tier_zh}）："
        "若 {effective} 前消费未达 {needed}，将降为{tier_zh}",
    },
    "why.tier_paid_ended": {"en": "the paid {tier} ended on {ended}", "zh": "付费{tier_zh}已于 {ended} 到期"},
    "why.tier_stored_value_ended": {
        "en": "the {tier} bought by a top-up ended on {ended}",
        "zh": "充值获得的{tier_zh}已于 {ended} 到期",
    },
    # --- reasons: discount ---
    "why.discount_own": {
        "en": "{tier} discount: pays {factor} of the price ({percent_off}% off)",
        "zh": "{tier_zh}折扣：{zhe}折",
    },
    "why.discount_family": {
        "en": "{tier} discount of card holder {holder}: pays {factor} of the price ({percent_off}% off)",
        "zh": "享主卡 {holder} 的{tier_zh}折扣：{zhe}折",
    },
    # --- reasons: points ---
    "why.points_balance": {
        "en": "earned {earned} + referral bonus {bonus} + adjustments {adjusted} - redeemed {redeemed} "
        "- expired {expired} - taken back by refunds {refunded} = {balance}",
        "zh": "获得 {earned} + 推荐奖励 {bonus} + 调整 {adjusted} - 兑换 {redeemed} - 过期 {expired} "
        "- 退款收回 {refunded} = {balance}",
    },
    "why.points_next_expiry": {
        "en": "{points} points lapse after {day}",
        "zh": "{points} 积分将于 {day} 后过期",
    },
    # --- reasons: stored value ---
    "why.wallet_balance": {
        "en": "top-ups {topped_up} - spent {spent} + refunds {refunded} + rewards {rewards} = {balance}",
        "zh": "充值 {topped_up} - 消费 {spent} + 退款 {refunded} + 奖励 {rewards} = {balance}",
    },
    # --- reasons: gift cards ---
    "why.gift_card_active": {
        "en": "gift card {card_id}: {balance} of {value} left, good until {until}",
        "zh": "亲友卡 {card_id}：面值 {value}，余额 {balance}，有效期至 {until}",
    },
    "why.gift_card_kept": {
        "en": "gift card {card_id}: {balance} of {value} left; the friend has registered, so it does not lapse",
        "zh": "亲友卡 {card_id}：面值 {value}，余额 {balance}；亲友已登记，长期有效",
    },
    "why.gift_card_used_up": {
        "en": "gift card {card_id}: all {value} used (last on {last_used})",
        "zh": "亲友卡 {card_id}：面值 {value} 已用完（最后一次 {last_used}）",
    },
    "why.gift_card_lapsed": {
        "en": "gift card {card_id}: lapsed after {until} with {balance} unused",
        "zh": "亲友卡 {card_id}：已于 {until} 过期，剩余 {balance} 未用",
    },
    "why.gift_card_lapsing": {
        "en": "gift card {card_id} has {balance} left and lapses after {until} (in {days} days)",
        "zh": "亲友卡 {card_id} 还剩 {balance}，将于 {until} 后过期（还有 {days} 天）",
    },
    # --- reasons: course cards ---
    "why.course_card_state": {
        "en": "{service} card {card_id}: {used} of {sessions} sessions used, {left} left, good until {until}",
        "zh": "{service}疗程卡 {card_id}：共 {sessions} 次，已用 {used} 次，剩 {left} 次，有效期至 {until}",
    },
    "why.course_card_open": {
        "en": "{service} card {card_id}: {used} of {sessions} sessions used, {left} left, no expiry",
        "zh": "{service}疗程卡 {card_id}：共 {sessions} 次，已用 {used} 次，剩 {left} 次，长期有效",
    },
    "why.course_card_expired": {
        "en": "{service} card {card_id}: expired on {until} with {left} of {sessions} sessions unused",
        "zh": "{service}疗程卡 {card_id}：已于 {until} 到期，{sessions} 次中还有 {left} 次未用",
    },
    "why.course_card_expiring": {
        "en": "{service} card {card_id}: {left} sessions left and the card ends on {until} (in {days} days)",
        "zh": "{service}疗程卡 {card_id}：还剩 {left} 次，将于 {until} 到期（还有 {days} 天）",
    },
    "why.course_card_idle": {
        "en": "{service} card {card_id}: {left} sessions left, none used for {weeks} weeks (since {since})",
        "zh": "{service}疗程卡 {card_id}：还剩 {left} 次，已 {weeks} 周未使用（自 {since} 起）",
    },
    # --- reasons: referrals ---
    "why.referral_waiting": {
        "en": "{referred} (referred by {referrer}) has not bought anything yet",
        "zh": "{referrer} 推荐的 {referred} 尚未消费",
    },
    "why.referral_below": {
        "en": "{referred}'s first purchase {amount} on {day} was below {threshold}: no reward for {referrer}",
        "zh": "{referred} 于 {day} 首次消费 {amount}，未达 {threshold}：{referrer} 无推荐奖励",
    },
    "why.referral_points": {
        "en": "{referred}'s first purchase {amount} on {day} reached {threshold}: {points} points to {referrer}",
        "zh": "{referred} 于 {day} 首次消费 {amount}，达到 {threshold}：{referrer} 获得 {points} 积分",
    },
    "why.referral_stored_value": {
        "en": "{referred}'s first purchase {amount} on {day} reached {threshold}: {value} stored value to {referrer}",
        "zh": "{referred} 于 {day} 首次消费 {amount}，达到 {threshold}：{referrer} 获得储值 {value}",
    },
    # --- reasons: birthdays ---
    "why.birthday_budget": {
        "en": "birthday {day}: gift budget {percent}% of {year} spend {spend} = {budget}",
        "zh": "生日 {day}：礼品预算为 {year} 年消费 {spend} 的 {percent}% = {budget}",
    },
    "why.birthday_day": {"en": "birthday {day}", "zh": "生日 {day}"},
    "why.birthday_day_lunar": {"en": "birthday {day} (lunar {month}-{mday})", "zh": "生日 {day}（农历{month}月{mday}日）"},
    "why.birthday_household": {
        "en": "{when}: gift budget {percent}% of the household's {year} spend {spend} ({members}) = {budget}",
        "zh": "{when}：礼品预算为全家（{members}）{year} 年消费 {spend} 的 {percent}% = {budget}",
    },
    "why.birthday_family": {
        "en": "{when}: a greeting; the gift budget is the household's, on card holder {holder}",
        "zh": "{when}：发送生日祝福；礼品预算按全家计算，在主卡 {holder} 名下",
    },
    "why.birthday_budget_lunar": {
        "en": "birthday {day} (lunar {month}-{mday}): gift budget {percent}% of {year} spend {spend} = {budget}",
        "zh": "生日 {day}（农历{month}月{mday}日）：礼品预算为 {year} 年消费 {spend} 的 {percent}% = {budget}",
    },
}
