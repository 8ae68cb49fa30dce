"""Texts of the daily messages: why a member is due a message, why one is held, and the commands
`today`, `log` and `templates`."""

MESSAGES: dict[str, dict[str, str]] = {
    # --- why a member is due a message (Reason codes of loyalsheet.campaigns) ---
    "camp.why.birthday": {"en": "birthday on {day}", "zh": "{day} 生日"},
    "camp.why.birthday_gift": {"en": "birthday on {day}, gift budget {budget}", "zh": "{day} 生日，礼品预算 {budget}"},
    "camp.why.followup": {"en": "first purchase {day}, {days} days ago", "zh": "首次消费 {day}，已 {days} 天"},
    "camp.why.points": {"en": "{points} points expire {day}", "zh": "{points} 积分将于 {day} 过期"},
    "camp.why.gift_card": {
        "en": "gift card {card_id} has {balance} left, lapses after {day}",
        "zh": "亲友卡 {card_id} 还剩 {balance}，{day} 后过期",
    },
    "camp.why.membership": {"en": "paid membership ends {day}", "zh": "付费会员 {day} 到期"},
    "camp.why.winback": {"en": "{why}", "zh": "{why}"},
    "camp.why.event": {"en": "event {title} on {day} ({audience})", "zh": "活动「{title}」{day}（{audience}）"},
    "camp.why.course_ending": {
        "en": "{service} card {card_id}: {left} sessions left, ends {day}",
        "zh": "{service}疗程卡 {card_id}：剩 {left} 次，{day} 到期",
    },
    "camp.why.course_idle": {
        "en": "{service} card {card_id}: {left} sessions left, unused since {since}",
        "zh": "{service}疗程卡 {card_id}：剩 {left} 次，自 {since} 未使用",
    },
    "camp.why.statement": {"en": "statement for {month}: {points} points", "zh": "{month} 权益对账：{points} 积分"},
    "camp.why.festival": {"en": "{name_en} on {day}", "zh": "{day} {name}"},
    # --- why a message is held ---
    "camp.held.opted_out": {"en": "opted out", "zh": "已退订"},
    "camp.held.no_consent": {"en": "no consent", "zh": "未同意接收"},
    "camp.held.no_address": {"en": "no valid number or address", "zh": "没有有效的号码或邮箱"},
    "camp.held.already_sent": {"en": "already sent", "zh": "之前已发送"},
    "camp.held.in_doubt": {"en": "sent earlier, arrival unknown", "zh": "之前发送过，是否送达未知"},
    "camp.held.failed_before": {"en": "failed for good earlier", "zh": "之前已失败（不再重试）"},
    "camp.held.daily_limit": {"en": "one message a day", "zh": "每天只发一条"},
    "camp.held.quiet_hours": {"en": "quiet hours: goes on a later run", "zh": "免打扰时段，稍后运行时再发"},
    "camp.held.weekly_cap": {"en": "weekly cap reached", "zh": "已达每周上限"},
    "camp.held.same_recipient": {"en": "same number as a family member", "zh": "与家人同一号码"},
    "camp.held.not_approved": {"en": "not approved", "zh": "未批准"},
    "camp.held.template_missing": {"en": "no template", "zh": "缺少模板"},
    "camp.held.template_error": {"en": "template error", "zh": "模板出错"},
    "camp.held.holdout": {"en": "holdout (not sent, to measure the effect)", "zh": "对照组（不发送，用于衡量效果）"},
    # --- ledger states, as the Message log shows them ---
    "camp.state.planned": {"en": "planned", "zh": "待发送"},
    "camp.state.sending": {"en": "sending", "zh": "发送中"},
    "camp.state.sent": {"en": "sent", "zh": "已发送"},
    "camp.state.failed": {"en": "failed", "zh": "失败"},
    "camp.state.unknown": {"en": "to check", "zh": "待核对"},
    "camp.state.holdout": {"en": "holdout", "zh": "对照组"},
    "camp.yes": {"en": "yes", "zh": "是"},
    "camp.no": {"en": "no", "zh": "否"},
    # --- loyalsheet today ---
    "today.col.member": {"en": "Member", "zh": "会员"},
    "today.col.campaign": {"en": "Campaign", "zh": "活动"},
    "today.col.channel": {"en": "Channel", "zh": "渠道"},
    "today.col.to": {"en": "To", "zh": "收件人"},
    "today.col.segments": {"en": "Segs", "zh": "条数"},
    "today.col.reason": {"en": "Why", "zh": "原因"},
    "today.col.preview": {"en": "Preview", "zh": "预览"},
    "today.col.held": {"en": "Held because", "zh": "暂缓原因"},
    "today.col.outcome": {"en": "Outcome", "zh": "结果"},
    "today.planned_title": {
        "en": "Messages to send on {day} ({count})",
        "zh": "{day} 待发送的消息（{count} 条）",
    },
    "today.held_title": {"en": "Held back ({count})", "zh": "暂缓发送（{count} 条）"},
    "today.more": {"en": "… and {more} more (add --max {total} to see them all)",
                   "zh": "……还有 {more} 条（加上 --max {total} 可全部显示）"},
    "today.nothing": {"en": "No messages due on {day}.", "zh": "{day} 没有需要发送的消息。"},
    "today.held_counts": {"en": "Held: {counts}", "zh": "暂缓：{counts}"},
    "today.dry_run": {
        "en": "Dry run: nothing was sent. Run `{send}` to send these {count} messages.",
        "zh": "试运行：没有发送任何消息。运行 `{send}` 发送这 {count} 条消息。",
    },
    "today.approval_written": {
        "en": "Written to the sheet \"{sheet}\" of {file}: mark Approve = yes on the rows to send, save, then run "
              "`loyalsheet today --send`.",
        "zh": "已写入 {file} 的「{sheet}」工作表：请在要发送的行把“批准”改为“是”，保存后运行 `loyalsheet today --send`。",
    },
    "today.approval_none": {
        "en": "Approval is required and no message of {day} is approved in \"{sheet}\": run `loyalsheet today` first, "
              "then mark Approve = yes in Excel.",
        "zh": "需要审批，但「{sheet}」中没有 {day} 已批准的消息：请先运行 `loyalsheet today`，再在 Excel 中把“批准”改为“是”。",
    },
    "today.sms_long": {
        "en": "{count} SMS need more than {limit} segments (e.g. {key}: {segments}); shorten the template to save cost.",
        "zh": "{count} 条短信超过 {limit} 条计费长度（例如 {key}：{segments} 条）；缩短模板可以省钱。",
    },
    "render.too_many_steps": {
        "en": "the template's loops ran more than {limit} steps for one message (loops inside loops?), so it was stopped",
        "zh": "模板中的循环为一条消息运行了超过 {limit} 步（循环套循环？），已被停止",
    },
    "render.too_long": {
        "en": "the template would build a text of {size} characters for one message (at most {limit}), so it was stopped",
        "zh": "模板要为一条消息生成 {size} 个字符的文字（上限 {limit}），已被停止",
    },
    "today.template_error": {"en": "Template problem: {where}: {detail}", "zh": "模板问题：{where}：{detail}"},
    "today.sending": {"en": "Sending", "zh": "正在发送"},
    "today.reconciled": {
        "en": "{count} messages from an interrupted run were settled first.",
        "zh": "先核对了上次中断时的 {count} 条消息。",
    },
    "today.log_written": {"en": "Message log written to \"{sheet}\" of {file}.", "zh": "发送记录已写入 {file} 的「{sheet}」。"},
    "today.log_not_written": {
        "en": "The Message log sheet was not updated ({detail}); nothing is lost: `loyalsheet log` shows it all.",
        "zh": "发送记录工作表没有更新（{detail}）；记录没有丢失：`loyalsheet log` 可查看全部。",
    },
    "today.bad_time": {"en": "'{value}' is not a time of day: write HH:MM, e.g. 10:30", "zh": "“{value}”不是时间：请写成 HH:MM，例如 10:30"},
    "today.bad_campaign": {
        "en": "'{value}' is not a campaign: choose from {names}",
        "zh": "“{value}”不是消息活动：可选 {names}",
    },
    # --- loyalsheet log ---
    "log.resolve_outcome": {"en": "--resolve: say sent or not-sent, not {outcome}", "zh": "--resolve：请写 sent 或 not-sent，而不是 {outcome}"},
    "log.resolve_outcome.hint": {"en": "For example: loyalsheet log --resolve birthday:M00042:2026 sent", "zh": "例如：loyalsheet log --resolve birthday:M00042:2026 sent"},
    "log.resolve_missing": {"en": "{key}: no such message in the send ledger", "zh": "{key}：发送记录中没有这条消息"},
    "log.resolve_missing.hint": {"en": "Copy the key from `loyalsheet log`.", "zh": "请从 `loyalsheet log` 中复制消息编号。"},
    "log.resolve_state": {"en": "{key} is {state}, not unknown: nothing to settle", "zh": "{key} 的状态是 {state}，不是 unknown，无需核对"},
    "log.resolve_state.hint": {"en": "Only messages left 'unknown' need a person's answer.", "zh": "只有状态为 unknown 的消息需要人工核对。"},
    "log.resolved": {"en": "{key}: recorded as {outcome}.", "zh": "{key}：已记录为 {outcome}。"},
    "log.title": {"en": "Message log ({count})", "zh": "发送记录（{count} 条）"},
    "log.bad_since": {"en": "--since {value}: write the day as YYYY-MM-DD", "zh": "--since {value}：日期请写成 YYYY-MM-DD"},
    "log.empty": {"en": "No messages in the send ledger yet ({file}).", "zh": "发送记录中还没有消息（{file}）。"},
    "log.col.day": {"en": "Day", "zh": "日期"},
    "log.col.key": {"en": "Key", "zh": "消息编号"},
    "log.col.state": {"en": "State", "zh": "状态"},
    "log.col.sent_at": {"en": "Sent at", "zh": "发送时间"},
    "log.col.provider_id": {"en": "Provider ID", "zh": "服务商编号"},
    "log.col.error": {"en": "Error", "zh": "错误"},
    # --- loyalsheet templates check ---
    "templates.checked": {
        "en": "Checked {templates} templates in {dirs} with {renders} renders against {members} demo members.",
        "zh": "已检查 {dirs} 中的 {templates} 个模板，用 {members} 位演示会员渲染了 {renders} 次。",
    },
    "templates.error": {"en": "{file}:{line}: {detail}", "zh": "{file}:{line}：{detail}"},
    "templates.missing": {
        "en": "{campaign} has no {channel} template ({name}); its {channel} messages would be held",
        "zh": "{campaign} 缺少{channel}模板（{name}），该渠道的消息将无法发送",
    },
    "templates.fallback": {
        "en": "{name} is missing: {lang} members get {used}",
        "zh": "缺少 {name}：{lang} 会员将收到 {used}",
    },
    "templates.long_sms": {
        "en": "{file}: up to {segments} SMS segments (limit {limit}), e.g. for {member}",
        "zh": "{file}：最多 {segments} 条计费短信（上限 {limit}），例如会员 {member}",
    },
    "today.plan_written": {
        "en": "Dry run: nothing was sent. The plan is in the sheet \"{sheet}\" of {file}.",
        "zh": "试运行：没有发送任何消息。计划已写入 {file} 的「{sheet}」工作表。",
    },
    "today.write_plan_send": {
        "en": "--write-plan is for a dry run: leave it out when sending (--send writes the Message log).",
        "zh": "--write-plan 只用于试运行：发送（--send）时请去掉它（发送会写入发送记录）。",
    },
    "templates.unused": {"en": "{file}: no demo member to try it on", "zh": "{file}：没有可用来试渲染的演示会员"},
    "templates.ok": {"en": "All templates render.", "zh": "所有模板都能正常渲染。"},
    "templates.failed": {"en": "{count} template problems.", "zh": "发现 {count} 个模板问题。"},
    "templates.bad_action": {"en": "Unknown action {action}: use `check`", "zh": "未知操作 {action}：请用 `check`"},
}
