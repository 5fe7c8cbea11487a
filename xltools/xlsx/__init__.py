"""Workbooks: the template layout, writer, reader.

:data:`FUNCTIONS` are the only spreadsheet functions our formulas may use: Excel 2010+, WPS and
LibreOffice all implement them with the same results.
"""
FUNCTIONS = frozenset({"IF", "AND", "OR", "NOT", "MIN", "MAX", "ROUND", "INT", "ABS", "SUM", "ISNUMBER",
                       "ISTEXT", "FIND", "LEN", "TRIM"})
