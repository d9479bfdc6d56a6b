"""An assessment's framework: META rows (JSON) checked into an engine :class:`Tree`, and where each
indicator's data comes from.

A META row is ``{code, name, parent, weight, direction, level}`` as in ``lantu index build``, and an
indicator row (level 1) also names its ``source`` — one of this vocabulary:

=====================  ===========================================================================
``value:CODE``         the unit's value of indicator CODE in the year (reported value, else the
                       stored aggregate; approved basis)
``growth:CODE``        the change of that value against the previous year, in per cent
``progress:CODE``      progress to the unit's own target for CODE, in per cent of the threshold
                       (capped at 100; units without a target have no value)
``tasks:on_time``      the share (%) of milestones of the tasks the unit (or a unit below it, or the
                       department) leads that fell due in the year and were done by their due date
``rubric:CODE``        the mean accepted evaluator score of rubric item CODE for the unit
=====================  ===========================================================================

Pure: no database; the assembly module resolves the codes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lantu.core.index.model import IndexInputError, Node, Tree
from lantu.core.problems import InvalidInput, Problem

SOURCE_KINDS = ("value", "growth", "progress", "tasks", "rubric")
_SOURCE = re.compile(r"^(value|growth|progress|tasks|rubric):([A-Za-z0-9_\-]+)$")
_CODE = re.compile(r"^[A-Za-z0-9_\-]+$")


@dataclass(frozen=True)
class Source:
    kind: str  # one of SOURCE_KINDS
    code: str  # indicator code, "on_time" or rubric item code

    def __str__(self) -> str:
        return f"{self.kind}:{self.code}"


def parse_source(text: str) -> Source | None:
    """``"growth:DE_TOTAL"`` → ``Source("growth", "DE_TOTAL")``; None when it is not in the vocabulary.

    >>> parse_source("growth:DE_TOTAL")
    Source(kind='growth', code='DE_TOTAL')
    >>> parse_source("tasks:late") is None
    True
    """
    match = _SOURCE.match(text.strip())
    if match is None:
        return None
    kind, code = match.groups()
    if kind == "tasks" and code != "on_time":
        return None
    return Source(kind, code)


@dataclass(frozen=True)
class Framework:
    tree: Tree
    sources: Mapping[str, Source]  # indicator code → source
    names: Mapping[str, str]

    def rubric_codes(self) -> dict[str, str]:
        """Rubric item code → the indicator code (META row) it feeds."""
        return {s.code: code for code, s in self.sources.items() if s.kind == "rubric"}


def _number(row: Mapping[str, Any], key: str, index: int, default: float | None = None) -> tuple[float, Problem | None]:
    raw = row.get(key, default)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return math.nan, Problem(
            key, f"“{row.get('code', '')}”的{key}不是数字：{raw}", f"{key} is not a number: {raw}", index
        )
    return value, None


def parse_meta(rows: Sequence[Mapping[str, Any]]) -> Framework:
    """Check META rows and build the tree; every row problem at once, then the tree's own rules.

    Raises :class:`InvalidInput` whose problems name the row, the code and the rule.
    """
    problems: list[Problem] = []
    nodes: list[Node] = []
    sources: dict[str, Source] = {}
    if not rows:
        raise InvalidInput.one("meta", "指标体系为空", "the framework has no rows")
    for index, row in enumerate(rows, start=1):
        code = str(row.get("code") or "").strip()
        if not _CODE.match(code):
            problems.append(
                Problem("code", f"代码“{code}”无效（只能用字母、数字、_、-）", f"invalid code {code!r}", index)
            )
            continue
        weight, p1 = _number(row, "weight", index, 1.0)
        direction, p2 = _number(row, "direction", index, 1.0)
        level, p3 = _number(row, "level", index)
        bad = [p for p in (p1, p2, p3) if p is not None]
        problems.extend(bad)
        if bad:
            continue
        parent = str(row.get("parent") or "").strip() or None
        node = Node(code, str(row.get("name") or code), parent, weight, int(direction), int(level))
        nodes.append(node)
        source_text = str(row.get("source") or "").strip()
        if node.level == 1:
            source = parse_source(source_text)
            if source is None:
                problems.append(
                    Problem(
                        "source",
                        f"指标“{code}”的数据来源“{source_text}”无效，应为 value:指标代码、growth:指标代码、"
                        "progress:指标代码、tasks:on_time 或 rubric:评分项代码",
                        f"the source {source_text!r} of indicator {code} is not one of value:CODE, growth:CODE, "
                        "progress:CODE, tasks:on_time, rubric:CODE",
                        index,
                    )
                )
            else:
                sources[code] = source
        elif source_text:
            problems.append(
                Problem(
                    "source",
                    f"“{code}”不是指标（层级{node.level}），不能有数据来源",
                    f"{code} is not an indicator",
                    index,
                )
            )
    if problems:
        raise InvalidInput(problems)
    try:
        tree = Tree.build(nodes)
    except IndexInputError as exc:
        raise InvalidInput.one("meta", exc.message_zh, exc.message_en) from exc
    rubric = [s.code for s in sources.values() if s.kind == "rubric"]
    twice = sorted({c for c in rubric if rubric.count(c) > 1})
    if twice:
        raise InvalidInput.one(
            "source",
            f"评分项{'、'.join(twice)}被多个指标引用",
            f"rubric items used by several rows: {', '.join(twice)}",
        )
    return Framework(tree, sources, {n.code: n.name for n in nodes})


def prune(tree: Tree, drop: Sequence[str]) -> Tree:
    """The tree without some indicators, and without any aggregate left with no children.

    >>> t = parse_meta([
    ...     {"code": "I", "level": 3}, {"code": "P", "parent": "I", "level": 2},
    ...     {"code": "Q", "parent": "I", "level": 2},
    ...     {"code": "a", "parent": "P", "level": 1, "source": "value:A"},
    ...     {"code": "b", "parent": "Q", "level": 1, "source": "value:B"},
    ... ]).tree
    >>> prune(t, ["b"]).order
    ('I', 'P', 'a')
    """
    dropped = set(drop)
    while True:
        empty = [
            c
            for c in tree.order
            if c not in dropped
            and tree.nodes[c].level > 1
            and c != tree.root
            and all(k in dropped for k in tree.children(c))
        ]
        if not empty:
            break
        dropped.update(empty)
    if all(k in dropped for k in tree.children(tree.root)):
        raise InvalidInput.one("meta", "没有任何指标有足够数据，无法计算", "no indicator has enough data to compute")
    # Drop the leaves first so that no aggregate is ever left without children part-way.
    kept = [tree.nodes[c] for c in tree.order if c not in dropped]
    return Tree.build(kept)
