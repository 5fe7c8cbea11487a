"""The bureau's list of units for a round (名单) and which unit a returned file belongs to.

``collect --units 名单.xlsx`` reads the same list ``distribute`` was given (.xlsx or .csv, UTF-8 or
GBK, title rows allowed; columns 单位名称, 单位编码, 年度 — see :data:`xltools.distribute.UNIT_HEADERS`)
and matches every file to a unit:

1. by 单位编码, when the file carries one that is on the list (a unit may have renamed itself);
2. else by name, however typed: spaces, full-width letters and brackets do not count
   (``某某市 城市管理局`` = ``某某市城市管理局``);
3. else by name without a trailing 有限责任公司 / 有限公司 / 公司 / 局 / 中心, but only when exactly one
   unit of the list has that shorter name (``某某市财政`` -> ``某某市财政局``; never a guess between two).

A file that cannot be read is matched by its file name (:meth:`Roster.match_file_name`).
A file matched by name whose 单位编码 is another than the list's gets the flag ``code-differs``.
Matching is pure (no I/O) apart from :func:`read_roster`.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

#: Endings a unit's name is written with or without (longest first).
LOOSE_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "公司", "局", "中心")


@dataclass(frozen=True)
class Unit:
    name: str
    code: str = ""
    row: int = 0  # row number in the list, as Excel shows it


@dataclass(frozen=True)
class Match:
    unit: Unit | None
    how: str = ""  # "code", "name", "loose" or "" (not on the list)
    code_differs: bool = False


def name_key(name: str) -> str:
    """The same name however typed: NFKC (full-width -> half-width), no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or ""))


def loose_key(name: str) -> str:
    key = name_key(name)
    for suffix in LOOSE_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            return key[: -len(suffix)]
    return key


def code_key(code) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(code or "")))


class Roster:
    """The units of a round, indexed by code, name and loose name."""

    def __init__(self, units: list[Unit], year: int | None = None, source: str = ""):
        self.units = units
        self.year = year
        self.source = source
        self._code = {code_key(u.code): u for u in units if code_key(u.code)}
        self._name = {name_key(u.name): u for u in units}
        loose: dict[str, list[Unit]] = defaultdict(list)
        for u in units:
            loose[loose_key(u.name)].append(u)
        self._loose = {k: v[0] for k, v in loose.items() if len(v) == 1}

    def match(self, name: str, code: str = "") -> Match:
        code = code_key(code)
        if code and code in self._code:
            return Match(self._code[code], "code")
        unit = self._name.get(name_key(name)) if name_key(name) else None
        how = "name"
        if unit is None and loose_key(name):
            unit, how = self._loose.get(loose_key(name)), "loose"
        if unit is None:
            return Match(None)
        return Match(unit, how, code_differs=bool(code and code_key(unit.code) and code != code_key(unit.code)))

    def match_file_name(self, stem: str) -> Match:
        """For a file that cannot be read: its name as distribute wrote it (the unit's name), or the
        one 单位编码 of the list among the numbers in its name (``4301030-自评表定稿``)."""
        match = self.match(stem)
        if match.unit is not None:
            return match
        found = {self._code[n] for n in re.findall(r"\d+", unicodedata.normalize("NFKC", stem)) if n in self._code}
        return Match(found.pop(), "code") if len(found) == 1 else Match(None)


def read_roster(path: str | Path, year: int | None = None) -> Roster:
    """The list at ``path``; the round's year is ``year``, else the list's 年度 when it has one."""
    from .distribute import UNIT_HEADERS, _text, _year, read_table, unit_code
    from .errors import WorkbookError
    headers = {k: UNIT_HEADERS[k] for k in ("unit", "code", "year")}
    table = read_table(path, headers, ("unit",), "单位名单")
    units, years = [], set()
    for row_no, values in table.rows:
        name = _text(values.get("unit"))
        if not name:
            continue
        units.append(Unit(name, unit_code(values.get("code")), row_no))
        try:
            found = _year(values.get("year"))
        except ValueError:
            found = None
        if found is not None:
            years.add(found)
    if not units:
        raise WorkbookError(f"单位名单 {Path(path).name}：表头“{table.fields['unit']}”下面没有单位")
    if year is None and len(years) == 1:
        year = years.pop()
    return Roster(units, year, str(path))
