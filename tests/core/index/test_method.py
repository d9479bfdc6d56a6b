"""The method file: ordered steps, a stable hash, and clear refusals of unknown steps and options."""

from __future__ import annotations

from pathlib import Path

import pytest

from lantu.core.index.method import STEPS, parse_method, read_method
from lantu.core.index.model import IndexInputError

EXAMPLE = """
version: 3            # the method's own version number
name: 数字化发展指数
steps:
  - denominate: {}
  - screen: {dat_thresh: 0.5}
  - impute: {method: group_mean, group: city}
  - treat: {skew: 2.0, kurtosis: 3.5, max_points: 5, fallback: log_ct}
  - normalise: {method: minmax, low: 0, high: 100}
  - weight: {method: manual}
  - aggregate: {method: arithmetic}
"""


def test_example_is_parsed_in_order_with_options() -> None:
    method = parse_method(EXAMPLE)
    assert method.version == 3
    assert method.name == "数字化发展指数"
    assert [s.name for s in method.steps] == list(STEPS)
    step = method.step("impute")
    assert step is not None
    assert step.options == {"method": "group_mean", "group": "city"}
    assert method.step("nothing") is None


def test_hash_ignores_comments_and_layout_but_not_options() -> None:
    a = parse_method(EXAMPLE)
    b = parse_method(
        EXAMPLE.replace("# the method's own version number", "").replace("{dat_thresh: 0.5}", "\n      dat_thresh: 0.5")
    )
    assert a.sha256 == b.sha256
    assert len(a.sha256) == 64
    assert parse_method(EXAMPLE.replace("0.5", "0.6")).sha256 != a.sha256
    assert parse_method(EXAMPLE.replace("version: 3", "version: 4")).sha256 != a.sha256


def test_written_method_reads_back_with_the_same_hash(tmp_path: Path) -> None:
    method = parse_method(EXAMPLE)
    path = tmp_path / "method.yaml"
    path.write_text(method.to_yaml(), encoding="utf-8")
    assert path.read_text(encoding="utf-8").startswith(f"# sha256: {method.sha256}\n")
    assert read_method(path).sha256 == method.sha256


def test_a_bare_step_name_means_default_options() -> None:
    method = parse_method("version: 1\nsteps: [normalise, aggregate]")
    assert [(s.name, dict(s.options)) for s in method.steps] == [("normalise", {}), ("aggregate", {})]


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("version: 1\nsteps: [normalize]", "unknown_step", {"step": "normalize"}),
        (
            "version: 1\nsteps: [{normalise: {metod: zscore}}]",
            "unknown_option",
            {"step": "normalise", "option": "metod"},
        ),
        ("version: 1\nsteps: [{treat: {winmax: 3}}]", "unknown_option", {"step": "treat", "option": "winmax"}),
        (
            "version: 1\nsteps: [{aggregate: {weights: 1}}]",
            "unknown_option",
            {"step": "aggregate", "option": "weights"},
        ),
        ("version: 1\nsteps: [{normalise: [1, 2]}]", "bad_option", {"step": "normalise"}),
    ],
)
def test_unknown_steps_and_options_are_refused_by_name(text: str, code: str, params: dict[str, str]) -> None:
    with pytest.raises(IndexInputError) as excinfo:
        parse_method(text)
    assert excinfo.value.code == code
    for key, value in params.items():
        assert excinfo.value.params[key] == value


def test_unknown_step_message_lists_the_known_steps() -> None:
    with pytest.raises(IndexInputError) as excinfo:
        parse_method("version: 1\nsteps: [pca]")
    assert (
        excinfo.value.message_zh
        == "方法中没有“pca”这一步骤（可用：denominate、screen、impute、treat、normalise、weight、aggregate）"
    )
    assert "the method has no step pca" in excinfo.value.message_en


@pytest.mark.parametrize(
    "text",
    [
        "version: one\nsteps: [normalise]",
        "steps: [normalise]",
        "version: 1\nsteps: []",
        "version: 1\nsteps: [aggregate, normalise]",
        "version: 1\nsteps: [normalise, normalise]",
        "version: 1\nauthor: me\nsteps: [normalise]",
        "version: 1\nsteps: [normalise\n",
        "- just a list",
    ],
)
def test_malformed_method_files_are_refused(text: str) -> None:
    with pytest.raises(IndexInputError) as excinfo:
        parse_method(text)
    assert excinfo.value.code == "method_file"
