"""Reading META and DATA: checked trees, typed tables, errors that name the row, the column and the rule."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from lantu.core.index.io import format_number, parse_data, parse_meta, read_data, read_meta, table_csv, write_table
from lantu.core.index.model import IndexInputError, Table

META = """code,name,parent,weight,direction,level,denominator,target
INDEX,指数,,1,1,3,,
P1,支柱一,INDEX,1,1,2,,
P2,支柱二,INDEX,2,1,2,,
a,指标a,P1,1,1,1,pop,
b,指标b,P1,1,-1,1,,20
c,指标c,P2,1,1,1,,
"""


def refused(code: str, function: Callable[..., object], *args: object) -> IndexInputError:
    with pytest.raises(IndexInputError) as excinfo:
        function(*args)
    assert excinfo.value.code == code, repr(excinfo.value)
    return excinfo.value


def test_meta_is_read_into_a_checked_tree() -> None:
    tree = parse_meta(META)
    assert tree.root == "INDEX"
    assert tree.indicators == ("a", "b", "c")
    assert tree.aggregates == ("P1", "P2", "INDEX")
    assert tree.nodes["b"].direction == -1
    assert tree.nodes["b"].target == 20.0
    assert tree.nodes["a"].denominator == "pop"
    assert tree.nodes["P2"].weight == 2.0
    assert tree.nodes["a"].name == "指标a"


def test_levels_and_names_are_inferred_when_left_out() -> None:
    tree = parse_meta("code,parent,weight,direction\nI,,,\nP,I,1,\nx,P,1,1\ny,I,1,-1\n")
    assert [tree.nodes[c].level for c in ("I", "P", "x", "y")] == [3, 2, 1, 1]
    assert tree.nodes["x"].name == "x"


def test_a_byte_order_mark_and_blank_lines_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "META.csv"
    path.write_text("\ufeff" + META + "\n,,,,,,,\n", encoding="utf-8")
    assert read_meta(path).indicators == ("a", "b", "c")


def test_a_cycle_in_meta_is_refused_naming_the_path() -> None:
    text = "code,parent,weight,direction,level\nI,,1,1,3\nP,Q,1,1,2\nQ,P,1,1,2\nx,P,1,1,1\n"
    error = refused("cycle", parse_meta, text)
    assert "P → Q → P" in error.message_zh or "Q → P → Q" in error.message_zh


def test_an_orphan_in_meta_is_refused_naming_code_and_parent() -> None:
    text = "code,parent,weight,direction,level\nI,,1,1,2\nx,I,1,1,1\ny,NOPE,1,1,1\n"
    error = refused("unknown_parent", parse_meta, text)
    assert error.params == {"code": "y", "parent": "NOPE"}
    assert "孤立" in error.message_zh


def test_negative_and_zero_sum_weights_are_refused() -> None:
    negative = "code,parent,weight,direction,level\nI,,1,1,2\nx,I,-1,1,1\ny,I,2,1,1\n"
    error = refused("bad_weight", parse_meta, negative)
    assert error.params["code"] == "x"
    zero = "code,parent,weight,direction,level\nI,,1,1,2\nx,I,0,1,1\ny,I,0,1,1\n"
    error = refused("zero_weights", parse_meta, zero)
    assert error.params["code"] == "I"
    assert "之和为0" in error.message_zh


def test_meta_cells_are_checked_with_row_and_column() -> None:
    error = refused("csv_number", parse_meta, META.replace("c,指标c,P2,1,", "c,指标c,P2,one,"))
    assert error.params == {"file": "META.csv", "row": 7, "column": "weight", "value": "one"}
    assert error.message_zh == "META.csv第7行“weight”列不是数字：one"
    assert error.message_en == "META.csv row 7, column weight: not a number: one"
    no_direction = "code,parent,weight,direction,level\nI,,1,,2\nx,I,1,,1\n"
    error = refused("csv_empty", parse_meta, no_direction)
    assert (error.params["row"], error.params["column"]) == (3, "direction")
    error = refused("bad_direction", parse_meta, META.replace("b,指标b,P1,1,-1", "b,指标b,P1,1,2"))
    assert error.params["code"] == "b"
    error = refused("csv_header", parse_meta, "name,parent\nx,\n")
    assert error.params["column"] == "code"
    error = refused("csv_columns", parse_meta, "code,parent\nI,,extra\n")
    assert error.params == {"file": "META.csv", "row": 2, "found": 3, "expected": 2}


def test_data_is_read_with_groups_denominators_and_missing_markers() -> None:
    tree = parse_meta(META)
    text = 'unit,name,city,group_mountain,a,b,c,pop\n西湖区,西湖,杭州,0,1,2,NA,10\n淳安县,淳安,杭州,1,"1,200",-,3.5,2\n'
    table = parse_data(text, tree)
    assert table.units == ("西湖区", "淳安县")
    assert table.codes == ("a", "b", "c", "pop")
    assert table.groups == {"city": ("杭州", "杭州"), "mountain": ("0", "1")}
    assert table.years is None
    np.testing.assert_array_equal(table.values, [[1, 2, np.nan, 10], [1200, np.nan, 3.5, 2]])


def test_panel_data_has_years_and_a_unit_may_repeat_across_years() -> None:
    tree = parse_meta(META)
    table = parse_data("unit,year,a,b,c,pop\nA,2021,1,2,3,1\nA,2022,2,3,4,1\n", tree)
    assert table.years == (2021, 2022)
    error = refused(
        "duplicate_unit",
        parse_data,
        "unit,year,a,b,c,pop\nA,2021,1,2,3,1\nA,2021,2,3,4,1\n",
        tree,
    )
    assert error.params["unit"] == "A"
    assert "DATA.csv:2, 3" in str(error.params["where"])


def test_bad_data_is_refused_naming_row_column_or_code() -> None:
    tree = parse_meta(META)
    error = refused("csv_number", parse_data, "unit,a,b,c,pop\nA,1,2,3,1\nB,1,x2,3,1\n", tree)
    assert error.params == {"file": "DATA.csv", "row": 3, "column": "b", "value": "x2"}
    error = refused("missing_column", parse_data, "unit,a,b,pop\nA,1,2,3\n", tree)
    assert error.params == {"code": "c"}
    error = refused("denominator_missing", parse_data, "unit,a,b,c\nA,1,2,3\n", tree)
    assert error.params == {"code": "a", "denominator": "pop"}
    error = refused("unknown_column", parse_data, "unit,a,b,c,pop,d\nA,1,2,3,1,5\n", tree)
    assert error.params == {"code": "d"}
    error = refused("csv_header", parse_data, "who,a,b,c,pop\nA,1,2,3,1\n", tree)
    assert error.params["column"] == "unit"
    error = refused("csv_empty", parse_data, "unit,a,b,c,pop\n,1,2,3,1\n", tree)
    assert (error.params["row"], error.params["column"]) == (2, "unit")
    refused("no_units", parse_data, "unit,a,b,c,pop\n", tree)
    error = refused("csv_number", parse_data, "unit,year,a,b,c,pop\nA,2021.5,1,2,3,1\n", tree)
    assert error.params["column"] == "year"
    refused("csv_number", parse_data, "unit,a,b,c,pop\nA,inf,2,3,1\n", tree)


def test_stages_are_written_so_that_they_read_back_exactly(tmp_path: Path) -> None:
    tree = parse_meta(META)
    values = np.array([[0.1, 1 / 3, np.nan, 7.0], [1e-12, 2.0, 123456789.123, 1.0]])
    table = Table(("A", "B"), ("a", "b", "c", "pop"), values, {"city": ("杭州", "宁波")})
    path = tmp_path / "raw.csv"
    write_table(table, path)
    assert path.read_text(encoding="utf-8").splitlines()[0] == "unit,city,a,b,c,pop"
    back = read_data(path, tree)
    np.testing.assert_array_equal(back.values, values)
    assert back.groups == table.groups
    assert table_csv(table.with_values(values, table.codes)).count("\n") == 3


def test_format_number_is_shortest_round_trip() -> None:
    assert format_number(2.0) == "2"
    assert format_number(-0.5) == "-0.5"
    assert format_number(math.nan) == ""
    assert float(format_number(1 / 3)) == 1 / 3
