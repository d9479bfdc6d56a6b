"""Tests for lantu.core.formula."""

# Chinese text uses full-width punctuation on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import contextlib
import decimal
import doctest
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lantu.core import formula as formula_module
from lantu.core.errors import LantuValueError
from lantu.core.formula import (
    Formula,
    FormulaError,
    check_references,
    evaluate,
    evaluation_order,
    find_cycle,
    parse,
)

D = Decimal


def test_doctests() -> None:
    result = doctest.testmod(formula_module)
    assert result.attempted > 0
    assert result.failed == 0


# --- parse ------------------------------------------------------------------


def test_parse_collects_references() -> None:
    formula = parse("100 * DE_TOTAL / GDP")
    assert formula == Formula("100 * DE_TOTAL / GDP", frozenset({"DE_TOTAL", "GDP"}))


def test_parse_normalises_whitespace_and_allows_line_breaks() -> None:
    formula = parse("  max(A,\n    B)\t+ 1 ")
    assert formula.text == "max(A, B) + 1"
    assert formula.references == frozenset({"A", "B"})


def test_parse_literal_only_formula_has_no_references() -> None:
    assert parse("(1 + 2) * 3").references == frozenset()


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        ("__import__('os')", "function __import__"),
        ("open('x')", "function open"),
        ("sum(A, B)", "function sum"),
        ("a.b", "Attribute"),
        ("a.b(c)", "Attribute"),
        ("a[0]", "Subscript"),
        ("a if b else c", "IfExp"),
        ("lambda: 1", "Lambda"),
        ("a ** b", "Pow"),
        ("a // b", "FloorDiv"),
        ("a % b", "Mod"),
        ("a < b", "Compare"),
        ("a and b", "BoolOp"),
        ("not a", "Not"),
        ("~a", "Invert"),
        ("+a", "UAdd"),
        ("a & b", "BitAnd"),
        ("(a, b)", "Tuple"),
        ("[a]", "List"),
        ("{a: 1}", "Dict"),
        ("(a := 1)", "NamedExpr"),
        ("'text'", "Constant"),
        ("True", "Constant"),
        ("None", "Constant"),
        ("f'{a}'", "JoinedStr"),
        ("min(*a)", "Starred"),
        ("min(a, key=b)", "keyword"),
        ("(lambda: 1)()", "Lambda"),
    ],
)
def test_parse_refuses_constructs(text: str, construct: str) -> None:
    with pytest.raises(FormulaError) as info:
        parse(text)
    error = info.value
    assert error.code == "not_allowed"
    assert error.params["construct"] == construct
    assert "not allowed" in error.message_en
    assert "不允许" in error.message_zh


def test_not_allowed_messages_name_the_construct_and_column() -> None:
    with pytest.raises(FormulaError) as info:
        parse("A + B ** 2")
    assert info.value.params == {"construct": "Pow", "column": 5}
    assert info.value.message_zh == "公式中不允许使用乘方 **（第 5 列）"
    assert info.value.message_en == ("power operator ** is not allowed in a formula (column 5)")
    with pytest.raises(FormulaError) as info:
        parse("__import__('os')")
    assert info.value.message_en == ("function __import__() is not allowed in a formula (column 1)")


@pytest.mark.parametrize("text", ["A +", "(A", "A B", "1 +* 2", "min(A,", "007"])
def test_parse_reports_syntax_errors_with_column(text: str) -> None:
    with pytest.raises(FormulaError) as info:
        parse(text)
    error = info.value
    assert error.code == "syntax"
    assert isinstance(error.params["column"], int)
    assert f"column {error.params['column']}" in error.message_en
    assert f"第 {error.params['column']} 列" in error.message_zh


@pytest.mark.parametrize("text", ["A\x00B", "A + \ud800"])
def test_parse_reports_unparseable_characters_as_syntax(text: str) -> None:
    with pytest.raises(FormulaError) as info:
        parse(text)
    assert info.value.code == "syntax"


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_parse_refuses_empty(text: str) -> None:
    with pytest.raises(FormulaError) as info:
        parse(text)
    assert info.value.code == "empty"
    assert info.value.message_zh == "公式为空"


