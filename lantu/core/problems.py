"""Problems with an input, named by row, field and reason in both languages.

This is the error every boundary reports (file imports, forms, API calls, loaders): a list of
problems, never just the first, so that a user can fix a whole file in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (row, field) and why, in Chinese and English."""

    field: str
    message_zh: str
    message_en: str
    row: int | None = None

    def message(self, english: bool = False) -> str:
        """The message prefixed with the row and field, e.g. "第 3 行, 字段 value: …".

        >>> Problem("value", "不是数字", "not a number", row=3).message(english=True)
        'row 3, value: not a number'
        """
        text = self.message_en if english else self.message_zh
        where = []
        if self.row is not None:
            where.append(f"row {self.row}" if english else f"第 {self.row} 行")
        if self.field:
            where.append(self.field if english else f"字段 {self.field}")
        return f"{', '.join(where)}: {text}" if where else text


class InvalidInput(ValueError):  # noqa: N818 - the name reads better at call sites than ...Error
    """Bad input: one or more problems; nothing has been written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message() for p in problems))

    @classmethod
    def one(cls, field: str, message_zh: str, message_en: str, row: int | None = None) -> InvalidInput:
        """Build the common case of a single problem."""
        return cls([Problem(field, message_zh, message_en, row)])
