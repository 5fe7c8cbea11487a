Attribute VB_Name = "xltools"
' xltools: the buttons of the performance self-evaluation workbooks.
'
' In xltools.xlam (ribbon tab, see xltools_ribbon.bas and customUI14.xml) this module sits next to
' xlwings' own VBA module (a custom add-in, see xltools/excel/xlwings_vba.py): each button calls
' RunPython of THIS add-in with
'     import xltools.excel.glue as g; g.<entry>()
' and the add-in's settings sheet "xltools.conf" (written by "xltools excel install") says which
' Python runs it, kept warm between clicks ("USE UDF SERVER"). Nothing in the workbook being checked
' is read as a setting. In the .xlsm templates the same module forwards each button to the add-in.
'
' XltoolsDecide and XltoolsConfirm are the decisions, pure (no Excel object): LibreOffice runs them
' in the tests. The facts they decide on are gathered by small functions that only Excel can run.
'
' ASCII on purpose: a VBA project stores its source in one ANSI code page. The Chinese texts live
' in messages.txt; the build stores them as hidden defined names XLTOOLS_MSG_<KEY> (Unicode).
Option Explicit

Private Const ADDIN_NAME As String = "xltools.xlam"
Private Const PY_GLUE As String = "import xltools.excel.glue as g; g."
Private undoWarned As Boolean

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

' ---- Decisions (pure) ---------------------------------------------------------------------

' The message key a button shows instead of running; "" when it can run.
Public Function XltoolsDecide(ByVal inAddin As Boolean, ByVal addinLoaded As Boolean, _
                              ByVal hasWorkbook As Boolean, ByVal protectedView As Boolean, _
                              ByVal python As String, ByVal pythonFound As Boolean) As String
    If Not inAddin And Not addinLoaded Then
        XltoolsDecide = "NO_ADDIN"
    ElseIf Not inAddin Then
        XltoolsDecide = ""  ' a template's button: the add-in decides
    ElseIf protectedView And Not hasWorkbook Then
        XltoolsDecide = "PROTECTED_VIEW"
    ElseIf Not hasWorkbook Then
        XltoolsDecide = "NO_WORKBOOK"
    ElseIf python = "" Then
        XltoolsDecide = "NOT_INSTALLED"
    ElseIf Not pythonFound Then
        XltoolsDecide = "PYTHON_MISSING"
    Else
        XltoolsDecide = ""
    End If
End Function

' The question asked before a button changes the workbook ("" = ask nothing).
Public Function XltoolsConfirm(ByVal entry As String, ByVal readOnly As Boolean, ByVal warnedBefore As Boolean) As String
    If entry = "report" Then
        XltoolsConfirm = ""
    ElseIf readOnly Then
        XltoolsConfirm = "READ_ONLY"
    ElseIf Not warnedBefore Then
        XltoolsConfirm = "UNDO_LOST"
    Else
        XltoolsConfirm = ""
    End If
End Function

' What a button would say in this Excel right now (the facts gathered, then decided).
Public Function XltoolsDiagnose() As String
    Dim python As String
    Dim key As String
    python = Setting("XLTOOLS_PYTHON")
    key = XltoolsDecide(InAddin(), AddinLoaded(), HasWorkbook(), InProtectedView(), python, FileFound(python))
    If key = "PYTHON_MISSING" Then
        XltoolsDiagnose = Replace(Msg(key), "{python}", python)
    ElseIf key <> "" Then
        XltoolsDiagnose = Msg(key)
    Else
        XltoolsDiagnose = ""
    End If
End Function

' ---- Running --------------------------------------------------------------------------------

Private Sub RunXltools(ByVal entry As String)
    If InAddin() Then
        XltoolsRun entry
    ElseIf Not Blocked() Then
        On Error GoTo Failed
        Application.Run "'" & ADDIN_NAME & "'!XltoolsRun", entry
    End If
    Exit Sub
Failed:
    MsgBox Msg("RUN_FAILED") & vbLf & vbLf & Err.Description, vbExclamation, Msg("TITLE")
