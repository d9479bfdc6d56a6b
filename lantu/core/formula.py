"""A small, safe arithmetic language for computed indicators.

A formula such as ``100 * DE_TOTAL / GDP`` may use decimal numbers, indicator
codes (``[A-Za-z_][A-Za-z0-9_]*``), ``+ - * /``, unary minus, parentheses and
the functions ``min``, ``max`` and ``abs``. It is parsed with :mod:`ast` and
checked against an allow-list, and is never passed to ``eval``.
"""

# Chinese text uses full-width punctuation on purpose.

from __future__ import annotations

import ast
import decimal
import functools
import heapq
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from lantu.core.errors import LantuValueError

__all__ = [
    "FUNCTIONS",
    "Formula",
    "FormulaError",
    "check_references",
    "evaluate",
    "evaluation_order",
    "find_cycle",
    "parse",
]

#: Function names a formula may call; they cannot be indicator codes.
FUNCTIONS = frozenset({"min", "max", "abs"})

# Far beyond a real indicator definition (a sum of all 31 provinces nests 31
# deep), while keeping the recursive walkers clear of Python's recursion limit.
_MAX_DEPTH = 200
_MAX_LENGTH = 2000

_CONTEXT = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_LITERAL = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+", re.ASCII)

# Names shown for refused constructs: ast class name -> (Chinese, English).
_CONSTRUCTS: dict[str, tuple[str, str]] = {
    "Attribute": ("属性访问（如 a.b）", "attribute access (a.b)"),
    "Subscript": ("下标（如 a[0]）", "subscript (a[0])"),
    "Compare": ("比较运算", "comparison"),
    "BoolOp": ("逻辑运算 and/or", "boolean operator and/or"),
    "Not": ("逻辑运算 not", "boolean operator not"),
    "UAdd": ("正号 +x", "unary plus"),
    "Invert": ("按位取反 ~", "bitwise inversion ~"),
    "IfExp": ("条件表达式 if/else", "conditional expression if/else"),
    "Lambda": ("lambda 表达式", "lambda expression"),
    "Pow": ("乘方 **", "power operator **"),
    "FloorDiv": ("整除 //", "floor division //"),
    "Mod": ("取余 %", "modulo %"),
    "MatMult": ("矩阵乘 @", "matrix multiplication @"),
    "LShift": ("移位 <<", "shift <<"),
    "RShift": ("移位 >>", "shift >>"),
    "BitAnd": ("按位与 &", "bitwise and &"),
    "BitOr": ("按位或 |", "bitwise or |"),
    "BitXor": ("按位异或 ^", "bitwise xor ^"),
    "Tuple": ("元组", "tuple"),
    "List": ("列表", "list"),
    "Set": ("集合", "set"),
    "Dict": ("字典", "dict"),
    "NamedExpr": ("赋值表达式 :=", "assignment expression :="),
    "JoinedStr": ("格式化字符串", "f-string"),
    "Starred": ("星号展开 *", "unpacking *"),
    "keyword": ("关键字参数", "keyword argument"),
    "Constant": ("非数字常量", "non-numeric constant"),
    "Call": ("函数调用", "function call"),
}


