Attribute VB_Name = "loyalsheet"
' loyalsheet: the buttons on the Start sheet. Each one runs a job of loyalsheet in Python through xlwings
' (RunPython, from the "xlwings" module of this project) on this open workbook; the results go to the
' sheets loyalsheet owns and to the status cell on the Start sheet. Save the workbook afterwards.
' Keep this file ASCII: the project's code page is 1252; text in Chinese lives in the Start sheet's cells.
Option Explicit

Public Sub RefreshSegments()
    RunPython "import loyalsheet.excel; loyalsheet.excel.refresh_segments()"
End Sub

Public Sub PreviewToday()
    RunPython "import loyalsheet.excel; loyalsheet.excel.preview_today()"
End Sub

Public Sub SendToday()
    If MsgBox(SendPrompt(), vbYesNo + vbQuestion + vbDefaultButton2, "loyalsheet") <> vbYes Then Exit Sub
    RunPython "import loyalsheet.excel; loyalsheet.excel.send_today()"
End Sub

Public Sub CheckMemberFile()
    RunPython "import loyalsheet.excel; loyalsheet.excel.check_member_file()"
End Sub

' The question asked before sending: the text of the cell named LoyalsheetSendPrompt on the Start sheet.
Private Function SendPrompt() As String
    On Error GoTo Fallback
    SendPrompt = CStr(ThisWorkbook.Names("LoyalsheetSendPrompt").RefersToRange.Value)
    If Len(SendPrompt) > 0 Then Exit Function
Fallback:
    SendPrompt = "Send today's messages to members now?"
End Function
