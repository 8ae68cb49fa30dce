"""Texts of the scheduler (`loyalsheet schedule`): its log lines, summaries of the jobs, its errors."""

MESSAGES: dict[str, dict[str, str]] = {
    "schedule.job.daily": {"en": "daily messages of {store}", "zh": "{store} 的每日消息"},
    "schedule.job.weekly": {"en": "weekly refresh", "zh": "每周刷新"},
    "schedule.mode.send": {"en": "sending: on (messages are sent)", "zh": "发送：开（消息会真正发出）"},
    "schedule.mode.plan": {
        "en": "sending: off (a dry run; the plan is written to the workbook and this log)",
        "zh": "发送：关（试运行；计划写入工作簿和本日志）",
    },
    "schedule.started": {
        "en": "loyalsheet schedule started (pid {pid}) for {config}; {mode}. Log: {log}",
        "zh": "loyalsheet 定时任务已启动（进程 {pid}），配置 {config}；{mode}。日志：{log}",
    },
    "schedule.once": {
        "en": "loyalsheet schedule --once (pid {pid}) for {config}; {mode}.",
        "zh": "loyalsheet schedule --once（进程 {pid}），配置 {config}；{mode}。",
    },
    "schedule.plan_daily": {
        "en": "  {job}: every day at {at} ({tz})",
        "zh": "  {job}：每天 {at}（{tz}）",
    },
    "schedule.plan_weekly": {
        "en": "  {job}: every {day} at {at} ({tz})",
        "zh": "  {job}：每{day} {at}（{tz}）",
    },
    "schedule.next": {"en": "Next: {job} at {when}", "zh": "下一次：{job}，{when}"},
    "schedule.nothing_due": {"en": "Nothing is due now. {next}", "zh": "现在没有要运行的任务。{next}"},
    "schedule.stale_lock": {
        "en": "Took over a lock left by process {pid} on {host} (since {since}), which is no longer running.",
        "zh": "进程 {pid}（{host}，{since} 起）留下的锁已失效（该进程已不在运行），已接管。",
    },
    "schedule.journal_skipped": {
        "en": "{count} unreadable lines in the run journal {file} were ignored.",
        "zh": "运行记录 {file} 中有 {count} 行无法读取，已忽略。",
    },
    "schedule.run": {
        "en": "Running {job} for {day} (attempt {attempt}{late}): {command}",
        "zh": "正在运行 {job}（{day}，第 {attempt} 次{late}）：{command}",
    },
    "schedule.late": {"en": ", caught up {late} after its time", "zh": "，补跑：比预定时间晚 {late}"},
    "schedule.span.days": {"en": "{days} d {hours} h", "zh": "{days} 天 {hours} 小时"},
    "schedule.span.hours": {"en": "{hours} h {minutes} min", "zh": "{hours} 小时 {minutes} 分钟"},
    "schedule.span.minutes": {"en": "{minutes} min", "zh": "{minutes} 分钟"},
    "schedule.done": {
        "en": "{job} for {day}: exit {code} ({outcome}) in {seconds} s: {summary}",
        "zh": "{job}（{day}）：退出码 {code}（{outcome}），用时 {seconds} 秒：{summary}",
    },
    "schedule.outcome.ok": {"en": "done", "zh": "完成"},
    "schedule.outcome.problems": {"en": "done, with problems to look at", "zh": "完成，但有问题需要查看"},
    "schedule.outcome.failed": {"en": "could not run", "zh": "未能运行"},
    "schedule.retry": {
        "en": "{job} will be tried again at the next check (in about {minutes} min).",
        "zh": "{job} 将在下次检查时重试（约 {minutes} 分钟后）。",
    },
    "schedule.gave_up": {
        "en": "{job} could not run {attempts} times today: no more tries today. Fix the problem above, then run "
              "`loyalsheet schedule --once` or wait for tomorrow.",
        "zh": "{job} 今天已失败 {attempts} 次，今天不再重试。请先解决上面的问题，再运行 `loyalsheet schedule --once`，或等到明天。",
    },
    "schedule.stopping": {"en": "Stopping (signal {signal}).", "zh": "正在停止（信号 {signal}）。"},
    "schedule.stopped": {"en": "loyalsheet schedule stopped.", "zh": "loyalsheet 定时任务已停止。"},
    "schedule.timeout": {
        "en": "stopped after {minutes} minutes (schedule.job_timeout_minutes)",
        "zh": "运行超过 {minutes} 分钟，已被停止（schedule.job_timeout_minutes）",
    },
    "schedule.no_output": {"en": "no output (exit code {code})", "zh": "没有输出（退出码 {code}）"},
    "schedule.sum.plan": {
        "en": "dry run: {planned} messages planned ({campaigns}), {held} held back; nothing was sent",
        "zh": "试运行：计划发送 {planned} 条（{campaigns}），暂缓 {held} 条；没有发送任何消息",
    },
    "schedule.sum.plan_sheet": {"en": "; the plan is in the sheet “{sheet}”", "zh": "；计划已写入“{sheet}”表"},
    "schedule.sum.sent": {
        "en": "{summary} ({planned} planned, {held} held back)",
        "zh": "{summary}（计划 {planned} 条，暂缓 {held} 条）",
    },
    "schedule.sum.refresh": {
        "en": "{members} members, {calls} on the call list, {moves} moves, {sheets} sheets written, {errors} errors "
              "in the member file",
        "zh": "{members} 位会员，回访名单 {calls} 人，{moves} 项变化，写入 {sheets} 张表，会员档案中有 {errors} 个错误",
    },
    "schedule.running": {
        "en": "Another loyalsheet schedule is already running for this member file (process {pid} on {host}, "
              "since {since}; lock file {file}).",
        "zh": "已有另一个 loyalsheet 定时任务在为这个会员档案运行（{host} 上的进程 {pid}，{since} 起；锁文件 {file}）。",
    },
    "schedule.running.hint": {
        "en": "Only one may run at a time. Stop the other one first (Ctrl-C in its window, or stop its task), "
              "or leave it running: it does the work.",
        "zh": "同一时间只能运行一个。请先停止另一个（在它的窗口按 Ctrl-C，或停止对应的计划任务），或让它继续运行即可。",
    },
    "schedule.journal_unreadable": {
        "en": "The run journal {file} cannot be read: {detail}",
        "zh": "无法读取运行记录 {file}：{detail}",
    },
    "schedule.journal_unreadable.hint": {
        "en": "Check the file's permissions; if it is damaged, move it away (jobs already run today may then run "
              "again, and the send ledger still keeps any message from going twice).",
        "zh": "请检查文件权限；如已损坏，可将其移走（今天已运行的任务可能会再运行一次，发送记录仍会保证消息不重复发送）。",
    },
    "schedule.log_unwritable": {
        "en": "The schedule log {file} cannot be written: {detail}",
        "zh": "无法写入定时任务日志 {file}：{detail}",
    },
    "schedule.log_unwritable.hint": {
        "en": "Check the folder's permissions, or set schedule.log_file in config.yaml to a writable place.",
        "zh": "请检查文件夹权限，或在 config.yaml 中把 schedule.log_file 设为可写的位置。",
    },
    "schedule.task.written": {
        "en": "Task definition for {kind}: see the comments at the top for where to save it.",
        "zh": "{kind} 的计划任务定义：保存位置见开头的注释。",
    },
    "schedule.weekday.monday": {"en": "Monday", "zh": "周一"},
    "schedule.weekday.tuesday": {"en": "Tuesday", "zh": "周二"},
    "schedule.weekday.wednesday": {"en": "Wednesday", "zh": "周三"},
    "schedule.weekday.thursday": {"en": "Thursday", "zh": "周四"},
    "schedule.weekday.friday": {"en": "Friday", "zh": "周五"},
    "schedule.weekday.saturday": {"en": "Saturday", "zh": "周六"},
    "schedule.weekday.sunday": {"en": "Sunday", "zh": "周日"},
}