class FormulaError(LantuValueError):
    """A formula is malformed, refers to what it may not, or is circular."""

    templates_zh: ClassVar[Mapping[str, str]] = {
        "empty": "公式为空",
        "syntax": "公式语法错误：第 {column} 列附近（{detail}）",
        "not_allowed": "公式中不允许使用{construct_zh}（第 {column} 列）",
        "bad_identifier": ("“{name}”不是合法的指标代码（只能含英文字母、数字和下划线，且不以数字开头）"),
        "reserved_name": "“{name}”是函数名，不能用作指标代码",
        "bad_number": "“{literal}”不是允许的数字写法（只能写十进制数，如 12.5）",
        "bad_arguments": ("函数 {function}() 的参数个数不对：给了 {given} 个（abs 需要 1 个，min/max 至少 2 个）"),
        "too_complex": "公式过长或嵌套过深",
        "unknown_reference": "公式引用了不存在的指标：{codes}",
        "self_reference": "指标 {code} 的公式引用了它自己",
        "cycle": "计算指标之间存在循环引用：{path}",
        "not_finite": "指标 {code} 的值 {value} 不是有限数",
        "overflow": "公式“{text}”计算溢出",
    }
    templates_en: ClassVar[Mapping[str, str]] = {
        "empty": "formula is empty",
        "syntax": "formula syntax error near column {column}: {detail}",
        "not_allowed": "{construct_en} is not allowed in a formula (column {column})",
        "bad_identifier": (
            "{name} is not a valid indicator code (letters, digits and underscores, not starting with a digit)"
        ),
        "reserved_name": "{name} is a function name, not an indicator code",
        "bad_number": "{literal} is not an allowed number (write decimals like 12.5)",
        "bad_arguments": (
            "wrong number of arguments to {function}(): {given} given (abs takes 1, min/max take at least 2)"
        ),
        "too_complex": "formula is too long or nested too deeply",
        "unknown_reference": "formula refers to unknown indicators: {codes}",
        "self_reference": "the formula of {code} refers to itself",
        "cycle": "computed indicators form a cycle: {path}",
        "not_finite": "value {value} of {code} is not a finite number",
        "overflow": "arithmetic overflow while evaluating {text}",
    }

    def _display_params(self, lang: str) -> dict[str, object]:
        shown = super()._display_params(lang)
        path = self.params.get("path")
        if isinstance(path, list):
            shown["path"] = " → ".join(str(code) for code in path)
        construct = self.params.get("construct")
        if isinstance(construct, str):
            zh, en = _CONSTRUCTS.get(construct, (construct, construct))
            if construct.startswith("function "):
                name = construct.removeprefix("function ")
                zh, en = f"函数 {name}()", f"function {name}()"
            shown["construct_zh"], shown["construct_en"] = zh, en
        return shown


@dataclass(frozen=True)
class Formula:
    """A checked formula; build it with :func:`parse`.

    Attributes
    ----------
    text : str
        The formula as written, with each run of whitespace (including line
        breaks) collapsed to one space.
    references : frozenset[str]
        Indicator codes the formula reads.
    """

    text: str
    references: frozenset[str]


# The compiled tree: small immutable nodes, safe to share through the cache.
@dataclass(frozen=True)
class _Num:
    value: Decimal


@dataclass(frozen=True)
class _Ref:
    code: str


@dataclass(frozen=True)
class _Neg:
    operand: _Node


@dataclass(frozen=True)
class _BinOp:
    op: str
    left: _Node
    right: _Node


@dataclass(frozen=True)
class _Call:
    function: str
    args: tuple[_Node, ...]


_Node = _Num | _Ref | _Neg | _BinOp | _Call


def parse(text: str) -> Formula:
    """Parse and check a formula.

    Raises
    ------
    FormulaError
        ``empty``, ``syntax`` (with ``column`` and ``detail``), ``not_allowed``
        (naming the construct), ``bad_identifier``, ``reserved_name``,
        ``bad_number``, ``bad_arguments`` or ``too_complex``.

    Examples
    --------
    >>> formula = parse("100 * DE_TOTAL / GDP")
    >>> sorted(formula.references)
    ['DE_TOTAL', 'GDP']
    """
    normalised = _normalise(text)
    _, references = _compile(normalised)
    return Formula(text=normalised, references=references)


def _normalise(text: str) -> str:
    # Whitespace is never significant in this grammar, and a single line makes
    # error columns unambiguous.
    return " ".join(text.split())


@functools.lru_cache(maxsize=1024)
def _compile(text: str) -> tuple[_Node, frozenset[str]]:
    if not text:
        raise FormulaError("empty")
    if len(text) > _MAX_LENGTH:
        raise FormulaError("too_complex", {"length": len(text)})
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        params = {"column": error.offset or 1, "detail": error.msg}
        raise FormulaError("syntax", params) from None
    except UnicodeEncodeError as error:
        # Lone surrogates cannot even be encoded for the parser.
        params = {"column": error.start + 1, "detail": "invalid character"}
        raise FormulaError("syntax", params) from None
    except (RecursionError, MemoryError):
        # CPython's own parser gives up on very deep nesting this way.
        raise FormulaError("too_complex", {"length": len(text)}) from None
    references: set[str] = set()
    node = _Checker(text, references).check(tree.body, depth=0)
    return node, frozenset(references)


