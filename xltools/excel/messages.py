"""The Chinese messages the buttons show at the end (pure; what they write back is the plan of
:mod:`xltools.writeback`)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import PurePath

from ..num import fmt
from ..writeback import RESULT_SHEET, Restore


def counts(result) -> tuple[int, int, int]:
    issues = result.report.issues
    return (sum(i.severity == "error" for i in issues), sum(i.severity == "review" for i in issues),
            sum(i.severity == "info" for i in issues))


# -- messages ---------------------------------------------------------------------------------
def score_line(result) -> str:
    card = result.card
    stated = ""
    if card.stated_total is not None and card.stated_total != card.total:
        stated = f"（表中填报 {fmt(card.stated_total)} 分）"
    return f"重新计算总分 {fmt(card.total)} 分{stated}，等级：{card.grade}。"


def check_message(result, marked: int) -> str:
    errors, warnings, infos = counts(result)
    if not result.report.issues:
        return "校验通过：没有发现问题。\n" + score_line(result)
    parts = [f"{errors} 个错误", f"{warnings} 项待补充"] + ([f"{infos} 个提示"] if infos else [])
    lines = [f"校验完成：发现{'、'.join(parts)}。"]
    if marked:
        lines.append(f"已在 {marked} 个单元格上标注（红色为错误，黄色为待补充；鼠标停在单元格上可看批注）。")
    lines.append(f"全部问题见“{RESULT_SHEET}”工作表（点“单元格”可跳到该单元格）。")
    lines.append(score_line(result))
    return "\n".join(lines)


def _old(value) -> str:
    if value is None or value == "":
        return "空白"
    if isinstance(value, float):
        return fmt(Decimal(repr(value)))
    return f"“{value}”"


def recalc_message(result, restored: list[Restore], checked: bool, marked: int, shown: int = 10) -> str:
    lines = []
    if restored:
        cells = "、".join(f"{r.cell}（原为{_old(r.old)}）" for r in restored[:shown])
        more = f" 等 {len(restored)} 处" if len(restored) > shown else ""
        lines.append(f"已恢复被改写为数值的公式：{cells}{more}。")
    else:
        lines.append("公式完整，无需恢复。")
    lines.append("已重新计算。" + score_line(result))
    errors, warnings, _ = counts(result)
    if checked:
        lines.append(f"校验标注已更新：{errors} 个错误，{warnings} 项待补充（见“{RESULT_SHEET}”工作表）。"
                     if result.report.issues else "校验通过，已清除以前的标注。")
    elif errors or warnings:
        lines.append(f"表中还有 {errors} 个错误、{warnings} 项待补充，点“校验”可逐个标注。")
    return "\n".join(lines)


def report_message(path, result, fallback: str = "") -> str:
    lines = [f"报告初稿已生成：\n{path}"]
    if fallback:
        lines.append(fallback)
    errors, _, _ = counts(result)
    if errors:
        lines.append(f"注意：表中有 {errors} 个错误，报告中的数字是重新计算的结果，请先点“校验”查看并改正。")
    return "\n".join(lines)


def workbook_name(fullname: str) -> str:
    return PurePath(str(fullname).replace("\\", "/")).name or str(fullname)
