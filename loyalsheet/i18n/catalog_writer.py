"""Messages of the workbook writer (``loyalsheet.workbook.writer``): why a write was refused or failed,
and, under ``<key>.hint``, what the store manager can do about it. Nothing was written in any of these cases."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "file_locked_excel": {
        "en": "{file} is open in Excel, so loyalsheet did not write to it.",
        "zh": "{file} 正在 Excel 中打开，loyalsheet 没有写入。",
    },
    "file_locked_excel.hint": {
        "en": "Save and close the file in Excel, then run the command again. If Excel is not open (for example "
              "after a crash), delete the hidden file {lock} next to it and run again.",
        "zh": "请在 Excel 中保存并关闭该文件，然后重新运行。如果 Excel 并没有打开（例如之前意外退出），"
              "请删除同一文件夹中的隐藏文件 {lock} 后再运行。",
    },
    "file_locked_libreoffice": {
        "en": "{file} is open in LibreOffice, so loyalsheet did not write to it.",
        "zh": "{file} 正在 LibreOffice 中打开，loyalsheet 没有写入。",
    },
    "file_locked_libreoffice.hint": {
        "en": "Save and close the file in LibreOffice, then run the command again. If LibreOffice is not open, "
              "delete the hidden file {lock} next to it and run again.",
        "zh": "请在 LibreOffice 中保存并关闭该文件，然后重新运行。如果 LibreOffice 并没有打开，"
              "请删除同一文件夹中的隐藏文件 {lock} 后再运行。",
    },
    "file_read_only": {
        "en": "{file} is marked read-only, so nothing was written into it.",
        "zh": "{file} 被设为只读，因此没有写入任何内容。",
    },
    "file_read_only.hint": {
        "en": "If loyalsheet may update it, clear the read-only mark (Windows: right-click the file, Properties, "
              "untick Read-only; Mac/Linux: chmod u+w \"{path}\") and run the command again.",
        "zh": "如果允许 loyalsheet 更新它，请先取消只读（Windows：右键文件 → 属性 → 取消勾选“只读”；"
              "Mac/Linux：chmod u+w \"{path}\"），再重新运行命令。",
    },
    "file_changed": {
        "en": "{file} was changed after loyalsheet read it (someone saved it meanwhile), so nothing was written.",
        "zh": "loyalsheet 读取 {file} 之后，文件又被修改并保存过，因此没有写入任何内容。",
    },
    "file_changed.hint": {
        "en": "Run the command again: it reads the new version first. Your changes are safe.",
        "zh": "请重新运行命令：它会先读取最新的文件。您所做的修改不会丢失。",
    },
    "write_file_missing": {
        "en": "{file} is no longer there ({path}), so nothing was written.",
        "zh": "找不到 {file}（{path}），没有写入任何内容。",
    },
    "write_file_missing.hint": {
        "en": "Check that the file was not moved or renamed, then run the command again.",
        "zh": "请确认文件没有被移动或改名，然后重新运行。",
    },
    "write_failed": {
        "en": "Could not write {file}: {reason}. The file was not changed.",
        "zh": "无法写入 {file}：{reason}。文件没有被改动。",
    },
    "write_failed.hint": {
        "en": "Check that the disk is not full and that you may save files in that folder, then run again.",
        "zh": "请检查磁盘空间是否已满、以及是否有权限在该文件夹中保存文件，然后重新运行。",
    },
    "write_backup_failed": {
        "en": "Could not keep a backup copy of {file} in {dir}: {reason}. Nothing was written.",
        "zh": "无法在 {dir} 中保存 {file} 的备份：{reason}。没有写入任何内容。",
    },
    "write_backup_failed.hint": {
        "en": "Check the disk space and the permissions of that folder, or set another backup folder in "
              "config.yaml, then run again.",
        "zh": "请检查磁盘空间和该文件夹的权限，或在 config.yaml 中设置其他备份文件夹，然后重新运行。",
    },
    "write_not_a_workbook": {
        "en": "{file} is not an Excel workbook (.xlsx or .xlsm) that loyalsheet can write into: {reason}.",
        "zh": "{file} 不是 loyalsheet 能写入的 Excel 工作簿（.xlsx 或 .xlsm）：{reason}。",
    },
    "write_not_a_workbook.hint": {
        "en": "Open it in Excel and use File > Save As > Excel Workbook (.xlsx), or Excel Macro-Enabled "
              "Workbook (.xlsm) if it has macros, then point loyalsheet at the new file.",
        "zh": "请用 Excel 打开，选择“文件 > 另存为 > Excel 工作簿 (.xlsx)”（有宏时选 .xlsm），"
              "然后让 loyalsheet 使用新文件。",
    },
    "write_encrypted": {
        "en": "{file} is protected with a password to open, so loyalsheet cannot write into it.",
        "zh": "{file} 设置了打开密码，loyalsheet 无法写入。",
    },
    "write_encrypted.hint": {
        "en": "Remove the password to open (in Excel: File > Info > Protect Workbook > Encrypt with Password, "
              "clear it), save, and run again. Sheet protection without a password to open is fine.",
        "zh": "请取消打开密码（Excel：文件 > 信息 > 保护工作簿 > 用密码进行加密，清空密码），保存后重新运行。"
              "只保护工作表、不设打开密码是可以的。",
    },
    "write_damaged": {
        "en": "{file} looks damaged and was not changed: {reason}.",
        "zh": "{file} 似乎已损坏，没有被改动：{reason}。",
    },
    "write_damaged.hint": {
        "en": "Open it in Excel (which can often repair it), save it, and run again. A backup copy is kept "
              "in the .loyalsheet-backups folder beside it.",
        "zh": "请用 Excel 打开（Excel 通常可以修复），保存后重新运行。同一位置的 .loyalsheet-backups 文件夹里有备份。",
    },
    "write_strict_unsupported": {
        "en": "{file} is saved as \"Strict Open XML Spreadsheet\", which loyalsheet cannot write into.",
        "zh": "{file} 保存为“Strict Open XML 电子表格”格式，loyalsheet 无法写入。",
    },
    "write_strict_unsupported.hint": {
        "en": "Open it in Excel and save it as \"Excel Workbook (.xlsx)\", then run again.",
        "zh": "请用 Excel 打开并另存为“Excel 工作簿 (.xlsx)”，然后重新运行。",
    },
    "write_sheet_not_worksheet": {
        "en": "The sheet \"{sheet}\" in {file} is a chart sheet or another special sheet, but loyalsheet "
              "writes its own sheet under that name.",
        "zh": "{file} 中的“{sheet}”是图表工作表或其他特殊工作表，但 loyalsheet 需要用这个名称写入自己的工作表。",
    },
    "write_sheet_not_worksheet.hint": {
        "en": "Rename that sheet in Excel (or choose another name for loyalsheet's sheet in config.yaml), "
              "then run again.",
        "zh": "请在 Excel 中给该工作表改名（或在 config.yaml 中为 loyalsheet 的工作表换个名称），然后重新运行。",
    },
    "write_bad_sheet_title": {
        "en": "\"{sheet}\" cannot be a sheet name in Excel.",
        "zh": "“{sheet}”不能作为 Excel 工作表名称。",
    },
    "write_bad_sheet_title.hint": {
        "en": "Choose a name in config.yaml of at most 31 characters, without [ ] : * ? / \\, not starting or "
              "ending with an apostrophe, and not \"History\".",
        "zh": "请在 config.yaml 中换一个名称：最多 31 个字符，不含 [ ] : * ? / \\，不以单引号开头或结尾，"
              "也不能是“History”。",
    },
    "write_duplicate_sheet": {
        "en": "Two of loyalsheet's sheets would be called \"{sheet}\".",
        "zh": "loyalsheet 有两个工作表都叫“{sheet}”。",
    },
    "write_duplicate_sheet.hint": {
        "en": "Give each of loyalsheet's sheets its own name in config.yaml (Excel ignores case in names).",
        "zh": "请在 config.yaml 中为 loyalsheet 的每个工作表设置不同的名称（Excel 不区分大小写）。",
    },
    "write_too_large": {
        "en": "The sheet \"{sheet}\" would have {rows} rows and {columns} columns; Excel allows at most "
              "1,048,576 rows and 16,384 columns.",
        "zh": "工作表“{sheet}”将有 {rows} 行、{columns} 列，超出 Excel 的上限（1,048,576 行、16,384 列）。",
    },
    "write_too_large.hint": {
        "en": "Move older years to an archive workbook (see the README), then run again.",
        "zh": "请把较早年份的数据移到归档工作簿（见 README），然后重新运行。",
    },
    "write_bad_chart": {
        "en": "The chart \"{chart}\" on the sheet \"{sheet}\" cannot be drawn: {reason}.",
        "zh": "工作表“{sheet}”上的图表“{chart}”无法生成：{reason}。",
    },
    "write_bad_chart.hint": {
        "en": "This is a bug in loyalsheet; please report it with this message. The file was not changed.",
        "zh": "这是 loyalsheet 的程序错误，请附上这条信息反馈。文件没有被改动。",
    },
}
