"""Cell formats of the templates: 宋体 body, 黑体 title, thin borders, wrapped text.

Input cells are unlocked and white; labels and formulas are locked, formulas light grey; the scoring
aid area has a pale blue header.  Conditional formats mark errors red and missing reasons yellow.
"""
from __future__ import annotations

from ..validation import severity_format

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
GREY = "#F2F2F2"
AUX = "#DDEBF7"

_BASE = {"font_name": BODY_FONT, "font_size": 10, "border": 1, "valign": "vcenter"}


class Styles:
    def __init__(self, book):
        self.book = book
        self._numbers: dict[tuple[str, bool], object] = {}
        add = self._add
        self.title = book.add_format({"font_name": TITLE_FONT, "font_size": 16, "bold": True, "align": "center",
                                      "valign": "vcenter"})
        self.header = add(bold=True, align="center", text_wrap=True, bg_color=GREY)
        self.header_vertical = add(bold=True, align="center", text_wrap=True, bg_color=GREY)
        self.aux_header = add(bold=True, align="center", text_wrap=True, bg_color=AUX)
        self.label = add(align="center", text_wrap=True)
        self.label_left = add(align="left", text_wrap=True)
        self.label_left_bold = add(align="left", text_wrap=True, bold=True)
        self.fixed = add(align="center", num_format="General")
        self.fixed_text = add(align="left", text_wrap=True)
        self.small = add(align="left", text_wrap=True, font_size=9)
        self.input_text = add(align="left", text_wrap=True, locked=False)
        self.input_wrap = add(align="left", valign="top", text_wrap=True, locked=False)
        self.input_center = add(align="center", locked=False)
        self.input_int = add(align="center", num_format="0", locked=False)
        self.input_money = add(align="right", num_format="#,##0.00", locked=False)
        self.input_num = add(align="center", num_format="General", locked=False)
        self.formula = add(align="center", num_format="General", bg_color=GREY)
        self.formula_bold = add(align="center", num_format="General", bg_color=GREY, bold=True)
        self.formula_rate = add(align="center", num_format="0.00%", bg_color=GREY)
        self.aux_formula = add(align="center", num_format="General", bg_color=GREY, font_color="#595959")
        self.aux_text = add(align="left", font_color="#808080", font_size=8)
        self.grade = add(align="center", bold=True, bg_color=GREY, num_format='"等级："@')
        self.note = book.add_format({"font_name": BODY_FONT, "font_size": 9, "text_wrap": True, "valign": "top"})
        # the template marks its own cells in the colours of the severity model (错误 red, 待补充 yellow)
        self.cf_error = book.add_format(severity_format("error"))
        self.cf_warn = book.add_format(severity_format("review"))

    def _add(self, **props):
        return self.book.add_format({**_BASE, **props})

    def number(self, num_format: str, input_: bool):
        """A number style with the given format (units and percent shown like the user typed them)."""
        key = (num_format, input_)
        if key not in self._numbers:
            props: dict[str, str | bool] = {"align": "center", "num_format": num_format}
            if input_:
                props["locked"] = False
            else:
                props["bg_color"] = GREY
            self._numbers[key] = self._add(**props)
        return self._numbers[key]
