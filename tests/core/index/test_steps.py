"""Shared step helpers: option checks name the step and option; panel years form blocks."""

from __future__ import annotations

import numpy as np
import pytest

from lantu.core.index.model import IndexInputError, Table
from lantu.core.index.steps import StepResult, bool_option, check_options, choice_option, number_option, year_blocks


def test_unknown_option_lists_the_known_ones() -> None:
    with pytest.raises(IndexInputError) as excinfo:
        check_options("treat", {"winmax": 3}, ["skew", "max_points"])
    assert excinfo.value.message_zh == "步骤“treat”没有选项“winmax”（可用：max_points、skew）"
    assert excinfo.value.message_en == "step treat has no option winmax (known: max_points, skew)"


def test_typed_options() -> None:
    assert number_option("s", {"x": 2}, "x", 0.0) == 2.0
    assert number_option("s", {}, "x", 1.5) == 1.5
    for bad in (True, "2", float("inf")):
        with pytest.raises(IndexInputError):
            number_option("s", {"x": bad}, "x", 0.0)
    with pytest.raises(IndexInputError):
        bool_option("s", {"x": "yes"}, "x", False)
    with pytest.raises(IndexInputError) as excinfo:
        choice_option("s", {"method": "z"}, "method", "a", ("a", "b"))
    assert excinfo.value.code == "unknown_method"


def test_year_blocks_and_step_result() -> None:
    table = Table(("A", "B", "A"), ("x",), np.zeros((3, 1)), years=(2022, 2021, 2021))
    assert [b.tolist() for b in year_blocks(table)] == [[1, 2], [0]]
    assert StepResult(table).notes == []
