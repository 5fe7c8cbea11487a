# xltools: acceptance test of the Excel buttons on a real Windows PC (issue 15).
# (Saved as UTF-8 with a byte-order mark: Windows PowerShell 5.1 reads a file without one in the
# ANSI code page and would garble the Chinese texts it looks for.)
#
# Run by a person or IT on the PC where the buttons will be used, in Windows PowerShell 5.1 or
# PowerShell 7, as the user (no administrator rights), with Excel closed:
#
#     powershell -ExecutionPolicy Bypass -File acceptance.ps1 [-Python C:\...\python.exe] [-SkipInstall]
#
# It installs the add-in (xltools excel install), generates the standard example workbook, starts
# Excel through COM, loads xltools.xlam, runs each button's macro on prepared workbooks (clean,
# overwritten formula, xlwings.conf sheet, read-only, Protected View, no workbook, missing
# Python), answers and records every dialog (a watcher thread reads the text of each message box
# and clicks its first button), checks the workbook afterwards through COM, and writes
# report.txt / report.json into -Out. Exit code 0 when every item passed, 1 otherwise.
# Nothing is saved into the test workbooks' originals; Excel is closed without saving.
param(
    [string]$Python = "python",
    [string]$Out = (Join-Path ([Environment]::GetFolderPath("Desktop")) "xltools-acceptance"),
    [switch]$SkipInstall
)
$ErrorActionPreference = "Stop"
[Console]::OutputEncoding = [System.Text.Encoding]::UTF8
$env:PYTHONIOENCODING = "utf-8"
New-Item -ItemType Directory -Force -Path $Out | Out-Null
$results = New-Object System.Collections.Generic.List[object]

function Record([string]$item, [bool]$ok, [string]$detail) {
    $results.Add([pscustomobject]@{ item = $item; ok = $ok; detail = $detail })
    $mark = if ($ok) { "PASS" } else { "FAIL" }
    Write-Host "[$mark] $item  $detail"
}

function Xltools([string[]]$cliArgs) {
    $code = "import sys; from xltools.cli import main; main(sys.argv[1:])"
    $output = & $Python -c $code @cliArgs 2>&1 | Out-String
    return @{ code = $LASTEXITCODE; text = $output }
}

# ---- 1. install ------------------------------------------------------------------------------
if (-not $SkipInstall) {
    $r = Xltools @("excel", "install")
    Record "xltools excel install" ($r.code -eq 0) $r.text.Trim()
}
$journal = Join-Path $env:USERPROFILE ".xltools\excel-install.json"
if (-not (Test-Path $journal)) { Record "install journal" $false "$journal missing"; exit 1 }
$addinPath = ((Get-Content $journal -Raw -Encoding UTF8 | ConvertFrom-Json).steps | Select-Object -First 1).path
Record "add-in in Excel's startup folder" (Test-Path $addinPath) $addinPath

# ---- 2. test workbooks -----------------------------------------------------------------------
$books = Join-Path $Out "workbooks"
$r = Xltools @("templates", "-o", $books)
$example = Join-Path $books "example-zhuzhou-2021.xlsx"
Record "example workbook generated" (Test-Path $example) $example

function Copy-Case([string]$name) {
    $folder = Join-Path $Out "cases"
    New-Item -ItemType Directory -Force -Path $folder | Out-Null
    $path = Join-Path $folder $name
    Copy-Item $example $path -Force
    return $path
}

