"""The buttons inside Excel (issue 5): 重新计算 / 校验 / 生成报告 through xlwings.

Rooms, after xlwings' fibonacci example (a pure function and a thin Excel wrapper):

- :mod:`.adapter`  the workbook open in Excel -> :class:`xltools.xlsx.package.Book` (reads only);
- :mod:`.apply`    the write-back plan of :mod:`xltools.writeback` (the same one ``xltools score``
                   applies to files) carried out through xlwings: colours, notes, a sheet;
- :mod:`.messages` the Chinese messages shown at the end;
- :mod:`.glue`     the entry points ``recalculate()``, ``check()``, ``report()`` for ``RunPython``;
- :mod:`.build`    ``xltools.xlam`` (ribbon tab 绩效自评) and the ``.xlsm`` templates with buttons,
                   built from ``macros/`` with pyOpenVBA — no binary is kept in the repository;
- :mod:`.xlwings_vba` xlwings' custom-add-in VBA module, isolated from the workbook being checked;
- :mod:`.install`  per-user install of the self-contained add-in (journaled, undone by uninstall);
- :mod:`.bundle`   the offline install folder (Windows wheels, install scripts);
- :mod:`.cli`      ``xltools excel build|install|uninstall|bundle``;
- ``acceptance.ps1`` the acceptance test on a real Windows Excel (docs/excel.md §7).

Only the BSD-licensed parts of xlwings are used (``RunPython``, ``Book.caller()``, its custom-add-in
VBA module and UDF server); nothing from ``xlwings.pro``.  See ``docs/excel.md``.
"""
