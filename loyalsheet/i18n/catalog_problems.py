"""Texts for problems in the member file and for files or settings that cannot be read.

``<code>`` says what is wrong; ``<code>.hint`` says what to do.
"""

MESSAGES: dict[str, dict[str, str]] = {
    # --- a file that cannot be read at all (exit 2) ---
    "workbook_missing": {
        "en": "{file}: no such file",
        "zh": "{file}：找不到这个文件",
    },
    "workbook_missing.hint": {
        "en": "Check the path (the workbook setting in config.yaml is relative to config.yaml), or create one with `loyalsheet init`.",
        "zh": "请检查路径（config.yaml 里的 workbook 是相对于 config.yaml 的位置），或用 `loyalsheet init` 新建一个会员档案。",
    },
    "workbook_is_folder": {
        "en": "{file} is a folder, not a workbook",
        "zh": "{file} 是一个文件夹，不是 Excel 文件",
    },
    "workbook_is_folder.hint": {
        "en": "Give the path of the .xlsx file inside it, e.g. {file}/members.xlsx.",
        "zh": "请写出文件夹里 .xlsx 文件的完整路径，例如 {file}/members.xlsx。",
    },
    "workbook_xls": {
        "en": "{file} is an old Excel 97-2003 (.xls) workbook",
        "zh": "{file} 是旧版 Excel 97-2003（.xls）格式",
    },
    "workbook_xls.hint": {
        "en": "Open it in Excel and use File › Save As › Excel Workbook (.xlsx), then point config.yaml at the new file.",
        "zh": "请在 Excel 中打开，选择“文件 › 另存为 › Excel 工作簿 (.xlsx)”，再把 config.yaml 指向新文件。",
    },
    "workbook_csv": {
        "en": "{file} is a CSV/text file, not a workbook",
        "zh": "{file} 是 CSV/文本文件，不是 Excel 工作簿",
    },
    "workbook_csv.hint": {
        "en": "Open it in Excel and save it as an Excel Workbook (.xlsx), or start from `loyalsheet init` and paste the rows in.",
        "zh": "请用 Excel 打开后另存为 Excel 工作簿（.xlsx），或用 `loyalsheet init` 新建后把数据粘贴进去。",
    },
    "workbook_other_format": {
        "en": "{file}: files of type {suffix} cannot be read",
        "zh": "{file}：无法读取 {suffix} 类型的文件",
    },
    "workbook_other_format.hint": {
        "en": "Save the member file as an Excel Workbook (.xlsx) or macro workbook (.xlsm).",
        "zh": "请把会员档案另存为 Excel 工作簿（.xlsx）或启用宏的工作簿（.xlsm）。",
    },
    "workbook_encrypted": {
        "en": "{file} is protected with a password to open",
        "zh": "{file} 设置了打开密码",
    },
    "workbook_encrypted.hint": {
        "en": "In Excel: File › Info › Protect Workbook › Encrypt with Password, clear the password and save. Sheet protection (without an open password) is fine.",
        "zh": "请在 Excel 中：文件 › 信息 › 保护工作簿 › 用密码进行加密，清空密码后保存。（只保护工作表、不设打开密码是可以的。）",
    },
    "workbook_corrupt": {
        "en": "{file} is damaged or is not an Excel workbook",
        "zh": "{file} 已损坏，或不是 Excel 工作簿",
    },
    "workbook_corrupt.hint": {
        "en": "Open it in Excel to repair it, or restore the last good copy from the .loyalsheet-backups folder beside it.",
        "zh": "请用 Excel 打开并修复，或从旁边的 .loyalsheet-backups 文件夹中恢复最近的好副本。",
    },
    "workbook_unreadable": {
        "en": "{file} cannot be read: {detail}",
        "zh": "无法读取 {file}：{detail}",
    },
    "workbook_unreadable.hint": {
        "en": "Check that the file is not being synced or moved and that you may read it.",
        "zh": "请确认文件没有在同步或移动中，并且您有读取权限。",
    },
    "sheet_missing": {
        "en": "{file}: there is no sheet {sheet} (sheets found: {found})",
        "zh": "{file}：找不到工作表“{sheet}”（现有工作表：{found}）",
    },
    "sheet_missing.hint": {
        "en": "Rename the sheet to one of these names, or copy it from a new file made with `loyalsheet init`.",
        "zh": "请把工作表改名为上面的名称之一，或从 `loyalsheet init` 新建的文件中复制该表。",
    },
    "header_missing": {
        "en": "{file} › {sheet}: the header row (row {row}) has no column {columns} (other headers: {found})",
        "zh": "{file} › {sheet}：表头（第 {row} 行）缺少列 {columns}（其他表头：{found}）",
    },
    "header_missing.hint": {
        "en": "Rename the header back to its Chinese or English name as in MEMBER_FILE.md; extra columns of your own are fine.",
        "zh": "请把表头改回规定的中文或英文名称；您自己加的其他列可以保留。",
    },
    # --- config.yaml ---
    "config_missing": {
        "en": "{file}: no such file",
        "zh": "{file}：找不到配置文件",
    },
    "config_missing.hint": {
        "en": "Run the command in the folder that holds config.yaml, pass --config PATH, or copy the example config.yaml from the loyalsheet folder.",
        "zh": "请在 config.yaml 所在的文件夹运行，或用 --config 指定路径，或从 loyalsheet 文件夹复制示例 config.yaml。",
    },
    "config_unreadable": {
        "en": "{file} cannot be read: {detail}",
        "zh": "无法读取 {file}：{detail}",
    },
    "config_unreadable.hint": {
        "en": "Save config.yaml as UTF-8 text.",
        "zh": "请把 config.yaml 保存为 UTF-8 文本。",
    },
    "config_yaml": {
        "en": "{file} line {line}: not valid YAML: {detail}",
        "zh": "{file} 第 {line} 行：YAML 格式错误：{detail}",
    },
    "config_yaml.hint": {
        "en": "Check the indentation (spaces, not tabs) and the colons on that line.",
        "zh": "请检查这一行的缩进（用空格，不要用 Tab）和冒号。",
    },
    "config_not_mapping": {
        "en": "{file}: expected settings such as `workbook: members.xlsx`",
        "zh": "{file}：应为“键: 值”形式的设置，例如 `workbook: members.xlsx`",
    },
    "config_not_mapping.hint": {
        "en": "Start from the example config.yaml.",
        "zh": "请以示例 config.yaml 为基础修改。",
    },
    "config_invalid": {
        "en": "{file} line {line}, {key}: {detail}",
        "zh": "{file} 第 {line} 行，{key}：{detail}",
    },
    "config_invalid.hint": {
        "en": "Fix that setting; the example config.yaml documents every setting.",
        "zh": "请修改这项设置；示例 config.yaml 里有每项设置的说明。",
    },
    "config_env_name": {
        "en": "{file} line {line}, {key}: this is not the name of an environment variable (its value is not "
              "shown here, in case it is a secret)",
        "zh": "{file} 第 {line} 行，{key}：这不是环境变量的名字（为防泄密，此处不显示它的内容）",
    },
    "config_env_name.hint": {
        "en": "Write the NAME of the environment variable that holds the secret (capital letters, digits and _, "
              "e.g. TWILIO_AUTH_TOKEN), and put the secret itself in that variable, never in config.yaml. "
              "If a token or password was typed there, change it at the provider: it may have been seen.",
        "zh": "这里应填写保存密钥的环境变量的名字（大写字母、数字和下划线，例如 TWILIO_AUTH_TOKEN），"
              "密钥本身放进该环境变量，不要写进 config.yaml。如果这里填过令牌或密码，请到服务商处更换：它可能已被他人看到。",
    },
    # --- cells ---
    "required_missing": {"en": "this cell must be filled in", "zh": "此处不能为空"},
    "required_missing.hint": {"en": "Fill in {header}.", "zh": "请填写“{header}”。"},
    "date_unreadable": {"en": "not a date", "zh": "无法识别为日期"},
    "date_unreadable.hint": {
        "en": "Write the date as 2026-05-03 (or 2026/5/3, 2026年5月3日).",
        "zh": "请写成 2026-05-03（或 2026/5/3、2026年5月3日）。",
    },
    "date_impossible": {"en": "no such day in the calendar", "zh": "日历上没有这一天"},
    "date_impossible.hint": {"en": "Check the month and the day.", "zh": "请检查月份和日期。"},
    "date_ambiguous": {"en": "day and month could be either way round", "zh": "无法确定哪个是月、哪个是日"},
    "date_ambiguous.hint": {
        "en": "Write the year first: 2026-05-03.",
        "zh": "请把年份写在前面：2026-05-03。",
    },
    "lunar_day_impossible": {"en": "a lunar month has at most 30 days", "zh": "农历一个月最多 30 天"},
    "lunar_day_impossible.hint": {
        "en": "Check the lunar birthday, or clear the Lunar birthday mark if it is a solar date.",
        "zh": "请检查农历生日；如果是公历生日，请清除“农历生日”标记。",
    },
    "money_unreadable": {"en": "not an amount of money", "zh": "无法识别为金额"},
    "money_unreadable.hint": {"en": "Write digits, e.g. 1200 or 1,200.50.", "zh": "请用数字填写，例如 1200 或 1,200.50。"},
    "int_unreadable": {"en": "not a whole number", "zh": "不是整数"},
    "int_unreadable.hint": {"en": "Write digits only, e.g. 500.", "zh": "请只填数字，例如 500。"},
    "int_not_whole": {"en": "must be a whole number", "zh": "必须是整数"},
    "int_not_whole.hint": {"en": "Remove the decimals.", "zh": "请去掉小数部分。"},
    "phone_unreadable": {"en": "not a phone number", "zh": "不是有效的手机号"},
    "phone_unreadable.hint": {
        "en": "Write the full number, e.g. 13800138000, or with its country code: +852 6123 4567.",
        "zh": "请填写完整号码，例如 13800138000；境外号码请加国家区号，例如 +852 6123 4567。",
    },
    "email_unreadable": {"en": "not an e-mail address", "zh": "不是有效的邮箱地址"},
    "email_unreadable.hint": {"en": "Write it like name@example.com.", "zh": "请写成 name@example.com 的形式。"},
    "yesno_unreadable": {"en": "not yes or no", "zh": "不是“是/否”"},
    "yesno_unreadable.hint": {"en": "Write yes or no (是 / 否), or leave it blank.", "zh": "请填“是”或“否”，或留空。"},
    "gender_unreadable": {"en": "not a gender", "zh": "无法识别性别"},
    "gender_unreadable.hint": {"en": "Write F or M (女 / 男), or leave it blank.", "zh": "请填“女”或“男”（F / M），或留空。"},
    "choice_unknown": {"en": "not one of the allowed values", "zh": "不是允许的取值"},
    "choice_unknown.hint": {"en": "Use one of: {choices}.", "zh": "请使用以下之一：{choices_zh}。"},
    "header_duplicate": {"en": "this column appears twice (again in column {other})", "zh": "这一列出现了两次（另见 {other} 列）"},
    "header_duplicate.hint": {
        "en": "Only the first is read; rename or remove the other one.",
        "zh": "只读取第一列；请重命名或删除另一列。",
    },
    "optout_no_contact": {"en": "an opt-out with no member, phone or e-mail", "zh": "退订记录没有会员编号、手机或邮箱"},
    "optout_no_contact.hint": {"en": "Fill in who opted out.", "zh": "请填写退订的是谁。"},
    # --- across rows ---
    "duplicate_member_id": {"en": "member ID already used in row {first_row}", "zh": "会员编号与第 {first_row} 行重复"},
    "duplicate_member_id.hint": {
        "en": "Give this member a new ID, or merge the two rows.",
        "zh": "请给这位会员一个新编号，或合并这两行。",
    },
    "contact_missing": {"en": "neither a phone nor an e-mail", "zh": "手机和邮箱都没有填写"},
    "contact_missing.hint": {"en": "Fill in the phone or the e-mail.", "zh": "请至少填写手机或邮箱之一。"},
    "future_date": {"en": "a date after today ({today})", "zh": "日期晚于今天（{today}）"},
    "future_date.hint": {"en": "Check the year and the month.", "zh": "请检查年份和月份。"},
    "paid_until_missing": {"en": "a paid membership with no end date", "zh": "付费会员没有填写年费到期日"},
    "paid_until_missing.hint": {"en": "Fill in Paid until (年费到期).", "zh": "请填写“年费到期”。"},
    "family_self": {"en": "a member cannot be family of themselves", "zh": "会员不能是自己的家庭成员"},
    "family_self.hint": {
        "en": "Write the card holder's member ID, or leave it blank for a card holder.",
        "zh": "请填写主卡会员的编号；主卡会员本人此处留空。",
    },
    "family_unknown": {"en": "no member has this ID", "zh": "没有这个编号的会员"},
    "family_unknown.hint": {"en": "Write the card holder's member ID.", "zh": "请填写主卡会员的编号。"},
    "family_cycle": {"en": "family cards point at each other in a circle ({chain})", "zh": "家庭卡互相指向，形成循环（{chain}）"},
    "family_cycle.hint": {
        "en": "Leave Family of blank for the card holder.",
        "zh": "主卡会员的“家庭主卡”一栏请留空。",
    },
    "family_chain": {
        "en": "{value} is itself family of {holder}, not a card holder",
        "zh": "{value} 本身是 {holder} 的家庭成员，不是主卡",
    },
    "family_chain.hint": {"en": "Write the card holder's ID: {holder}.", "zh": "请直接填写主卡会员编号：{holder}。"},
    "referrer_self": {"en": "a member cannot refer themselves", "zh": "会员不能推荐自己"},
    "referrer_self.hint": {"en": "Write the referrer's member ID, or leave it blank.", "zh": "请填写推荐人的会员编号，或留空。"},
    "referrer_unknown": {"en": "no member has this ID", "zh": "没有这个编号的会员"},
    "referrer_unknown.hint": {"en": "Write the referrer's member ID, or leave it blank.", "zh": "请填写推荐人的会员编号，或留空。"},
    "store_unknown": {"en": "not a store in config.yaml", "zh": "config.yaml 中没有这家门店"},
    "store_unknown.hint": {
        "en": "Use one of: {stores}; or add the store to config.yaml.",
        "zh": "请使用：{stores}；或在 config.yaml 中添加这家门店。",
    },
    "unknown_member": {"en": "no member has this ID", "zh": "没有这个编号的会员"},
    "unknown_member.hint": {
        "en": "Check the member ID, or add the member to the Members sheet.",
        "zh": "请核对会员编号，或先在会员表中登记这位会员。",
    },
    "amount_missing": {"en": "a {type} needs an amount", "zh": "这类记录（{type}）需要填写金额"},
    "amount_missing.hint": {"en": "Fill in the amount.", "zh": "请填写金额。"},
    "negative_amount": {"en": "a negative amount is not allowed here", "zh": "这里不能是负数"},
    "negative_amount.hint": {
        "en": "Write the amount as a positive number; record money given back as a refund (退款).",
        "zh": "请填正数；退还的钱请记为“退款”。",
    },
    "redemption_no_points": {"en": "a redemption needs the points spent", "zh": "积分兑换需要填写使用的积分"},
    "redemption_no_points.hint": {"en": "Fill in the points, e.g. 500.", "zh": "请填写积分数，例如 500。"},
    "adjustment_no_points": {"en": "an adjustment needs the points added or removed", "zh": "积分调整需要填写增减的积分"},
    "adjustment_no_points.hint": {"en": "Write e.g. 200 or -200.", "zh": "请填写例如 200 或 -200。"},
    "gift_card_missing": {"en": "paid with a gift card, but no card number", "zh": "用亲友卡支付，但没有填写卡号"},
    "gift_card_missing.hint": {"en": "Fill in the gift card number.", "zh": "请填写亲友卡号。"},
    "gift_card_unknown": {"en": "no gift card has this number", "zh": "没有这个卡号的亲友卡"},
    "gift_card_unknown.hint": {
        "en": "Check the card number, or add the card to the Gift cards sheet.",
        "zh": "请核对卡号，或先在亲友卡表中登记。",
    },
    "course_card_missing": {"en": "a session needs its course card number", "zh": "次卡核销需要填写疗程卡号"},
    "course_card_missing.hint": {"en": "Fill in the course card number.", "zh": "请填写疗程卡号。"},
    "course_card_unknown": {"en": "no course card has this number", "zh": "没有这个卡号的疗程卡"},
    "course_card_unknown.hint": {
        "en": "Check the card number, or add the card to the Course cards sheet.",
        "zh": "请核对卡号，或先在疗程卡表中登记。",
    },
    "duplicate_card_id": {"en": "card number already used in row {first_row}", "zh": "卡号与第 {first_row} 行重复"},
    "duplicate_card_id.hint": {"en": "Give each card its own number.", "zh": "每张卡请使用不同的卡号。"},
    "duplicate_event_id": {"en": "event ID already used in row {first_row}", "zh": "活动编号与第 {first_row} 行重复"},
    "duplicate_event_id.hint": {"en": "Give each event its own ID.", "zh": "每个活动请使用不同的编号。"},
    "sessions_not_positive": {"en": "the number of sessions must be at least 1", "zh": "次数至少为 1"},
    "sessions_not_positive.hint": {"en": "Fill in how many sessions were bought.", "zh": "请填写购买的次数。"},
    "duplicate_voucher_id": {"en": "voucher number already used in row {first_row}", "zh": "券号与第 {first_row} 行重复"},
    "duplicate_voucher_id.hint": {"en": "Give each voucher its own number.", "zh": "每张券请使用不同的券号。"},
    "voucher_ends_before_issue": {"en": "the voucher ends before it was issued ({issued})",
                                  "zh": "有效期早于发放日期（{issued}）"},
    "voucher_ends_before_issue.hint": {"en": "Check the two dates.", "zh": "请核对这两个日期。"},
    "voucher_unknown": {"en": "no voucher has this number", "zh": "没有这个券号的优惠券"},
    "voucher_unknown.hint": {
        "en": "Check the voucher number, or add the voucher to the Vouchers sheet.",
        "zh": "请核对券号，或先在优惠券表中登记。",
    },
    "voucher_used_early": {"en": "the voucher was used before it was issued ({issued})",
                           "zh": "优惠券在发放（{issued}）之前就被使用"},
    "voucher_used_early.hint": {"en": "Check the date of this row and the voucher's Issued date.",
                                "zh": "请核对这一行的日期和优惠券的发放日期。"},
    "voucher_used_expired": {"en": "the voucher was used after it lapsed ({valid_until})",
                             "zh": "优惠券已于 {valid_until} 过期后仍被使用"},
    "voucher_used_expired.hint": {
        "en": "Check the date and the voucher number; if the store accepted it anyway, extend Valid until on the Vouchers sheet.",
        "zh": "请核对日期和券号；如果门店仍然接受了，请在优惠券表中延长有效期。",
    },
    "voucher_used_twice": {"en": "the voucher was already used in row {first_row} ({first_day})",
                           "zh": "这张券已在第 {first_row} 行（{first_day}）使用过"},
    "voucher_used_twice.hint": {"en": "A voucher is used once: check the voucher number.",
                                "zh": "每张券只能用一次，请核对券号。"},
    "voucher_other_member": {"en": "the voucher belongs to {holder}", "zh": "这张券属于会员 {holder}"},
    "voucher_other_member.hint": {"en": "Check the member ID or the voucher number (a voucher handed on is fine).",
                                  "zh": "请核对会员编号或券号（转赠的券可忽略此提示）。"},
    "percent_unreadable": {"en": "not a percentage off", "zh": "无法识别为折扣"},
    "percent_unreadable.hint": {"en": "Write e.g. 10% (10% off) or 88折.", "zh": "请填写例如 10%（减 10%）或 88折。"},
    "unknown_event": {"en": "no event has this ID", "zh": "没有这个编号的活动"},
    "unknown_event.hint": {"en": "Check the event ID, or add the event to the Events sheet.",
                           "zh": "请核对活动编号，或先在活动表中登记。"},
}
