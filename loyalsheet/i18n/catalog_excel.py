"""Messages of the macro workbook: the Start sheet's text and what its buttons report (``loyalsheet.excel``)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # the Start sheet (both languages are shown, one under the other)
    "excel.start.title": {"en": "loyalsheet: member file", "zh": "loyalsheet 会员档案"},
    "excel.start.intro": {
        "en": "Press a button: loyalsheet runs on this open workbook. Save the workbook afterwards.",
        "zh": "按下按钮，loyalsheet 就在这个打开的档案上运行。运行后请保存工作簿。",
    },
    "excel.button.refresh": {"en": "Refresh segments", "zh": "刷新分组"},
    "excel.button.preview": {"en": "Preview today's messages", "zh": "预览今日消息"},
    "excel.button.send": {"en": "Send today's messages", "zh": "发送今日消息"},
    "excel.button.check": {"en": "Check the member file", "zh": "检查会员档案"},
    "excel.button.refresh.what": {
        "en": "Recomputes points, tiers and segments; fills Member status, Call list and Dashboard (weekly).",
        "zh": "重新计算积分、等级与分组，写入 会员状态、回访名单、看板（每周一次）。",
    },
    "excel.button.preview.what": {
        "en": "Lists today's messages and those held back, with why; nothing is sent.",
        "zh": "列出今天要发的消息和被暂缓的消息及原因；不会发送任何消息。",
    },
    "excel.button.send.what": {
        "en": "Asks first, then sends today's messages (each only once) and fills the Message log.",
        "zh": "先询问确认，再发送今天的消息（每条只发一次），并写入 发送记录。",
    },
    "excel.button.check.what": {
        "en": "Lists every typing problem with its cell; nothing is changed.",
        "zh": "列出所有录入问题及其单元格；不修改任何内容。",
    },
    "excel.send_prompt": {
        "en": "Send today's messages to members now?",
        "zh": "现在把今日消息发给会员吗？",
    },
    "excel.start.status": {"en": "Last run:", "zh": "上次运行："},
    "excel.start.status.none": {"en": "(no button pressed yet)", "zh": "（尚未运行）"},
    "excel.start.setup": {"en": "First time on this computer", "zh": "第一次在这台电脑上使用"},
    "excel.start.setup1": {
        "en": '1. Install Python 3.11 or newer, then in a terminal: pip install "loyalsheet[excel]"',
        "zh": '1. 安装 Python 3.11 或更新版本，然后在命令行运行：pip install "loyalsheet[excel]"',
    },
    "excel.start.setup2": {
        "en": "2. Keep config.yaml in the folder of this workbook (loyalsheet init --macros writes one).",
        "zh": "2. 把 config.yaml 放在本工作簿所在的文件夹（loyalsheet init --macros 会自动写好）。",
    },
    "excel.start.setup3": {
        "en": "3. When Excel asks, enable macros (Enable Content). On a Mac, run once: xlwings runpython install",
        "zh": "3. Excel 提示时点“启用内容”以启用宏。Mac 上请先运行一次：xlwings runpython install",
    },
    "excel.start.setup4": {
        "en": "4. Results go to the sheets loyalsheet owns; the rest of the workbook is never changed.",
        "zh": "4. 结果写入 loyalsheet 自己的工作表；工作簿的其他内容不会被修改。",
    },
    # what a button reports in the status cell
    "excel.done.check": {
        "en": "{when} Check: {errors} errors, {warnings} warnings. {detail}",
        "zh": "{when} 检查：{errors} 个错误，{warnings} 个提醒。{detail}",
    },
    "excel.done.check.sheet": {
        "en": "The first {count} are listed in the sheet {sheet}.",
        "zh": "前 {count} 个列在工作表 {sheet} 中。",
    },
    "excel.done.refresh": {
        "en": "{when} Refreshed {members} members: {calls} calls to make, {moves} moved. Sheets: {sheets}.",
        "zh": "{when} 已刷新 {members} 位会员：需回访 {calls} 位，变化 {moves} 处。工作表：{sheets}。",
    },
    "excel.done.preview": {
        "en": "{when} Today ({day}): {planned} messages to send, {held} held back. Nothing was sent. {detail}",
        "zh": "{when} 今天（{day}）：待发送 {planned} 条，暂缓 {held} 条。没有发送任何消息。{detail}",
    },
    "excel.done.preview.sheet": {
        "en": "Listed in the sheet {sheet}.",
        "zh": "详见工作表 {sheet}。",
    },
    "excel.done.send": {
        "en": "{when} Sent: {summary}",
        "zh": "{when} 发送：{summary}",
    },
    "excel.failed": {
        "en": "{when} Stopped: {message} {hint}",
        "zh": "{when} 已停止：{message} {hint}",
    },
    "excel.problems.title": {"en": "Check", "zh": "检查"},
    "excel.problems.col.where": {"en": "Where", "zh": "位置"},
    "excel.problems.col.level": {"en": "Level", "zh": "级别"},
    "excel.problems.col.what": {"en": "What is wrong", "zh": "问题"},
    "excel.problems.col.fix": {"en": "What to do", "zh": "怎么改"},
    "excel.not_saved": {
        "en": "{file}: save the workbook once before pressing a button, so loyalsheet knows its folder",
        "zh": "{file}：请先保存一次工作簿再按按钮，loyalsheet 才知道它所在的文件夹",
    },
    "excel.not_saved.hint": {
        "en": "File > Save As, in the folder of config.yaml.",
        "zh": "请用“文件 > 另存为”保存到 config.yaml 所在的文件夹。",
    },
    "excel.sheet_protected": {
        "en": "The sheet {sheet} could not be written: {reason}",
        "zh": "无法写入工作表 {sheet}：{reason}",
    },
    "excel.sheet_protected.hint": {
        "en": "Unprotect the sheet (Review > Unprotect Sheet) and press the button again.",
        "zh": "请撤销工作表保护（审阅 > 撤销工作表保护）后再按一次按钮。",
    },
    "init.macros_suffix": {
        "en": "{file}: a member file with macros must end in .xlsm",
        "zh": "{file}：带宏的会员档案文件名须以 .xlsm 结尾",
    },
    "init.macros_suffix.hint": {"en": "For example: members.xlsm", "zh": "例如：members.xlsm"},
    "init.macros_done": {
        "en": "It has a Start sheet with four buttons; see the README section on Excel buttons to set them up.",
        "zh": "其中的“开始”工作表有四个按钮；设置方法见 README 中关于 Excel 按钮的一节。",
    },
}