# ---- 3. the dialog watcher (a second thread: the macro blocks this one) ------------------------
$dialogs = [System.Collections.ArrayList]::Synchronized((New-Object System.Collections.ArrayList))
$control = [hashtable]::Synchronized(@{ stop = $false; answer = "first" })
$watcher = [powershell]::Create()
[void]$watcher.AddScript({
    param($dialogs, $control)
    Add-Type -AssemblyName UIAutomationClient, UIAutomationTypes
    $A = [System.Windows.Automation.AutomationElement]
    $root = $A::RootElement
    $isDialog = New-Object System.Windows.Automation.PropertyCondition($A::ClassNameProperty, "#32770")
    $isText = New-Object System.Windows.Automation.PropertyCondition($A::ControlTypeProperty, [System.Windows.Automation.ControlType]::Text)
    $isButton = New-Object System.Windows.Automation.PropertyCondition($A::ControlTypeProperty, [System.Windows.Automation.ControlType]::Button)
    $titles = @("绩效自评", "Error", "Microsoft Excel")
    while (-not $control.stop) {
        foreach ($d in $root.FindAll([System.Windows.Automation.TreeScope]::Children, $isDialog)) {
            try {
                if ($titles -notcontains $d.Current.Name) { continue }
                $text = ($d.FindAll([System.Windows.Automation.TreeScope]::Descendants, $isText) |
                         ForEach-Object { $_.Current.Name }) -join "`n"
                [void]$dialogs.Add("[" + $d.Current.Name + "] " + $text)
                $buttons = @($d.FindAll([System.Windows.Automation.TreeScope]::Descendants, $isButton))
                $pick = if ($control.answer -eq "cancel" -and $buttons.Count -gt 1) { $buttons[1] } else { $buttons[0] }
                $pick.GetCurrentPattern([System.Windows.Automation.InvokePattern]::Pattern).Invoke()
            } catch { }
        }
        Start-Sleep -Milliseconds 150
    }
}).AddArgument($dialogs).AddArgument($control)
$watching = $watcher.BeginInvoke()

function Click([string]$macro) {
    $dialogs.Clear()
    $started = Get-Date
    [void]$xl.Run("'xltools.xlam'!$macro")
    Start-Sleep -Milliseconds 400
    return @{ seconds = ((Get-Date) - $started).TotalSeconds; dialogs = (@($dialogs) -join "`n---`n") }
}