@pytest.mark.parametrize("literal", ["0x10", "1e5", "1_000", "2j", "0b1", "1E-3"])
def test_parse_refuses_non_decimal_literals(literal: str) -> None:
    with pytest.raises(FormulaError) as info:
        parse(f"A * {literal}")
    assert info.value.code == "bad_number"
    assert info.value.params == {"literal": literal}


@pytest.mark.parametrize("name", ["国内生产总值", "Ａ_é"])
def test_parse_refuses_non_ascii_identifiers(name: str) -> None:
    with pytest.raises(FormulaError) as info:
        parse(f"{name} + 1")
    assert info.value.code == "bad_identifier"


def test_full_width_ascii_identifiers_are_folded_by_python() -> None:
    # Python's parser NFKC-normalises identifiers, so full-width GDP is GDP.
    assert parse("ＧＤＰ * 2").references == frozenset({"GDP"})


@pytest.mark.parametrize("text", ["min + 1", "2 * abs", "max"])
def test_parse_refuses_function_names_as_codes(text: str) -> None:
    with pytest.raises(FormulaError) as info:
        parse(text)
    assert info.value.code == "reserved_name"


@pytest.mark.parametrize(
    ("text", "given_args"),
    [("abs()", 0), ("abs(A, B)", 2), ("min(A)", 1), ("max()", 0)],
)
def test_parse_checks_function_arity(text: str, given_args: int) -> None:
    with pytest.raises(FormulaError) as info:
        parse(text)
    assert info.value.code == "bad_arguments"
    assert info.value.params["given"] == given_args


@pytest.mark.parametrize(
    "text",
    [
        "-" * 300 + "A",
        "abs(" * 250 + "A" + ")" * 250,
        " + ".join(f"A{i}" for i in range(300)),
        "A + " * 600 + "A",
    ],
)
def test_parse_refuses_overly_complex_formulas(text: str) -> None:
    with pytest.raises(FormulaError) as info:
        parse(text)
    # CPython itself refuses 200+ nested parentheses as a syntax error.
    assert info.value.code in {"too_complex", "syntax"}


def test_parse_accepts_redundant_parentheses() -> None:
    assert parse("(" * 150 + "A" + ")" * 150).references == frozenset({"A"})


def test_parse_accepts_a_sum_over_all_provinces() -> None:
    text = " + ".join(f"P{i:02d}" for i in range(34))
    assert len(parse(text).references) == 34


@given(st.text(max_size=200))
def test_parse_only_raises_formula_errors(text: str) -> None:
    with contextlib.suppress(FormulaError):
        parse(text)


# --- evaluate ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", "7"),
        ("(1 + 2) * 3", "9"),
        ("0.1 + 0.2", "0.3"),
        ("10 - 2 - 3", "5"),
        ("24 / 4 / 2", "3"),
        ("-A + 1", "-1"),
        ("--A", "2"),
        ("A - -B", "5"),
        ("min(A, B, 3)", "2"),
        ("max(A, B, 0.5)", "3"),
        ("abs(A - B)", "1"),
        ("abs(-2.50)", "2.50"),
        ("1 / 3", "0.3333333333333333333333333333"),
        ("2 / 3", "0.6666666666666666666666666667"),
        ("100 * DE_TOTAL / GDP", "42.75741710296684118673647469"),
    ],
)
def test_evaluate(text: str, expected: str) -> None:
    values: dict[str, Decimal | None] = {
        "A": D(2),
        "B": D(3),
        "DE_TOTAL": D("53.9"),
        "GDP": D("126.06"),
    }
    result = evaluate(parse(text), values)
    assert result == D(expected)
    assert str(result) == expected


def test_evaluate_keeps_exact_decimals_from_source() -> None:
    # A float 0.1 would make this 0.30000000000000004.
    assert evaluate(parse("A * 0.1"), {"A": D(3)}) == D("0.3")


@pytest.mark.parametrize(
    "values",
    [{}, {"A": D(1)}, {"A": None, "B": D(1)}, {"A": D(1), "B": None}],
)
def test_evaluate_missing_input_gives_missing_result(
    values: dict[str, Decimal | None],
) -> None:
    assert evaluate(parse("A + B"), values) is None


def test_missing_input_wins_even_where_it_would_not_matter() -> None:
    assert evaluate(parse("max(A, B)"), {"A": D(1), "B": None}) is None
    assert evaluate(parse("0 * A"), {}) is None


