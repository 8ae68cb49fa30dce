"""Texts of the effect report: `loyalsheet report`, the Report sheet and its block on the Dashboard."""

MESSAGES: dict[str, dict[str, str]] = {
    "report.campaign.birthday": {"en": "Birthday", "zh": "生日祝福"},
    "report.campaign.membership-ending": {"en": "Paid year ending", "zh": "年费到期提醒"},
    "report.campaign.points-expiring": {"en": "Points expiring", "zh": "积分到期提醒"},
    "report.campaign.giftcard-lapsing": {"en": "Gift card lapsing", "zh": "亲友卡到期提醒"},
    "report.campaign.giftcard-friend": {"en": "Gift card (friend)", "zh": "亲友卡提醒（亲友）"},
    "report.campaign.course-card": {"en": "Course card", "zh": "疗程卡提醒"},
    "report.campaign.followup-3d": {"en": "3-day follow-up", "zh": "3 天回访"},
    "report.campaign.followup-3w": {"en": "3-week follow-up", "zh": "3 周回访"},
    "report.campaign.followup-3m": {"en": "3-month follow-up", "zh": "3 个月回访"},
    "report.campaign.event": {"en": "Event invitation", "zh": "活动邀请"},
    "report.campaign.festival": {"en": "Festival greeting", "zh": "节日问候"},
    "report.campaign.winback": {"en": "Win-back", "zh": "唤回消息"},
    "report.campaign.statement": {"en": "Monthly statement", "zh": "月度权益对账"},
    "report.title": {"en": "Does the program work? {since} to {today}", "zh": "会员计划效果报告：{since} 至 {today}"},
    "report.sheet_title": {"en": "Effect report · {today}", "zh": "效果报告 · {today}"},
    "report.summary": {"en": "In short", "zh": "一句话总结"},
    "report.nothing": {
        "en": "No messages were sent in this period yet: nothing to measure.",
        "zh": "这段时间还没有发出消息，暂时没有效果可衡量。",
    },
    "report.no_holdout_at_all": {
        "en": "No holdout group yet: the report shows who came back after messages, but not how many would "
              "have come anyway. Marketing campaigns hold 10% out from now on (campaigns: holdout).",
        "zh": "还没有对照组：报告能显示收到消息后回店的会员，但无法说明其中多少人本来就会来。"
              "从现在起，营销类消息会留出 10% 的会员作对照（campaigns: holdout）。",
    },
    "report.says.ok_sig": {
        "en": "{campaign}: {rate_m} of the members who got it came back within {days} days, against {rate_h} of "
              "the holdout; about {extra} more spend.",
        "zh": "{campaign}让 {rate_m} 的会员 {days} 天内回店，对照组 {rate_h}，多带来约 {extra} 消费。",
    },
    "report.says.ok_not_sig": {
        "en": "{campaign}: {rate_m} came back within {days} days, the holdout {rate_h}: not a clear difference "
              "yet.",
        "zh": "{campaign}：{rate_m} 的会员 {days} 天内回店，对照组 {rate_h}，差别还不足以说明效果。",
    },
    "report.says.ok_sig_worse": {
        "en": "{campaign}: only {rate_m} came back within {days} days, fewer than the holdout's {rate_h}: worth "
              "a look at its wording and timing.",
        "zh": "{campaign}：只有 {rate_m} 的会员 {days} 天内回店，低于对照组的 {rate_h}，建议检查文案和发送时机。",
    },
    "report.says.too_few": {
        "en": "{campaign}: too few members so far to tell ({messaged} messaged, {held} held out; {min} each "
              "are needed).",
        "zh": "{campaign}：人数还太少，暂时看不出效果（发送 {messaged} 人，对照组 {held} 人，各需至少 {min} 人）。",
    },
    "report.says.health": {
        "en": "{month}: {active} members bought, {repeat} of them had bought before; {new} new members, {lost} "
              "lost.",
        "zh": "{month}：{active} 位会员消费，其中 {repeat} 是回头客；新会员 {new} 人，流失 {lost} 人。",
    },
    "report.verdict.ok_sig": {"en": "clear effect", "zh": "效果明显"},
    "report.verdict.ok_not_sig": {"en": "no clear difference", "zh": "差别不明显"},
    "report.verdict.too_few": {"en": "too few to tell", "zh": "人数太少，看不出"},
    "report.verdict.no_holdout": {"en": "no holdout", "zh": "无对照组"},
    "report.verdict.pending": {"en": "wait: window not over", "zh": "观察期未满"},
    "report.all_months": {"en": "all", "zh": "合计"},
    "report.version": {"en": "v{n}", "zh": "版本{n}"},
    "report.version_old": {"en": "before versions", "zh": "早期"},
    "report.col.campaign": {"en": "Campaign", "zh": "活动"},
    "report.col.month": {"en": "Month", "zh": "月份"},
    "report.col.version": {"en": "Settings", "zh": "设置版本"},
    "report.col.sent": {"en": "Sent", "zh": "已发送"},
    "report.col.held_out": {"en": "Held out", "zh": "对照组"},
    "report.col.came": {"en": "Came back {days}d", "zh": "{days}天回店率"},
    "report.col.came_holdout": {"en": "Holdout came {days}d", "zh": "对照组{days}天回店率"},
    "report.col.spend": {"en": "Spend each {days}d", "zh": "{days}天人均消费"},
    "report.col.uplift": {"en": "Uplift {days}d (95% range)", "zh": "{days}天提升（95%区间）"},
    "report.col.extra": {"en": "Extra spend {days}d", "zh": "{days}天多带来消费"},
    "report.col.verdict": {"en": "Verdict {days}d", "zh": "{days}天结论"},
    "report.col.compact": {"en": "(came back: messaged / held out; uplift; verdict)",
                           "zh": "（回店率：发送组 / 对照组；提升；结论）"},
    "report.calls": {"en": "Calls by outcome", "zh": "回访效果（按结果）"},
    "report.col.outcome": {"en": "Outcome", "zh": "回访结果"},
    "report.col.calls": {"en": "Calls", "zh": "回访次数"},
    "report.outcome_blank": {"en": "(blank)", "zh": "（未填）"},
    "report.events": {"en": "Event funnel", "zh": "活动漏斗"},
    "report.col.event": {"en": "Event", "zh": "活动"},
    "report.col.day": {"en": "Day", "zh": "日期"},
    "report.col.invited": {"en": "Invited", "zh": "已邀请"},
    "report.col.confirmed": {"en": "Confirmed", "zh": "已确认"},
    "report.col.came_day": {"en": "Came", "zh": "到场"},
    "report.col.bought": {"en": "Bought", "zh": "消费"},
    "report.col.event_spend": {"en": "Spend that day", "zh": "当天消费额"},
    "report.col.holdout_came": {"en": "Holdout came", "zh": "对照组到场"},
    "report.health": {"en": "Program health by month", "zh": "会员计划健康度（按月）"},
    "report.col.active": {"en": "Active", "zh": "活跃会员"},
    "report.col.repeat": {"en": "Repeat rate", "zh": "复购率"},
    "report.col.new": {"en": "New members", "zh": "新会员"},
    "report.col.lost": {"en": "Lost", "zh": "流失会员"},
    "report.col.sources": {"en": "New by source", "zh": "新会员来源"},
    "report.source_blank": {"en": "not given", "zh": "未填"},
    "report.campaigns": {"en": "Messages: sent against held out", "zh": "消息效果：发送组对比对照组"},
    "report.no_rows": {"en": "(none in this period)", "zh": "（本期没有）"},
    "report.see_sheet": {"en": "Full report: sheet {sheet}", "zh": "完整报告见「{sheet}」工作表"},
    "report.how": {
        "en": "Came back: bought within N days after the day the message was due (that day not counted). "
              "Uplift: came-back share of those messaged minus the holdout's, with its 95% range (Newcombe); "
              "'clear effect' when the range does not include 0.",
        "zh": "回店：消息当天之后 N 天内有消费（不含当天）。提升：发送组回店率减对照组回店率，括号内为 95% 区间"
              "（Newcombe 方法）；区间不含 0 时为“效果明显”。",
    },
    "report.since_after": {"en": "{since} is after {today}", "zh": "{since} 晚于 {today}"},
    "report.dash": {"en": "Does the program work?", "zh": "会员计划效果"},
    "report.ledger_none": {
        "en": "No send ledger beside {file} yet: messages sent with `loyalsheet today --send` are measured here.",
        "zh": "{file} 旁边还没有发送台账：用 `loyalsheet today --send` 发出的消息会在这里衡量效果。",
    },
}