# ---- 4. Excel through COM ----------------------------------------------------------------------
$xl = New-Object -ComObject Excel.Application
$xl.Visible = $true
$excelVersion = $xl.Version
try {
    # Excel started by COM does not open its startup folder: load the add-in as Excel would
    $addin = $xl.Workbooks.Open($addinPath)
    Record "add-in loads as an add-in" ([bool]$addin.IsAddin) $addin.FullName

    $r = Click "XltoolsCheck"
    Record "no workbook -> 请先打开" ($r.dialogs -match "请先打开") $r.dialogs

    $clean = $xl.Workbooks.Open((Copy-Case "clean.xlsx"))
    $r = Click "XltoolsCheck"
    $first = $r.seconds
    Record "undo warning before changing" ($r.dialogs -match "撤销") $r.dialogs
    Record "clean example -> 校验通过, 100 分" (($r.dialogs -match "校验通过") -and ($r.dialogs -match "100")) $r.dialogs
    $names = @($clean.Worksheets | ForEach-Object { $_.Name })
    Record "clean example: no 校验结果 sheet" (-not ($names -contains "校验结果")) ($names -join ", ")
    $r = Click "XltoolsCheck"
    Record "second click is warm (one Python)" ($r.seconds -lt [Math]::Max(2.0, $first / 2)) ("first {0:N1} s, second {1:N1} s" -f $first, $r.seconds)
    $clean.Close($false)

    $brokenPath = Copy-Case "broken.xlsx"
    $broken = $xl.Workbooks.Open($brokenPath)
    $sheet = $broken.Worksheets.Item("自评表")
    $sheet.Unprotect()
    $sheet.Range("I11").Value2 = 8
    $sheet.Protect()
    $r = Click "XltoolsCheck"
    $names = @($broken.Worksheets | ForEach-Object { $_.Name })
    Record "overwritten I11 -> marked, 校验结果 sheet" (($names -contains "校验结果") -and ($sheet.Range("I11").Interior.Color -ne 16777215)) $r.dialogs
    Record "sheet protected again after marking" ([bool]$sheet.ProtectContents) ""
    $r = Click "XltoolsRecalculate"
    Record "重新计算 restores I11's formula" ([bool]$sheet.Range("I11").HasFormula) $r.dialogs
    $r = Click "XltoolsReport"
    $report = Get-ChildItem (Split-Path $brokenPath) -Filter "broken-自评报告初稿*.docx" | Select-Object -First 1
    Record "生成报告 writes a .docx next to the workbook" ($null -ne $report) $r.dialogs
    $broken.Close($false)

    $steered = $xl.Workbooks.Open((Copy-Case "steered.xlsx"))
    $conf = $steered.Worksheets.Add()
    $conf.Name = "xlwings.conf"
    $conf.Range("A1").Value2 = "INTERPRETER_WIN"; $conf.Range("B1").Value2 = "C:\nonexistent\python.exe"
    $conf.Range("A2").Value2 = "PYTHONPATH"; $conf.Range("B2").Value2 = "\\nonexistent\share"
    $r = Click "XltoolsCheck"
    Record "xlwings.conf sheet ignored and reported" (($r.dialogs -match "已忽略") -and -not ($r.dialogs -match "Could not find")) $r.dialogs
    $steered.Close($false)

    $readonlyPath = Copy-Case "readonly.xlsx"
    $ro = $xl.Workbooks.Open($readonlyPath, 0, $true)
    $control.answer = "cancel"
    $r = Click "XltoolsCheck"
    $control.answer = "first"
    Record "read-only -> 只读 question, cancel changes nothing" (($r.dialogs -match "只读") -and -not (@($ro.Worksheets | ForEach-Object { $_.Name }) -contains "校验结果")) $r.dialogs
    $ro.Close($false)

    $pvPath = Copy-Case "attachment.xlsx"
    Set-Content -Path $pvPath -Stream Zone.Identifier -Value "[ZoneTransfer]`r`nZoneId=3"
    $pv = $xl.ProtectedViewWindows.Open($pvPath)
    $r = Click "XltoolsCheck"
    Record "Protected View -> 启用编辑" ($r.dialogs -match "启用编辑") $r.dialogs
    $pv.Close()

    $any = $xl.Workbooks.Open((Copy-Case "python-missing.xlsx"))
    $settings = $addin.Worksheets.Item("xltools.conf")
    $row = 1
    while ($settings.Cells.Item($row, 1).Value2 -and $settings.Cells.Item($row, 1).Value2 -ne "XLTOOLS_PYTHON") { $row++ }
    $saved = $settings.Cells.Item($row, 2).Value2
    $settings.Cells.Item($row, 2).Value2 = "C:\xltools-acceptance-missing\python.exe"
    $r = Click "XltoolsCheck"
    $settings.Cells.Item($row, 2).Value2 = $saved
    Record "missing Python -> Chinese message, no Python started" ($r.dialogs -match "不存在") $r.dialogs
    $any.Close($false)
}
catch {
    Record "acceptance script" $false ($_ | Out-String)
}
finally {
    $control.stop = $true
    try { $xl.DisplayAlerts = $false; $xl.Quit() } catch { }
    [void][System.Runtime.InteropServices.Marshal]::ReleaseComObject($xl)
    $watcher.EndInvoke($watching) | Out-Null
}

# ---- 5. report -----------------------------------------------------------------------------------
$failed = @($results | Where-Object { -not $_.ok }).Count
$lines = @("xltools Excel 验收报告  $(Get-Date -Format 'yyyy-MM-dd HH:mm')",
           "电脑：$env:COMPUTERNAME  用户：$env:USERNAME  Excel：$excelVersion  Python：$Python",
           "结果：$($results.Count - $failed) 项通过，$failed 项未通过", "")
foreach ($r in $results) {
    $lines += ("[{0}] {1}" -f $(if ($r.ok) { "通过" } else { "未通过" }), $r.item)
    if ($r.detail) { $lines += ("    " + ($r.detail -replace "`n", "`n    ")) }
}
$lines | Set-Content -Path (Join-Path $Out "report.txt") -Encoding UTF8
$results | ConvertTo-Json -Depth 3 | Set-Content -Path (Join-Path $Out "report.json") -Encoding UTF8
Write-Host "报告：$(Join-Path $Out 'report.txt')"
if ($failed) { exit 1 } else { exit 0 }
