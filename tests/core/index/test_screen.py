"""Screening units by data availability and zeros (COINr's Screen, default dat_thresh 2/3)."""

from __future__ import annotations

import numpy as np
import pytest

from lantu.core.index.model import IndexInputError, Node, Table, Tree
from lantu.core.index.screen import data_availability, screen

NAN = np.nan
TREE = Tree.build([Node("I", "I", None, 1, 1, 2)] + [Node(c, c, "I", 1, 1, 1) for c in "abc"])
TABLE = Table(
    ("A", "B", "C", "D"),
    ("a", "b", "c"),
    np.array([[1.0, 2.0, 3.0], [1.0, 2.0, NAN], [1.0, NAN, NAN], [0.0, 0.0, 5.0]]),
    {"city": ("x", "y", "z", "w")},
)


def test_availability_and_non_zero_shares() -> None:
    avail, non_zero = data_availability(TABLE, TREE)
    assert avail.tolist() == pytest.approx([1.0, 2 / 3, 1 / 3, 1.0])
    assert non_zero.tolist() == pytest.approx([1.0, 1.0, 1.0, 1 / 3])  # zeros over present values


def test_by_na_drops_units_below_two_thirds() -> None:
    # B has exactly 2 of 3 (1 - 1/3 ≥ 2/3 in floating point, as in R): kept; C (1/3) dropped
    result = screen(TABLE, TREE)
    assert result.table.units == ("A", "B", "D")
    assert result.table.groups == {"city": ("x", "y", "w")}
    assert result.notes == ["筛除数据不足的单位（数据可得率低于66.67%）1个：C"]


def test_by_zeros_and_both() -> None:
    assert screen(TABLE, TREE, unit_screen="byzeros", nonzero_thresh=0.5).table.units == ("A", "B", "C")
    assert screen(TABLE, TREE, unit_screen="byNAandzeros", nonzero_thresh=0.5).table.units == ("A", "B")


def test_forced_inclusion_and_exclusion_override_the_rule() -> None:
    result = screen(TABLE, TREE, force_include=["C"], force_exclude=["A"])
    assert result.table.units == ("B", "C", "D")
    assert "强制保留：C" in result.notes
    assert "强制剔除：A" in result.notes


def test_panel_rows_are_screened_year_by_year() -> None:
    table = Table(("A", "A"), ("a", "b", "c"), np.array([[1.0, 2, 3], [1.0, NAN, NAN]]), years=(2021, 2022))
    result = screen(table, TREE)
    assert result.table.years == (2021,)
    assert "A（2022）" in result.notes[0]


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"unit_screen": "byNaN"}, "bad_option"),
        ({"dat_thresh": 1.5}, "bad_option"),
        ({"force_include": ["Z"]}, "unknown_unit"),
        ({"force_include": "A"}, "bad_option"),
        ({"force_include": ["A"], "force_exclude": ["A"]}, "bad_option"),
        ({"min_coverage": 0.5}, "unknown_option"),
    ],
)
def test_bad_options_are_refused(options: dict[str, object], code: str) -> None:
    with pytest.raises(IndexInputError) as excinfo:
        screen(TABLE.rows(np.array([True, True, True, False])), TREE, **options)
    assert excinfo.value.code == code


def test_screening_out_every_unit_is_refused() -> None:
    with pytest.raises(IndexInputError) as excinfo:
        screen(TABLE.rows(np.array([False, True, True, False])), TREE, dat_thresh=1.0)
    assert excinfo.value.code == "no_units"