def test_unused_values_are_ignored() -> None:
    assert evaluate(parse("A"), {"A": D(1), "Z": None}) == D(1)


@pytest.mark.parametrize("text", ["A / B", "0 / B", "A / (A - A)", "max(1, A / B)"])
def test_evaluate_division_by_zero_gives_missing_result(text: str) -> None:
    assert evaluate(parse(text), {"A": D(5), "B": D("0.00")}) is None


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity"])
def test_evaluate_refuses_non_finite_inputs(bad: str) -> None:
    with pytest.raises(FormulaError) as info:
        evaluate(parse("A + B"), {"A": D(1), "B": D(bad)})
    assert info.value.code == "not_finite"
    assert info.value.params["code"] == "B"


def test_evaluate_reports_overflow() -> None:
    with pytest.raises(FormulaError) as info:
        evaluate(parse("A * A"), {"A": D("1e999999")})
    assert info.value.code == "overflow"


def test_evaluate_hand_built_formula_is_checked() -> None:
    with pytest.raises(FormulaError) as info:
        evaluate(Formula("A.b", frozenset()), {})
    assert info.value.code == "not_allowed"


def test_evaluate_does_not_depend_on_the_ambient_decimal_context() -> None:
    with decimal.localcontext() as context:
        context.prec = 5
        result = evaluate(parse("1 / 3"), {})
    assert result == D("0.3333333333333333333333333333")


CODES = ["A", "B", "GDP", "DE_TOTAL", "x_1"]
CONTEXT = decimal.Context(prec=28)


class Undefined(Exception):  # noqa: N818 - a signal, not an error
    """Raised by the reference computation on division by zero."""


@dataclass(frozen=True)
class Expr:
    """A random expression: its text, the codes it reads and its meaning."""

    text: str
    names: frozenset[str]
    compute: Callable[[Mapping[str, Decimal]], Decimal]


def number(value: Decimal) -> Expr:
    return Expr(f"{value:f}", frozenset(), lambda _: value)


def ref(code: str) -> Expr:
    return Expr(code, frozenset({code}), lambda values: values[code])


def neg(operand: Expr) -> Expr:
    return Expr(
        f"-({operand.text})",
        operand.names,
        lambda values: CONTEXT.minus(operand.compute(values)),
    )


def binary(op: str, left: Expr, right: Expr) -> Expr:
    def compute(values: Mapping[str, Decimal]) -> Decimal:
        a, b = left.compute(values), right.compute(values)
        if op == "+":
            return CONTEXT.add(a, b)
        if op == "-":
            return CONTEXT.subtract(a, b)
        if op == "*":
            return CONTEXT.multiply(a, b)
        if b == 0:
            raise Undefined
        return CONTEXT.divide(a, b)

    return Expr(f"({left.text} {op} {right.text})", left.names | right.names, compute)


def call(function: str, args: list[Expr]) -> Expr:
    def compute(values: Mapping[str, Decimal]) -> Decimal:
        results = [arg.compute(values) for arg in args]
        if function == "abs":
            return CONTEXT.abs(results[0])
        return CONTEXT.plus(min(results) if function == "min" else max(results))

    text = f"{function}({', '.join(arg.text for arg in args)})"
    return Expr(text, frozenset().union(*(arg.names for arg in args)), compute)


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        children.map(neg),
        st.builds(binary, st.sampled_from("+-*/"), children, children),
        st.builds(call, st.just("abs"), st.lists(children, min_size=1, max_size=1)),
        st.builds(
            call,
            st.sampled_from(["min", "max"]),
            st.lists(children, min_size=2, max_size=4),
        ),
    )


literals = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False).map(number)
expressions = st.recursive(st.one_of(literals, st.sampled_from(CODES).map(ref)), _extend, max_leaves=20)
input_values = st.fixed_dictionaries(
    {
        code: st.one_of(
            st.none(),
            st.just(D(0)),
            st.decimals(
                min_value=-(10**9),
                max_value=10**9,
                places=4,
                allow_nan=False,
                allow_infinity=False,
            ),
        )
        for code in CODES
    }
)


