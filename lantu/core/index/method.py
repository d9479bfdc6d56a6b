"""The method file (METHOD.yaml): which steps a build runs, with which options, under which version.

A method is versioned: its ``version`` number and the SHA-256 of its canonical form are stored
with every result, so a published score can always be traced to the exact method that made it.
The hash is taken over the canonical JSON of ``name``, ``version`` and the steps with their
options (keys sorted), so comments, key order and spacing in the YAML do not change it.

Complete example (every option shown is optional; the values shown are the defaults unless
marked)::

    version: 3                 # the method's own version number (integer, required)
    name: 数字化发展指数        # shown with the results
    steps:
      - denominate: {}         # divide by the META ``denominator`` column (see denominate.py)
      - screen:                # drop units with too little data (see screen.py)
          unit_screen: byNA    # byNA | byzeros | byNAandzeros
          dat_thresh: 0.6667   # COINr's default 2/3; units below are dropped (listed in notes)
      - impute:                # fill missing values (see impute.py)
          method: group_mean   # mean | median | group_mean | group_median | unit_mean |
                               # unit_median | latest | constant | linear | linear_constant | none
          group: city          # a DATA group column (for group_*; example value)
      - treat:                 # outliers (see treat.py): COINr's default procedure
          method: winsorise    # winsorise (then log if still failing) | none
          skew: 2.0
          kurtosis: 3.5
          max_points: 5
          fallback: log_ct     # log_ct | log_ct_plus | log_ct_orig | boxcox | none
      - normalise: {method: minmax, low: 0, high: 100}   # see normalise.py
      - weight: {method: manual}                          # manual | equal | pca | budget | optimise
      - aggregate: {method: arithmetic}                   # arithmetic | geometric | harmonic |
                                                          # genmean (p) | copeland; dat_thresh

A step may also be written as a bare name (``- normalise``). Steps run in the order
denominate → screen → impute → treat → normalise → weight → aggregate; each at most once, and
they must be listed in that order. ``normalise``, ``weight`` and ``aggregate`` run with their
defaults when they are not listed (the build notes say so); the other steps run only when listed.
A step name the engine does not know, or an option a step does not know, is refused naming it.

>>> method = parse_method("version: 2\\nname: 示例\\nsteps:\\n  - normalise: {method: zscore}\\n")
>>> method.version, [s.name for s in method.steps]
(2, ['normalise'])
>>> method.sha256 == parse_method("name: 示例\\nversion: 2\\nsteps: [{normalise: {method: zscore}}]").sha256
True
>>> parse_method("version: 1\\nsteps: [normalize]")
Traceback (most recent call last):
...
lantu.core.index.model.IndexInputError: 方法中没有“normalize”这一步骤（可用：denominate、screen、impute、treat、normalise、weight、aggregate）
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lantu.core.index import denominate, impute, normalise, screen, treat
from lantu.core.index.model import IndexInputError
from lantu.core.index.steps import check_options

__all__ = ["AGGREGATE_OPTIONS", "STEPS", "Method", "Step", "parse_method", "read_method"]

STEPS = ("denominate", "screen", "impute", "treat", "normalise", "weight", "aggregate")
AGGREGATE_OPTIONS = ("method", "p", "dat_thresh")
_OPTIONS: Mapping[str, tuple[str, ...]] = {
    "denominate": denominate.OPTIONS,
    "screen": screen.OPTIONS,
    "impute": impute.OPTIONS,
    "treat": treat.OPTIONS,
    "normalise": normalise.OPTIONS,
    "aggregate": AGGREGATE_OPTIONS,
}
_TOP = ("version", "name", "description", "steps")


@dataclass(frozen=True)
class Step:
    """One step of a method: its name and options (as written in the file)."""

    name: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Method:
    """An ordered list of steps with the method's version; see the module doc."""

    version: int
    steps: tuple[Step, ...]
    name: str = ""
    description: str = ""

    def step(self, name: str) -> Step | None:
        """The step called ``name``, or ``None`` when the method does not list it."""
        return next((s for s in self.steps if s.name == name), None)

    def canonical(self) -> str:
        """The canonical JSON the hash is taken over (keys sorted, no spaces)."""
        body = {
            "name": self.name,
            "version": self.version,
            "steps": [{s.name: dict(s.options)} for s in self.steps],
        }
        return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.canonical().encode("utf-8")).hexdigest()

    def to_yaml(self) -> str:
        """The method as YAML with its hash in a header comment (what a build writes as used)."""
        body: dict[str, Any] = {"version": self.version}
        if self.name:
            body["name"] = self.name
        if self.description:
            body["description"] = self.description
        body["steps"] = [{s.name: _plain(s.options)} for s in self.steps]
        text = yaml.safe_dump(body, allow_unicode=True, sort_keys=False, default_flow_style=False)
        return f"# sha256: {self.sha256}\n# (SHA-256 of the canonical JSON form of this method)\n{text}"


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _error(reason: str) -> IndexInputError:
    return IndexInputError("method_file", {"reason": reason})


def parse_method(text: str) -> Method:
    """Parse and check a method (YAML text); see the module doc."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "YAML"
        raise _error(f"{where}: {getattr(exc, 'problem', None) or 'not YAML'}") from exc
    if not isinstance(data, Mapping):
        raise _error("not a mapping")
    for key in data:
        if key not in _TOP:
            raise _error(f"unknown key {key}")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise _error("version must be a whole number")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise _error("steps must be a non-empty list")
    steps: list[Step] = []
    options: Any
    for entry in raw_steps:
        if isinstance(entry, str):
            name, options = entry, {}
        elif isinstance(entry, Mapping) and len(entry) == 1:
            name, options = next(iter(entry.items()))
            options = {} if options is None else options
        else:
            raise _error(f"each step is a name or one {{name: options}}: {entry!r}"[:80])
        name = str(name)
        if name not in STEPS:
            raise IndexInputError("unknown_step", {"step": name, "known": STEPS})
        if not isinstance(options, Mapping):
            raise IndexInputError("bad_option", {"step": name, "option": "—", "reason": "options must be a mapping"})
        if name in _OPTIONS:
            check_options(name, options, _OPTIONS[name])
        steps.append(Step(name, {str(k): v for k, v in options.items()}))
    order = [STEPS.index(s.name) for s in steps]
    if len(set(order)) != len(order):
        raise _error("a step is listed twice")
    if order != sorted(order):
        raise _error("steps must follow the order " + " → ".join(STEPS))
    return Method(
        version=version,
        steps=tuple(steps),
        name=str(data.get("name") or ""),
        description=str(data.get("description") or ""),
    )


def read_method(path: Path | str) -> Method:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexInputError("csv_unreadable", {"file": path.name, "reason": type(exc).__name__}) from exc
    return parse_method(text)
