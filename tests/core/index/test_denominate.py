"""Denomination: x · scale / denominator, by the META column or the option."""

from __future__ import annotations

import numpy as np
import pytest

from lantu.core.index.denominate import denominate
from lantu.core.index.model import IndexInputError, Node, Table, Tree


def tree(denominator: str | None = "pop") -> Tree:
    return Tree.build(
        [
            Node("I", "I", None, 1, 1, 2),
            Node("gdp", "GDP", "I", 1, 1, 1, denominator=denominator),
            Node("x", "x", "I", 1, 1, 1),
        ]
    )


TABLE = Table(
    ("A", "B", "C"), ("gdp", "x", "pop", "area"), np.array([[100.0, 1, 4, 10], [90.0, 2, 0, 5], [np.nan, 3, 2, 2]])
)


def test_indicators_are_divided_by_their_meta_denominator() -> None:
    result = denominate(TABLE, tree())
    assert result.table.codes == ("gdp", "x")
    out = result.table.values
    assert out[0].tolist() == [25.0, 1.0]
    assert np.isnan(out[1, 0])
    assert np.isnan(out[2, 0])
    assert result.notes == ["指标“gdp”除以“pop”", "指标“gdp”的分母“pop”为0，以下单位记为缺失：B"]


def test_option_overrides_denominator_and_applies_scale_factor() -> None:
    # COINr: x / (d / ScaleFactor)
    result = denominate(TABLE, tree(None), denominators={"gdp": "area"}, scale_factors={"gdp": 1000})
    assert result.table.values[:2, 0].tolist() == [10000.0, 18000.0]


def test_no_denominator_is_a_no_op_with_a_note() -> None:
    result = denominate(TABLE, tree(None))
    np.testing.assert_array_equal(result.table.values, TABLE.values[:, :2])
    assert "没有指标" in result.notes[0]


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"denominators": {"gdp": "nope"}}, "denominator_missing"),
        ({"denominators": {"zz": "pop"}}, "unknown_code"),
        ({"scale_factors": {"gdp": "big"}}, "bad_option"),
        ({"denominators": ["pop"]}, "bad_option"),
        ({"by": "pop"}, "unknown_option"),
    ],
)
def test_bad_options_are_refused(options: dict[str, object], code: str) -> None:
    with pytest.raises(IndexInputError) as excinfo:
        denominate(TABLE, tree(), **options)
    assert excinfo.value.code == code
