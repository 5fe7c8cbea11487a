Attribute VB_Name = "xltools_ribbon"
' Ribbon callbacks of the add-in's tab (customUI14.xml). Only in xltools.xlam: the .xlsm
' templates have buttons on the sheet and no ribbon. ASCII only, see xltools.bas.
Option Explicit

Public Sub XltoolsRibbonRecalculate(control As IRibbonControl)
    XltoolsRecalculate
End Sub

Public Sub XltoolsRibbonCheck(control As IRibbonControl)
    XltoolsCheck
End Sub

Public Sub XltoolsRibbonReport(control As IRibbonControl)
    XltoolsReport
End Sub

Public Sub XltoolsRibbonHelp(control As IRibbonControl)
    XltoolsHelp
End Sub