@given(expr=expressions, values=input_values)
def test_evaluate_matches_reference_computation(expr: Expr, values: dict[str, Decimal | None]) -> None:
    formula = parse(expr.text)
    assert formula.references == expr.names
    present = {code: value for code, value in values.items() if value is not None}
    expected: Decimal | None = None
    if expr.names <= present.keys():
        with contextlib.suppress(Undefined):
            expected = expr.compute(present)
    assert evaluate(formula, values) == expected


# --- references and dependency graph ----------------------------------------


def test_check_references_accepts_known_codes() -> None:
    check_references(parse("A + B"), own_code="C", known_codes={"A", "B", "C"})


def test_check_references_names_unknown_codes_sorted() -> None:
    with pytest.raises(FormulaError) as info:
        check_references(parse("ZED + A + MU"), own_code="C", known_codes=["A"])
    error = info.value
    assert error.code == "unknown_reference"
    assert error.params == {"codes": ["MU", "ZED"]}
    assert error.message_zh == "公式引用了不存在的指标：MU、ZED"
    assert error.message_en == "formula refers to unknown indicators: MU, ZED"


def test_check_references_refuses_self_reference() -> None:
    with pytest.raises(FormulaError) as info:
        check_references(parse("C * 2 + X"), own_code="C", known_codes={"C"})
    assert info.value.code == "self_reference"
    assert info.value.params == {"code": "C"}
    assert "C" in info.value.message_en


def formulas(**texts: str) -> dict[str, Formula]:
    return {code: parse(text) for code, text in texts.items()}


def test_find_cycle_none_for_acyclic_graph() -> None:
    assert find_cycle({}) is None
    assert find_cycle(formulas(C="A + B", A="X * 2", B="A + Y")) is None


def test_find_cycle_two_nodes() -> None:
    assert find_cycle(formulas(A="B + 1", B="A * 2")) == ["A", "B", "A"]


def test_find_cycle_self_loop() -> None:
    assert find_cycle(formulas(A="A + 1")) == ["A", "A"]


def test_find_cycle_longer_cycle_behind_a_tail() -> None:
    graph = formulas(A="B", B="C + RAW", C="D", D="B * 2", E="A")
    assert find_cycle(graph) == ["B", "C", "D", "B"]


def test_find_cycle_ignores_references_to_raw_indicators() -> None:
    # RAW has no formula here, so it cannot close a cycle.
    assert find_cycle(formulas(A="RAW + 1")) is None


def test_evaluation_order_puts_inputs_first_and_breaks_ties_by_code() -> None:
    graph = formulas(D="B + C", C="A", B="A", A="RAW", E="RAW2")
    assert evaluation_order(graph) == ["A", "B", "C", "D", "E"]


def test_evaluation_order_of_chain() -> None:
    assert evaluation_order(formulas(A="B", B="C", C="1")) == ["C", "B", "A"]


def test_evaluation_order_refuses_cycle_naming_the_path() -> None:
    with pytest.raises(FormulaError) as info:
        evaluation_order(formulas(A="B + 1", B="A * 2", C="RAW"))
    error = info.value
    assert isinstance(error, LantuValueError)
    assert error.code == "cycle"
    assert error.params == {"path": ["A", "B", "A"]}
    assert error.message_zh == "计算指标之间存在循环引用：A → B → A"
    assert error.message_en == "computed indicators form a cycle: A → B → A"


graphs = st.dictionaries(
    st.sampled_from("ABCDEFG"),
    st.frozensets(st.sampled_from("ABCDEFGXY"), max_size=4),
    max_size=7,
)


@given(graphs)
def test_cycle_detection_and_ordering_agree(graph: dict[str, frozenset[str]]) -> None:
    texts = {code: " + ".join(sorted(refs)) or "0" for code, refs in graph.items()}
    parsed = {code: parse(text) for code, text in texts.items()}
    cycle = find_cycle(parsed)
    if cycle is None:
        order = evaluation_order(parsed)
        assert sorted(order) == sorted(graph)
        position = {code: index for index, code in enumerate(order)}
        for code, refs in graph.items():
            for ref in refs & graph.keys():
                assert position[ref] < position[code]
    else:
        assert cycle[0] == cycle[-1]
        assert len(set(cycle[:-1])) == len(cycle) - 1
        for code, ref in itertools.pairwise(cycle):
            assert ref in graph[code]
        with pytest.raises(FormulaError):
            evaluation_order(parsed)
