"""Texts for members' benefits: vouchers, what points buy, a friend's discount, the friends card."""

MESSAGES: dict[str, dict[str, str]] = {
    "benefit.rewards_now": {"en": "Can take now: {names_en}", "zh": "现在可兑换：{names}"},
    "benefit.rewards_next": {"en": "{points} more points for {name_en}", "zh": "再积 {points} 分可换{name}"},
    "benefit.friends_referral": {
        "en": "Friend's discount {off} off ({factor}), referred by {by}, until {until}",
        "zh": "亲友优惠 {factor}（{by} 推荐），至 {until}",
    },
    "benefit.friends_card": {
        "en": "Friend's discount {off} off ({factor}), friend of {by} (gift card {card_id}), until {until}",
        "zh": "亲友优惠 {factor}（{by} 的亲友卡 {card_id}），至 {until}",
    },
    "benefit.friends_card_half": {
        "en": "May be given a friends card: {service} card {card_id} is half used or more ({used} of {sessions})",
        "zh": "可赠送亲友卡：{service}疗程卡 {card_id} 已用过半（{used}/{sessions} 次）",
    },
    "benefit.friends_card_spend": {
        "en": "May be given a friends card: spent {spend} in 12 months (from {threshold})",
        "zh": "可赠送亲友卡：近 12 个月消费 {spend}（满 {threshold}）",
    },
    "benefit.voucher_cash": {"en": "{voucher_id}: {value} off", "zh": "{voucher_id}：{value} 代金券"},
    "benefit.voucher_percent": {"en": "{voucher_id}: {value}% off", "zh": "{voucher_id}：{zhe}折扣券"},
    "benefit.voucher_gift": {"en": "{voucher_id}: gift: {gift}", "zh": "{voucher_id}：礼品券（{gift}）"},
    "benefit.voucher_until": {"en": "{what}, until {until} ({days} days left)", "zh": "{what}，有效至 {until}（还剩 {days} 天）"},
    "benefit.voucher_open_ended": {"en": "{what}, no end date", "zh": "{what}，长期有效"},
    "dash.partners": {"en": "Members by partner card", "zh": "联名卡会员"},
    "card.vouchers": {"en": "Vouchers", "zh": "可用优惠券"},
    "card.rewards_now": {"en": "Points buy now", "zh": "积分可兑换"},
    "card.rewards_next": {"en": "Next reward", "zh": "下一个奖励"},
    "card.friends_discount": {"en": "Friend's discount", "zh": "亲友优惠"},
    "card.friends_card": {"en": "Friends card", "zh": "亲友卡"},
    "card.partner": {"en": "Partner card", "zh": "联名卡"},
    "card.source": {"en": "Joined via", "zh": "来源"},
    "camp.why.voucher": {"en": "voucher {voucher_id} unused, lapses after {day}", "zh": "优惠券 {voucher_id} 未使用，{day} 后过期"},
}
