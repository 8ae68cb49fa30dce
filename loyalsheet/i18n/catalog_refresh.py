"""Texts of the weekly refresh: the Call list, the Dashboard and the summary of moves."""

MESSAGES: dict[str, dict[str, str]] = {
    "calls.followup": {
        "en": "{days}-day follow-up after the first purchase on {first} (due {due})",
        "zh": "首次消费（{first}）后第 {days} 天回访（{due}）",
    },
    "calls.points": {"en": "{points} points expire by {until}", "zh": "{points} 积分将于 {until} 前过期"},
    "calls.birthday": {
        "en": "birthday on {day}: arrange the gift (budget {budget})",
        "zh": "{day} 生日：请准备礼品（预算 {budget}）",
    },
    "calls.gift_card": {
        "en": "gift card {card} given to a friend lapses on {day} with {balance} left",
        "zh": "赠出的亲友卡 {card} 将于 {day} 到期，余额 {balance}",
    },
    "calls.event": {"en": "invite to “{title}” on {day} and ask to RSVP", "zh": "邀请参加“{title}”（{day}），请确认是否出席"},
    "calls.open.quiet": {
        "en": "Hello {name}, this is {store}: we have not seen you for a while and wanted to ask how you are.",
        "zh": "{name}您好，我是{store}的顾问，好久没见您了，想问候一下您最近好吗？",
    },
    "calls.open.followup": {
        "en": "Hello {name}, this is {store}: how are you getting on with what you bought from us?",
        "zh": "{name}您好，我是{store}的顾问，想了解一下您上次购买的产品用得怎么样？",
    },
    "calls.open.gift_card": {
        "en": "Hello {name}, this is {store}: the gift card you gave a friend is about to lapse.",
        "zh": "{name}您好，我是{store}的顾问，您赠送给亲友的亲友卡快到期了，提醒您告诉朋友尽快使用。",
    },
    "calls.open.points": {
        "en": "Hello {name}, this is {store}: some of your points are about to expire, and we can help you use them.",
        "zh": "{name}您好，我是{store}的顾问，您有积分即将过期，我帮您看看可以兑换什么礼品。",
    },
    "calls.open.birthday": {
        "en": "Hello {name}, this is {store}: your birthday is coming and we have a small gift for you.",
        "zh": "{name}您好，我是{store}的顾问，您的生日快到了，我们为您准备了一份小礼物。",
    },
    "calls.open.event": {
        "en": "Hello {name}, this is {store}: we are holding an event for our members and would love you to come.",
        "zh": "{name}您好，我是{store}的顾问，我们近期有一场会员活动，诚挚邀请您参加。",
    },
    "dash.title": {"en": "Dashboard as of {day}", "zh": "看板（截至 {day}）"},
    "dash.tiers": {"en": "Members by tier", "zh": "各等级会员数"},
    "dash.members": {"en": "Members", "zh": "会员数"},
    "dash.quadrants": {"en": "Four quadrants (12 months)", "zh": "四象限（近 12 个月）"},
    "dash.stages": {"en": "Lifecycle stages", "zh": "生命周期"},
    "dash.members_block": {"en": "Members", "zh": "会员"},
    "dash.total": {"en": "Members in all", "zh": "会员总数"},
    "dash.gained": {"en": "Joined in the last 30 days", "zh": "近 30 天新入会"},
    "dash.lapsed_now": {"en": "Lapsed now", "zh": "当前流失"},
    "dash.lost": {"en": "Lapsed since the last refresh", "zh": "上次刷新以来新流失"},
    "dash.gone_quiet": {"en": "Valued members gone quiet", "zh": "沉睡贵宾"},
    "dash.whales": {"en": "Whales (top spenders)", "zh": "大客户"},
    "dash.monthly": {"en": "Month", "zh": "月份"},
    "dash.spend": {"en": "Spend", "zh": "消费额"},
    "dash.visits": {"en": "Visits", "zh": "到店次数"},
    "dash.messages": {"en": "Messages sent, by campaign", "zh": "已发送消息（按活动）"},
    "dash.none": {"en": "none yet", "zh": "暂无"},
    "refresh.aspect.quadrant": {"en": "quadrant", "zh": "四象限"},
    "refresh.aspect.stage": {"en": "lifecycle", "zh": "生命周期"},
    "refresh.aspect.rfm": {"en": "RFM group", "zh": "RFM 分组"},
    "refresh.aspect.whale": {"en": "whale", "zh": "大客户"},
    "refresh.aspect.gone_quiet": {"en": "gone quiet", "zh": "沉睡贵宾"},
    "refresh.moves": {"en": "Moves since the last refresh ({count})", "zh": "上次刷新以来的变化（{count}）"},
    "refresh.no_moves": {"en": "No moves since the last refresh.", "zh": "上次刷新以来没有变化。"},
    "refresh.col.member": {"en": "Member", "zh": "会员"},
    "refresh.col.aspect": {"en": "What", "zh": "项目"},
    "refresh.col.before": {"en": "Before", "zh": "之前"},
    "refresh.col.after": {"en": "Now", "zh": "现在"},
    "refresh.col.why": {"en": "Why", "zh": "原因"},
    "refresh.summary": {
        "en": "{members} members; {calls} to phone this week; {collected} call outcomes collected; as of {day}.",
        "zh": "{members} 位会员；本周需回访 {calls} 位；收回回访结果 {collected} 条；截至 {day}。",
    },
    "refresh.dry_run": {
        "en": "Dry run: nothing was written. Run without --dry-run to update {file}.",
        "zh": "试运行：没有写入任何内容。去掉 --dry-run 即可更新 {file}。",
    },
    "refresh.written": {
        "en": "Updated {sheets} in {file} (backup: {backup}).",
        "zh": "已更新 {file} 中的 {sheets}（备份：{backup}）。",
    },
    "refresh.errors": {
        "en": "The member file has {errors} errors; the results may be wrong where they are. Run `loyalsheet check`.",
        "zh": "会员档案有 {errors} 个错误，相关结果可能不准确。请运行 `loyalsheet check`。",
    },
    "progress.computing": {"en": "Computing points, tiers and segments", "zh": "正在计算积分、等级与分组"},
    "progress.writing": {"en": "Writing the owned sheets", "zh": "正在写入工具表"},
}
