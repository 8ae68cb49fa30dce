"""Texts of sending: the ledger, the channels, why a run stopped, and what happened to each message.

``<code>`` says what is wrong; ``<code>.hint`` says what to do (printed by the CLI under the error).
"""

MESSAGES: dict[str, dict[str, str]] = {
    # --- secrets and the ledger ---
    "send.env_missing": {
        "en": "The environment variable {var} is not set (config.yaml names it in {setting})",
        "zh": "环境变量 {var} 没有设置（config.yaml 的 {setting} 指定了它）",
    },
    "send.env_missing.hint": {
        "en": "Set it before sending, e.g. `export {var}=...` (Windows: `set {var}=...`). "
              "Secrets never go into config.yaml.",
        "zh": "发送前请先设置，例如 `export {var}=...`（Windows：`set {var}=...`）。密码等机密不要写进 config.yaml。",
    },
    "send.busy": {
        "en": "Another loyalsheet run is sending with {file} right now",
        "zh": "另一个 loyalsheet 正在使用 {file} 发送消息",
    },
    "send.busy.hint": {
        "en": "Wait for it to finish, then run again: nothing is sent twice.",
        "zh": "请等它结束后再运行；已发送的消息不会重复发送。",
    },
    "ledger.unreadable": {
        "en": "{file}: the send ledger cannot be opened ({detail})",
        "zh": "{file}：发送记录无法打开（{detail}）",
    },
    "ledger.unreadable.hint": {
        "en": "Do not delete it: it is what stops messages from going out twice. Restore it from a backup, "
              "or ask for help.",
        "zh": "请不要删除它：正是它保证消息不会重复发送。请从备份恢复，或寻求帮助。",
    },
    "ledger.read_only": {
        "en": "{file}: the send ledger is read-only, so nothing can be sent (it records each message before it goes)",
        "zh": "{file}：发送记录是只读的，因此无法发送（每条消息发出前都要先记在其中）",
    },
    "ledger.read_only.hint": {
        "en": "Nothing is wrong with its contents. Let loyalsheet write it: clear the file's read-only mark "
              "(Windows: right-click, Properties, untick Read-only; Mac/Linux: chmod u+w \"{file}\") and make "
              "sure you may write in the folder {folder}, or run as the user who owns it. Do not delete it.",
        "zh": "它的内容没有问题。请让 loyalsheet 可以写入它：取消该文件的只读（Windows：右键 → 属性 → 取消勾选“只读”；"
              "Mac/Linux：chmod u+w \"{file}\"），并确认您可以在文件夹 {folder} 中写入，或以文件所有者的身份运行。请不要删除它。",
    },
    "ledger.newer": {
        "en": "{file} was written by a newer loyalsheet (ledger version {version})",
        "zh": "{file} 由更新版本的 loyalsheet 写入（记录版本 {version}）",
    },
    "ledger.newer.hint": {
        "en": "Update loyalsheet, then run again.",
        "zh": "请先升级 loyalsheet 再运行。",
    },
    # --- a channel is down: the run stopped (one line, then what to do) ---
    "send.down.auth": {
        "en": "Sending stopped: {provider} refused the login ({error}: {detail})",
        "zh": "发送已停止：{provider} 拒绝登录（{error}：{detail}）",
    },
    "send.down.auth.hint": {
        "en": "Check the account and password (or SID and token) in the environment variables config.yaml names "
              "under channels.{channel}. Nothing was sent twice; run again when fixed.",
        "zh": "请检查 config.yaml 中 channels.{channel} 指定的环境变量里的账号和密码（或 SID 和令牌）。"
              "没有消息被重复发送；改好后再运行即可。",
    },
    "send.down.unreachable": {
        "en": "Sending stopped: cannot reach {provider} ({detail})",
        "zh": "发送已停止：无法连接 {provider}（{detail}）",
    },
    "send.down.unreachable.hint": {
        "en": "Check the internet connection and the server address under channels.{channel} in config.yaml, "
              "then run again: what was sent is not sent again.",
        "zh": "请检查网络连接和 config.yaml 中 channels.{channel} 的服务器地址，然后再运行；已发送的不会重复发送。",
    },
    "send.down.timeout": {
        "en": "Sending stopped: {provider} does not answer in time ({detail})",
        "zh": "发送已停止：{provider} 长时间没有响应（{detail}）",
    },
    "send.down.timeout.hint": {
        "en": "Try again later. A message in flight is checked with the provider first, or listed for you.",
        "zh": "请稍后再试。正在发送的那条消息会先向服务商核对，或列出来请您确认。",
    },
    "send.down.server": {
        "en": "Sending stopped: {provider} keeps failing ({error}: {detail})",
        "zh": "发送已停止：{provider} 持续出错（{error}：{detail}）",
    },
    "send.down.server.hint": {
        "en": "The provider has a problem on its side. Try again later: nothing is sent twice.",
        "zh": "服务商那边出了问题。请稍后再试；不会重复发送。",
    },
    "send.down.rate": {
        "en": "Sending stopped: {provider} keeps saying too many messages at once ({error})",
        "zh": "发送已停止：{provider} 一直提示发送过快（{error}）",
    },
    "send.down.rate.hint": {
        "en": "Wait a while and run again, or send fewer at a time with --limit.",
        "zh": "请等一会儿再运行，或用 --limit 每次少发一些。",
    },
    "send.down.config": {
        "en": "Sending stopped: {provider} cannot be used as set up ({error}: {detail})",
        "zh": "发送已停止：{provider} 的设置有误（{error}：{detail}）",
    },
    "send.down.config.hint": {
        "en": "Check channels.{channel} in config.yaml (sender number or address, encryption settings).",
        "zh": "请检查 config.yaml 中 channels.{channel} 的设置（发送号码或地址、加密方式）。",
    },
    # --- texts recorded in the ledger or shown per message ---
    "send.gave_up": {
        "en": "gave up after {attempts} attempts: {detail}",
        "zh": "尝试 {attempts} 次后放弃：{detail}",
    },
    "send.interrupted_unknown": {
        "en": "sending was interrupted and {provider} cannot be asked whether the message arrived",
        "zh": "发送被中断，且无法向 {provider} 查询这条消息是否已送达",
    },
    "send.interrupted_unfinished": {
        "en": "sending was interrupted before the message ended, so {provider} threw it away: it will be sent again",
        "zh": "发送在消息结束前被中断，{provider} 已丢弃该消息：将重新发送",
    },
    # --- opt-outs received, as the workbook shows them (optouts_received.py) ---
    "optout.line.sms": {"en": "no more SMS since {day}, {how}", "zh": "已退订短信 {day}，{how}"},
    "optout.line.email": {"en": "no more e-mail since {day}, {how}", "zh": "已退订邮件 {day}，{how}"},
    "optout.by_reply": {"en": "by reply", "zh": "来自回复"},
    "optout.channel.sms": {"en": "SMS", "zh": "短信"},
    "optout.channel.email": {"en": "e-mail", "zh": "邮件"},
    "card.opt_outs": {"en": "Opt-outs", "zh": "退订"},
    "send.summary": {
        "en": "{sent} sent, {failed} failed, {skipped} skipped, {held} not sent yet, {unknown} to check by hand",
        "zh": "已发送 {sent} 条，失败 {failed} 条，跳过 {skipped} 条，暂未发送 {held} 条，需人工核对 {unknown} 条",
    },
    "send.unknown_row": {
        "en": "{key} to {to} ({channel}): it may or may not have arrived; it will not be sent again. "
              "Check with the recipient or the mail server's log.",
        "zh": "{key} 发给 {to}（{channel}）：可能已送达也可能没有；系统不会再次发送。请向收件人或邮件服务器日志核实。",
    },
    "send.outcome.sent": {"en": "sent", "zh": "已发送"},
    "send.outcome.failed": {"en": "failed", "zh": "失败"},
    "send.outcome.opted_out": {"en": "opted out (recorded)", "zh": "已退订（已记录）"},
    "send.outcome.unknown": {"en": "to check by hand", "zh": "需人工核对"},
    "send.outcome.held": {"en": "not sent yet", "zh": "暂未发送"},
    "send.outcome.retry_later": {"en": "will retry next run", "zh": "下次运行时重试"},
    "send.outcome.already_sent": {"en": "already sent", "zh": "之前已发送"},
    "send.outcome.already_failed": {"en": "failed before", "zh": "之前已失败"},
    "send.outcome.already_unknown": {"en": "waiting for a check by hand", "zh": "等待人工核对"},
    "send.outcome.skipped_opt_out": {"en": "opted out", "zh": "已退订"},
    "send.outcome.no_channel": {"en": "no channel", "zh": "没有发送渠道"},
    "send.outcome.duplicate": {"en": "duplicate", "zh": "重复"},
    "send.outcome.reconciled": {"en": "found at the provider: sent", "zh": "服务商确认已发送"},
    "send.outcome.requeued": {"en": "not at the provider: will be sent", "zh": "服务商没有收到：将重新发送"},
}
