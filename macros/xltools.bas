Attribute VB_Name = "xltools"
' xltools: the buttons of the performance self-evaluation workbooks (issue 5).
'
' Built into xltools.xlam (ribbon tab, see xltools_ribbon.bas and customUI14.xml) and into the
' .xlsm templates (buttons on the sheet) by "xltools excel build". The work is done in Python:
' each button calls xlwings' RunPython (from the xlwings add-in, xlwings.xlam) with
'     import xltools.excel.glue as g; g.<entry>()
' and xlwings' Book.caller() is the active workbook. When xlwings is missing, the buttons only
' show a message saying what to install (pure VBA, no Python needed).
'
' This file is ASCII on purpose: a VBA project stores its source in one ANSI code page. The
' Chinese texts live in macros/messages.txt; the build stores them as hidden defined names
' XLTOOLS_MSG_<KEY> (Unicode, like any cell text) and Msg() below reads them back.
Option Explicit

Private Const XLWINGS_ADDIN As String = "xlwings.xlam"
Private Const PY_GLUE As String = "import xltools.excel.glue as g; g."

' ---- The three buttons (the ribbon callbacks call these too) -----------------------------

Public Sub XltoolsRecalculate()
    RunXltools "recalculate"
End Sub

Public Sub XltoolsCheck()
    RunXltools "check"
End Sub

Public Sub XltoolsReport()
    RunXltools "report"
End Sub

Public Sub XltoolsHelp()
    MsgBox Msg("HELP"), vbInformation, Msg("TITLE")
End Sub

' ---- The pure-VBA fallback ------------------------------------------------------------------

' What a button would say instead of running Python; "" when it can run.
Public Function XltoolsDiagnose() As String
    If ActiveWorkbook Is Nothing Then
        XltoolsDiagnose = Msg("NO_WORKBOOK")
    ElseIf Not XlwingsLoaded() Then
        XltoolsDiagnose = Msg("NO_XLWINGS")
    Else
        XltoolsDiagnose = ""
    End If
End Function

Private Sub RunXltools(ByVal entry As String)
    Dim problem As String
    Dim outcome As Variant
    problem = XltoolsDiagnose()
    If problem <> "" Then
        MsgBox problem, vbExclamation, Msg("TITLE")
        Exit Sub
    End If
    On Error GoTo Failed
    outcome = Application.Run(XLWINGS_ADDIN & "!RunPython", PY_GLUE & entry & "()")
    On Error GoTo 0
    If IsNumeric(outcome) And Not IsEmpty(outcome) Then
        If outcome = -1 Then MsgBox Msg("PYTHON_FAILED"), vbExclamation, Msg("TITLE")
    End If
    Exit Sub
Failed:
    MsgBox Msg("RUN_FAILED") & vbLf & vbLf & Err.Description, vbExclamation, Msg("TITLE")
End Sub

Private Function XlwingsLoaded() As Boolean
    Dim book As Object
    On Error Resume Next
    Set book = Application.Workbooks(XLWINGS_ADDIN)
    On Error GoTo 0
    XlwingsLoaded = Not (book Is Nothing)
End Function

' A message from the hidden names XLTOOLS_MSG_<key>, XLTOOLS_MSG_<key>_2, ... (each ="text").
Private Function Msg(ByVal key As String) As String
    Dim text As String
    Dim part As String
    Dim n As Integer
    text = NameText("XLTOOLS_MSG_" & key)
    If text = "" Then
        Msg = "xltools: " & key
        Exit Function
    End If
    n = 2
    Do
        part = NameText("XLTOOLS_MSG_" & key & "_" & n)
        text = text & part
        n = n + 1
    Loop While part <> ""
    Msg = Replace(text, "\n", vbLf)
End Function

Private Function NameText(ByVal definedName As String) As String
    Dim text As String
    On Error GoTo Missing
    text = ThisWorkbook.Names(definedName).RefersTo
    If Left$(text, 2) = "=""" And Right$(text, 1) = """" Then
        text = Mid$(text, 3, Len(text) - 3)
    End If
    NameText = Replace(text, """""", """")
    Exit Function
Missing:
    NameText = ""
End Function