End Sub

' Runs one entry point through this add-in's RunPython (also called by the templates' buttons).
Public Sub XltoolsRun(ByVal entry As String)
    Dim question As String
    Dim outcome As Variant
    Dim here As String
    If Blocked() Then Exit Sub
    question = XltoolsConfirm(entry, ActiveWorkbook.ReadOnly, undoWarned)
    If question <> "" Then
        If MsgBox(Msg(question), vbOKCancel + vbQuestion, Msg("TITLE")) <> vbOK Then Exit Sub
        If question = "UNDO_LOST" Then undoWarned = True
    End If
    Application.StatusBar = Msg("STATUS_" & UCase(entry))
    here = CurDir$
    EnterFolder ParentOf(Setting("XLTOOLS_PYTHON"))
    On Error GoTo Failed
    outcome = Application.Run("'" & ThisWorkbook.Name & "'!RunPython", PY_GLUE & entry & "()")
    On Error GoTo 0
    EnterFolder here
    Application.StatusBar = False
    If IsNumeric(outcome) And Not IsEmpty(outcome) Then
        If outcome = -1 Then MsgBox Msg("PYTHON_FAILED"), vbExclamation, Msg("TITLE")
    End If
    Exit Sub
Failed:
    EnterFolder here
    Application.StatusBar = False
    MsgBox Msg("RUN_FAILED") & vbLf & vbLf & Err.Description, vbExclamation, Msg("TITLE")
End Sub

' Python starts in Excel's current folder, and "python -c" puts that folder on sys.path: after
' File > Open it can be the folder a received workbook (and an "xlwings.py" beside it) came from.
' Python is started in its own folder instead, as xlwings' RunPython does ("cd PythonDir").
Private Sub EnterFolder(ByVal folder As String)
    On Error Resume Next
    If folder = "" Then Exit Sub
    If Mid$(folder, 2, 1) = ":" Then ChDrive Left$(folder, 1)
    ChDir folder
End Sub

Public Function ParentOf(ByVal path As String) As String
    Dim i As Long
    i = InStrRev(Replace(path, "/", "\"), "\")
    If i > 1 Then ParentOf = Left$(path, i - 1)
End Function

' True (after saying why) when a button cannot run here and now.
Private Function Blocked() As Boolean
    Dim problem As String
    problem = XltoolsDiagnose()
    If problem <> "" Then
        MsgBox problem, vbExclamation, Msg("TITLE")
        Blocked = True
    End If
End Function

' ---- Facts (only Excel can give them; every one survives an error) ---------------------

Private Function InAddin() As Boolean
    On Error Resume Next
    InAddin = ThisWorkbook.IsAddin
End Function

Private Function AddinLoaded() As Boolean
    Dim book As Object
    On Error Resume Next
    Set book = Application.Workbooks(ADDIN_NAME)
    AddinLoaded = Not (book Is Nothing)
End Function

Private Function HasWorkbook() As Boolean
    On Error Resume Next
    HasWorkbook = Not (ActiveWorkbook Is Nothing)
End Function

Private Function InProtectedView() As Boolean
    On Error Resume Next
    InProtectedView = Not (Application.ActiveProtectedViewWindow Is Nothing)
End Function

Private Function FileFound(ByVal path As String) As Boolean
    ' FileSystemObject is Unicode (a Chinese user name outside the ANSI code page); Dir on macOS
    Dim fso As Object
    On Error Resume Next
    If path = "" Then Exit Function
    Set fso = CreateObject("Scripting.FileSystemObject")
    If fso Is Nothing Then
        FileFound = (Dir(path) <> "")
    Else
        FileFound = fso.FileExists(path)
    End If
End Function

' A value of this add-in's own settings sheet, through the add-in's xlwings module (its GetConfig
' reads only that sheet); "" outside the add-in.
Private Function Setting(ByVal key As String) As String
    On Error Resume Next
    If InAddin() Then Setting = CStr(Application.Run("'" & ThisWorkbook.Name & "'!GetConfig", key))
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
