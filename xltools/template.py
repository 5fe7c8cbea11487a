"""Make templates: ``xltools new`` and the standard set in ``workbooks/``."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from .errors import SpecError
from .filing import load_filing
from .model import Filing
from .spec import apply_preset, builtin_ids, load_form
from .xlsx.layout import DEFAULT_ROWS
from .xlsx.writer import write_workbook

#: The standard set: one blank template per form, plus the seed 002 example, filled.
EXAMPLE = ("example-zhuzhou-2021.xlsx", "zhuzhou-2021.yaml", 1)


def new_workbook(form: str | Path, output: str | Path, *, unit: str = "", year: int | None = None,
                 preset: str | Path | None = None, rows: int = DEFAULT_ROWS, data: str | Path | None = None,
                 password: str | None = None) -> Path:
    """Write a template of ``form`` to ``output``; ``data`` (a filing YAML) pre-fills it."""
    if rows < 0 or rows > 50:
        raise SpecError("每个二级指标的行数应在0–50之间")
    if data is not None:
        filing = load_filing(data)
        if str(form) not in (filing.form.id, str(data)) and Path(str(form)).suffix not in (".yaml", ".yml"):
            base = load_form(form)
            if base.id != filing.form.id:
                raise SpecError(f"数据文件的表式是“{filing.form.id}”，与要生成的“{base.id}”不一致",
                                source=str(data), key="form")
    else:
        filing = Filing(form=load_form(form))
    if preset is not None:
        filing = replace(filing, form=apply_preset(filing.form, preset))
    if unit:
        filing = replace(filing, unit=unit)
    if year is not None:
        filing = replace(filing, year=year)
    output = Path(output)
    write_workbook(output, filing, rows=rows, password=password)
    return output


def standard_set() -> list[tuple[str, dict]]:
    """(file name, new_workbook kwargs) for every workbook in ``workbooks/``."""
    from importlib import resources
    out: list[tuple[str, dict[str, Any]]] = [(f"{form_id}.xlsx", {"form": form_id}) for form_id in builtin_ids()]
    name, data, rows = EXAMPLE
    path = Path(str(resources.files("xltools.data").joinpath(data)))
    out.append((name, {"form": load_filing(path).form.id, "data": path, "rows": rows}))  # the form the data names
    return out


def build_standard(directory: str | Path) -> list[Path]:
    """Regenerate the standard templates into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return [new_workbook(output=directory / name, **kwargs) for name, kwargs in standard_set()]