class _Checker:
    """Walk an :mod:`ast` tree, refusing anything not on the allow-list."""

    _OPERATORS: ClassVar[Mapping[type[ast.operator], str]] = {
        ast.Add: "+",
        ast.Sub: "-",
        ast.Mult: "*",
        ast.Div: "/",
    }

    def __init__(self, text: str, references: set[str]) -> None:
        self.text = text
        self.references = references

    def refuse(self, node: ast.AST, construct: str) -> FormulaError:
        column = getattr(node, "col_offset", 0) + 1
        return FormulaError("not_allowed", {"construct": construct, "column": column})

    def check(self, node: ast.expr, depth: int) -> _Node:
        if depth > _MAX_DEPTH:
            raise FormulaError("too_complex", {"length": len(self.text)})
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return _Ref(self.name(node.id))
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub):
                raise self.refuse(node, type(node.op).__name__)
            return _Neg(self.check(node.operand, depth + 1))
        if isinstance(node, ast.BinOp):
            symbol = self._OPERATORS.get(type(node.op))
            if symbol is None:
                raise self.refuse(node, type(node.op).__name__)
            left = self.check(node.left, depth + 1)
            return _BinOp(symbol, left, self.check(node.right, depth + 1))
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        raise self.refuse(node, type(node).__name__)

    def number(self, node: ast.Constant) -> _Node:
        # bool is an int subclass, so True would otherwise pass as 1.
        numeric = isinstance(node.value, (int, float, complex))
        if isinstance(node.value, bool) or not numeric:
            raise self.refuse(node, "Constant")
        # Read the digits from the source: float(0.1) is not Decimal("0.1").
        literal = ast.get_source_segment(self.text, node) or ""
        if _LITERAL.fullmatch(literal) is None:
            raise FormulaError("bad_number", {"literal": literal})
        return _Num(Decimal(literal))

    def name(self, name: str) -> str:
        if name in FUNCTIONS:
            raise FormulaError("reserved_name", {"name": name})
        if _IDENTIFIER.fullmatch(name) is None:
            raise FormulaError("bad_identifier", {"name": name})
        self.references.add(name)
        return name

    def call(self, node: ast.Call, depth: int) -> _Node:
        if not isinstance(node.func, ast.Name):
            raise self.refuse(node.func, type(node.func).__name__)
        function = node.func.id
        if function not in FUNCTIONS:
            raise self.refuse(node, f"function {function}")
        if node.keywords:
            raise self.refuse(node.keywords[0], "keyword")
        args = tuple(self.check(arg, depth + 1) for arg in node.args)
        given = len(args)
        if (given != 1) if function == "abs" else (given < 2):
            raise FormulaError("bad_arguments", {"function": function, "given": given})
        return _Call(function, args)


def evaluate(formula: Formula, values: Mapping[str, Decimal | None]) -> Decimal | None:
    """Compute a formula from the values of the indicators it references.

    Missing data propagates: if any referenced value is absent from
    ``values`` or is ``None``, the result is ``None``. A division by zero
    also gives ``None``, because a ratio with a zero denominator (e.g. a
    per-capita figure for a region with no population data yet) has no value;
    that is a data gap to report, not an evaluation failure. Arithmetic uses
    28 significant digits, rounding half to even.

    Raises
    ------
    FormulaError
        ``not_finite`` if a value is NaN or infinite, ``overflow`` if the
        result exceeds what :mod:`decimal` can represent, or any error of
        :func:`parse` if ``formula`` was not built by it.

    Examples
    --------
    >>> f = parse("100 * DE_TOTAL / GDP")
    >>> evaluate(f, {"DE_TOTAL": Decimal("53.9"), "GDP": Decimal("126.06")})
    Decimal('42.75741710296684118673647469')
    >>> evaluate(f, {"DE_TOTAL": Decimal("53.9"), "GDP": None}) is None
    True
    >>> evaluate(f, {"DE_TOTAL": Decimal("1"), "GDP": Decimal("0")}) is None
    True
    """
    node, references = _compile(_normalise(formula.text))
    for code in sorted(references):
        value = values.get(code)
        if value is None:
            return None
        if not value.is_finite():
            raise FormulaError("not_finite", {"code": code, "value": str(value)})
    try:
        return _value(node, values)
    except _UndefinedError:
        return None
    except decimal.Overflow:
        raise FormulaError("overflow", {"text": formula.text}) from None


