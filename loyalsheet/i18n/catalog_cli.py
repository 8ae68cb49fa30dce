"""Texts of the command line: headings, table columns, summaries."""

MESSAGES: dict[str, dict[str, str]] = {
    "col.file": {"en": "File", "zh": "文件"},
    "col.severity": {"en": "Level", "zh": "级别"},
    "col.cell": {"en": "Cell", "zh": "单元格"},
    "col.header": {"en": "Column", "zh": "列"},
    "col.value": {"en": "Value", "zh": "内容"},
    "col.problem": {"en": "What is wrong", "zh": "问题"},
    "col.hint": {"en": "What to do", "zh": "怎么改"},
    "severity.error": {"en": "error", "zh": "错误"},
    "severity.warning": {"en": "warning", "zh": "提醒"},
    "check.title": {"en": "Problems in {file}", "zh": "{file} 中的问题"},
    "check.summary": {
        "en": "{errors} errors, {warnings} warnings in {file} ({members} members, {txns} transactions, as of {day})",
        "zh": "{file}：{errors} 个错误，{warnings} 个提醒（{members} 位会员，{txns} 条消费记录，截至 {day}）",
    },
    "check.clean": {
        "en": "No problems found in {file} ({members} members, {txns} transactions, as of {day}).",
        "zh": "{file} 没有发现问题（{members} 位会员，{txns} 条消费记录，截至 {day}）。",
    },
    "check.more": {
        "en": "… and {more} more; run with --json or --max {total} to see them all.",
        "zh": "……还有 {more} 个问题；用 --json 或 --max {total} 查看全部。",
    },
    "progress.reading": {"en": "Reading {sheet}", "zh": "正在读取 {sheet}"},
    "error.prefix": {"en": "Error", "zh": "错误"},
    "error.todo": {"en": "What to do", "zh": "怎么办"},
    "internal_error": {
        "en": "loyalsheet stopped because of a bug: {detail}. Your workbook was not changed.",
        "zh": "loyalsheet 因程序错误而停止：{detail}。您的工作簿没有被修改。",
    },
    "internal_error.hint": {
        "en": "Run again with LOYALSHEET_DEBUG=1 to see the details, and report them.",
        "zh": "请设置 LOYALSHEET_DEBUG=1 后再运行一次查看详情，并反馈给我们。",
    },
    "interrupted": {"en": "Stopped.", "zh": "已停止。"},
    "init.exists": {"en": "{file} already exists: it was not overwritten", "zh": "{file} 已存在，没有覆盖"},
    "init.exists.hint": {
        "en": "Choose a new file name, or move the old file away first.",
        "zh": "请换一个文件名，或先把旧文件移走。",
    },
    "init.bad_suffix": {"en": "{file}: a member file must end in .xlsx", "zh": "{file}：会员档案的文件名须以 .xlsx 结尾"},
    "init.bad_suffix.hint": {"en": "For example: members.xlsx", "zh": "例如：members.xlsx"},
    "init.no_folder": {"en": "{folder}: no such folder", "zh": "{folder}：文件夹不存在"},
    "init.no_folder.hint": {"en": "Create the folder first.", "zh": "请先创建该文件夹。"},
    "init.done": {"en": "Wrote a new member file: {file}", "zh": "已新建会员档案：{file}"},
    "init.config": {"en": "Wrote {file} pointing at it.", "zh": "已写入 {file}，指向该档案。"},
    "init.next": {
        "en": "Next: fill in the Members sheet, then run `loyalsheet check`.",
        "zh": "下一步：在“会员”表中登记会员，然后运行 `loyalsheet check`。",
    },
    "demo.writing": {"en": "Writing the demo store", "zh": "正在生成演示门店"},
    "demo.done": {
        "en": "Wrote a demo store in {dir}: {members} members, {txns} transactions ({file}, {config}).",
        "zh": "已在 {dir} 生成演示门店：{members} 位会员，{txns} 条消费记录（{file}、{config}）。",
    },
    "demo.mistakes": {
        "en": "Planted {count} typing mistakes; find them with: loyalsheet check --config {config}",
        "zh": "已故意埋入 {count} 处录入错误；可用以下命令找出：loyalsheet check --config {config}",
    },
    "date.bad": {"en": "--date {value}: write the day as YYYY-MM-DD", "zh": "--date {value}：日期请写成 YYYY-MM-DD"},
    "month.bad": {"en": "--month {value}: write the month as YYYY-MM", "zh": "--month {value}：月份请写成 YYYY-MM"},
}
