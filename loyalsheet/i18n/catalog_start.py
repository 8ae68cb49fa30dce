"""The first hour of a new shop: init with a preset, the demo's next steps, plain-words config errors."""

MESSAGES = {
    # --- config.yaml errors in plain words (config_errors.py); config_invalid itself is in catalog_problems ---
    "config_invalid.int": {
        "en": "{file} line {line}, {shown}: \"{value}\" is not a whole number",
        "zh": "{file} 第 {line} 行，{shown}：“{value}”不是整数",
    },
    "config_invalid.int.hint": {
        "en": "Type digits only after \"{name}:\", e.g. {name}: 3",
        "zh": "请在“{name}:”后面只写数字，例如 {name}: 3",
    },
    "config_invalid.number": {
        "en": "{file} line {line}, {shown}: \"{value}\" is not a number",
        "zh": "{file} 第 {line} 行，{shown}：“{value}”不是数字",
    },
    "config_invalid.number.hint": {
        "en": "Type a number after \"{name}:\", e.g. {name}: 0.88 (no currency sign, no %)",
        "zh": "请在“{name}:”后面写数字，例如 {name}: 0.88（不要写货币符号或 %）",
    },
    "config_invalid.bool": {
        "en": "{file} line {line}, {shown}: \"{value}\" is neither true nor false",
        "zh": "{file} 第 {line} 行，{shown}：“{value}”应为 true（是）或 false（否）",
    },
    "config_invalid.bool.hint": {"en": "Type {name}: true or {name}: false", "zh": "请写 {name}: true 或 {name}: false"},
    "config_invalid.choice": {
        "en": "{file} line {line}, {shown}: \"{value}\" is not one of the choices",
        "zh": "{file} 第 {line} 行，{shown}：“{value}”不是可选的值",
    },
    "config_invalid.choice.hint": {"en": "Type one of: {expected}", "zh": "只能写其中之一：{expected}"},
    "config_invalid.min": {
        "en": "{file} line {line}, {shown}: {value} is too small",
        "zh": "{file} 第 {line} 行，{shown}：{value} 太小了",
    },
    "config_invalid.min.hint": {"en": "Type {limit} or more.", "zh": "请写 {limit} 或更大的数。"},
    "config_invalid.max": {
        "en": "{file} line {line}, {shown}: {value} is too large",
        "zh": "{file} 第 {line} 行，{shown}：{value} 太大了",
    },
    "config_invalid.max.hint": {"en": "Type {limit} or less.", "zh": "请写 {limit} 或更小的数。"},
    "config_invalid.missing": {
        "en": "{file} line {line}, {shown}: this setting is needed and is missing or blank",
        "zh": "{file} 第 {line} 行，{shown}：缺少这项必填设置（或它是空的）",
    },
    "config_invalid.missing.hint": {
        "en": "Add \"{name}: ...\" there; the example config.yaml shows one.",
        "zh": "请在那里加上“{name}: ...”；示例 config.yaml 里有写法。",
    },
    "config_invalid.text": {
        "en": "{file} line {line}, {shown}: should be a text",
        "zh": "{file} 第 {line} 行，{shown}：这里应写一段文字",
    },
    "config_invalid.text.hint": {
        "en": "Put the text in quotes, e.g. {name}: \"10:00-21:00\"",
        "zh": "请把文字写在引号里，例如 {name}: \"10:00-21:00\"",
    },
    "config_invalid.mapping": {
        "en": "{file} line {line}, {shown}: should be a group of settings, each on its own indented line",
        "zh": "{file} 第 {line} 行，{shown}：这里应是一组设置，每项单独一行并缩进",
    },
    "config_invalid.mapping.hint": {
        "en": "Write \"{name}:\" alone on its line, and its settings below it, indented by two spaces.",
        "zh": "请让“{name}:”单独占一行，它的各项设置写在下面，每行前面空两个空格。",
    },
    "config_invalid.list": {
        "en": "{file} line {line}, {shown}: should be a list",
        "zh": "{file} 第 {line} 行，{shown}：这里应是一个列表",
    },
    "config_invalid.list.hint": {
        "en": "Write it in brackets, e.g. {name}: [sms, email]",
        "zh": "请写在方括号里，例如 {name}: [sms, email]",
    },
    "config_invalid.unknown": {
        "en": "{file} line {line}, {shown}: loyalsheet has no such setting",
        "zh": "{file} 第 {line} 行，{shown}：没有这项设置",
    },
    "config_invalid.unknown.hint": {
        "en": "Check the spelling and the indentation against the example config.yaml.",
        "zh": "请对照示例 config.yaml 检查拼写和缩进。",
    },
    "config_invalid.unknown_close": {
        "en": "{file} line {line}, {shown}: loyalsheet has no such setting; did you mean {close}?",
        "zh": "{file} 第 {line} 行，{shown}：没有这项设置，是不是想写 {close}？",
    },
    "config_invalid.unknown_close.hint": {"en": "Type {close}: instead of {name}:", "zh": "请把 {name}: 改为 {close}:"},
    "config_invalid.secret": {
        "en": "{file} line {line}, {shown}: a password or token is never typed into config.yaml",
        "zh": "{file} 第 {line} 行，{shown}：密码和令牌不能直接写在 config.yaml 里",
    },
    "config_invalid.secret.hint": {
        "en": "Write {name}_env: and the name of an environment variable instead (e.g. {name}_env: "
              "TWILIO_AUTH_TOKEN), then set that variable on this computer to the secret.",
        "zh": "请改为 {name}_env: 加一个环境变量名（例如 {name}_env: TWILIO_AUTH_TOKEN），"
              "再在这台电脑上把该环境变量设为密码或令牌。",
    },
    # --- campaign and channel names as a manager reads them in tables ---
    "campaign.birthday": {"en": "Birthday", "zh": "生日祝福"},
    "campaign.membership-ending": {"en": "Membership ending", "zh": "会员到期提醒"},
    "campaign.points-expiring": {"en": "Points expiring", "zh": "积分到期提醒"},
    "campaign.giftcard-lapsing": {"en": "Gift card lapsing (giver)", "zh": "亲友卡到期（赠送人）"},
    "campaign.giftcard-friend": {"en": "Gift card lapsing (friend)", "zh": "亲友卡到期（亲友）"},
    "campaign.course-card": {"en": "Course card sessions left", "zh": "疗程卡余次提醒"},
    "campaign.followup-3d": {"en": "3-day follow-up", "zh": "3天回访"},
    "campaign.followup-3w": {"en": "3-week follow-up", "zh": "3周回访"},
    "campaign.followup-3m": {"en": "3-month follow-up", "zh": "3个月回访"},
    "campaign.event": {"en": "Event invitation", "zh": "活动邀请"},
    "campaign.festival": {"en": "Festival greeting", "zh": "节日问候"},
    "campaign.winback": {"en": "Win-back", "zh": "老客召回"},
    "campaign.statement": {"en": "Monthly statement", "zh": "月度权益账单"},
    "channel.sms": {"en": "SMS", "zh": "短信"},
    "channel.email": {"en": "e-mail", "zh": "邮件"},
    "camp.why.event_all": {"en": "event {title} on {day} (everyone)", "zh": "活动「{title}」{day}（全部会员）"},
    "why.birthday_budget_floor": {
        "en": "birthday {day}: gift budget {budget}, the smallest budget ({percent}% of {year} spend {spend} is less)",
        "zh": "生日 {day}：礼品预算 {budget}，即最低预算（{year} 年消费 {spend} 的 {percent}% 不足此数）",
    },
    "why.birthday_budget_ceiling": {
        "en": "birthday {day}: gift budget {budget}, the largest budget ({percent}% of {year} spend {spend} is more)",
        "zh": "生日 {day}：礼品预算 {budget}，即最高预算（{year} 年消费 {spend} 的 {percent}% 超过此数）",
    },
    "why.discount_none": {"en": "{tier}: no discount", "zh": "{tier_zh}：无折扣"},
    "today.nothing_now": {
        "en": "No message can go now on {day}; the held ones are below.",
        "zh": "{day} 现在没有可以发送的消息；暂缓的消息见下表。",
    },
    "today.quiet_waiting": {
        "en": "{count} SMS wait for the end of quiet hours: they may go from {end} (run `{send}` then).",
        "zh": "有 {count} 条短信因免打扰时段暂缓：{end} 以后可以发送（届时运行 `{send}`）。",
    },
    "refresh.first": {
        "en": "First refresh: each member's standing is recorded now; the next refresh lists who moved.",
        "zh": "首次刷新：已记下每位会员现在的分组，下次刷新会列出有变化的会员。",
    },
    "start.preset": {"en": "Preset: {title}", "zh": "预设：{title}"},
    "start.events": {"en": "Events sheet: {count} events of the coming year", "zh": "活动表：已列出今后一年的 {count} 场活动"},
    "start.templates": {
        "en": "Message wording for this trade: {folder} (edit it there)",
        "zh": "本行业的消息措辞：{folder}（可在其中修改）",
    },
    "start.config_exists": {
        "en": "{file} already exists: init writes a new config.yaml beside the new member file and never overwrites one",
        "zh": "{file} 已存在：init 会在新会员档案旁写一个新的 config.yaml，不会覆盖已有的",
    },
    "start.config_exists.hint": {
        "en": "Make the new member file in a new folder, e.g. loyalsheet init myshop/members.xlsx",
        "zh": "请在一个新文件夹里新建，例如：loyalsheet init myshop/members.xlsx",
    },
    "start.init_next": {
        "en": (
            "Next:\n"
            "  1. Open {file} in Excel: add your members on the Members sheet and each sale on Transactions.\n"
            "  2. Check what you typed:             {check}\n"
            "  3. Points, tiers and the Call list:  {refresh}\n"
            "  4. Today's messages (a preview; nothing is sent):  {today}\n"
            "  5. Send them when the preview is right:            {send}"
        ),
        "zh": (
            "下一步：\n"
            "  1. 用 Excel 打开 {file}：在“会员”表登记会员，在“消费记录”表记下每笔消费。\n"
            "  2. 检查录入是否有误：  {check}\n"
            "  3. 更新积分、等级和回访名单：  {refresh}\n"
            "  4. 预览今天要发的消息（不会发送）：  {today}\n"
            "  5. 预览无误后再发送：  {send}"
        ),
    },
    "start.demo_next": {
        "en": (
            "Next:\n"
            "  1. Points, tiers and the Call list, written into the workbook:  {refresh}\n"
            "  2. Open {file} in Excel: the Call list sheet (回访名单) says whom to phone this week and why.\n"
            "  3. Today's messages, a preview:  {today}\n"
            "     Write them into the outbox folder (no SMS leaves; the demo has no account):  {send}\n"
            "  4. Next month's birthdays and gift budgets:  {birthdays}\n"
            "  5. Your own shop, in a new folder:  {init} myshop/members.xlsx --preset dental\n"
            "     (--preset: dental, beauty (salon / cosmetics), tcm (TCM / wellness) or retail)"
        ),
        "zh": (
            "下一步：\n"
            "  1. 计算积分、等级和回访名单，写入会员档案：  {refresh}\n"
            "  2. 用 Excel 打开 {file}：“回访名单 Call list”表列出本周该给谁打电话、为什么。\n"
            "  3. 预览今天要发的消息：  {today}\n"
            "     把消息写进 outbox 文件夹（演示店没有短信账号，不会真的发出）：  {send}\n"
            "  4. 下个月的生日名单和礼品预算：  {birthdays}\n"
            "  5. 建立自己店的会员档案（新文件夹）：  {init} myshop/members.xlsx --preset dental\n"
            "     （--preset 可选：dental 口腔诊所，beauty 美容院/化妆品店，tcm 中医馆/养生馆，retail 零售门店）"
        ),
    },
}