class _UndefinedError(Exception):
    """Internal signal that the result has no value (division by zero)."""


def _value(node: _Node, values: Mapping[str, Decimal | None]) -> Decimal:
    match node:
        case _Num(number):
            return number
        case _Ref(code):
            value = values[code]
            # evaluate() has checked every reference is present and finite.
            assert value is not None
            return value
        case _Neg(operand):
            return _CONTEXT.minus(_value(operand, values))
        case _BinOp(op, left_node, right_node):
            left, right = _value(left_node, values), _value(right_node, values)
            if op == "+":
                return _CONTEXT.add(left, right)
            if op == "-":
                return _CONTEXT.subtract(left, right)
            if op == "*":
                return _CONTEXT.multiply(left, right)
            if right.is_zero():
                raise _UndefinedError
            return _CONTEXT.divide(left, right)
        case _Call(function, arg_nodes):
            args = [_value(arg, values) for arg in arg_nodes]
            if function == "abs":
                return _CONTEXT.abs(args[0])
            # Applying the context like the operators do keeps rounding uniform.
            return _CONTEXT.plus(min(args) if function == "min" else max(args))
    raise AssertionError(f"unexpected node {node!r}")  # pragma: no cover


def check_references(formula: Formula, *, own_code: str, known_codes: Collection[str]) -> None:
    """Check that a formula only reads existing indicators other than its own.

    Raises
    ------
    FormulaError
        ``self_reference`` (with ``code``) or ``unknown_reference`` (with
        ``codes``, sorted).
    """
    if own_code in formula.references:
        raise FormulaError("self_reference", {"code": own_code})
    unknown = sorted(formula.references.difference(known_codes))
    if unknown:
        raise FormulaError("unknown_reference", {"codes": unknown})


def _dependencies(formulas: Mapping[str, Formula]) -> dict[str, list[str]]:
    """Map each computed code to the computed codes it reads, sorted.

    References to indicators without a formula are leaves and cannot take
    part in a cycle, so they are left out.
    """
    return {code: sorted(ref for ref in formula.references if ref in formulas) for code, formula in formulas.items()}


def find_cycle(formulas: Mapping[str, Formula]) -> list[str] | None:
    """Find a circular dependency between computed indicators.

    Parameters
    ----------
    formulas
        Computed indicator code -> its formula.

    Returns
    -------
    list[str] or None
        A cycle as a path that starts and ends with the same code, e.g.
        ``["A", "B", "A"]`` (``["A", "A"]`` for a self-reference), or
        ``None`` if there is none. The search is deterministic.
    """
    graph = _dependencies(formulas)
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        # Iterative DFS: the current path plus, per node, the next child index.
        path = [start]
        on_path = {start: 0}
        next_child = [0]
        while path:
            code = path[-1]
            children = graph[code]
            index = next_child[-1]
            if index == len(children):
                done.add(code)
                del on_path[code]
                path.pop()
                next_child.pop()
                continue
            next_child[-1] += 1
            child = children[index]
            if child in on_path:
                return [*path[on_path[child] :], child]
            if child not in done:
                on_path[child] = len(path)
                path.append(child)
                next_child.append(0)
    return None


def evaluation_order(formulas: Mapping[str, Formula]) -> list[str]:
    """Order computed indicators so that each comes after those it reads.

    Among indicators whose inputs are ready, codes come in sorted order, so
    the result is deterministic.

    Raises
    ------
    FormulaError
        ``cycle`` with the ``path`` found by :func:`find_cycle`.

    Examples
    --------
    >>> evaluation_order({"C": parse("A + B"), "A": parse("X * 2"), "B": parse("A")})
    ['A', 'B', 'C']
    """
    graph = _dependencies(formulas)
    waiting = {code: len(deps) for code, deps in graph.items()}
    readers: dict[str, set[str]] = {code: set() for code in graph}
    for code, deps in graph.items():
        for dep in deps:
            readers[dep].add(code)
    ready = [code for code, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        code = heapq.heappop(ready)
        order.append(code)
        for reader in readers[code]:
            waiting[reader] -= 1
            if waiting[reader] == 0:
                heapq.heappush(ready, reader)
    if len(order) < len(graph):
        path = find_cycle(formulas)
        raise FormulaError("cycle", {"path": path})
    return order
