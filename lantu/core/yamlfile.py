"""Read a YAML data file against a pydantic schema; every problem names its place in the file.

The loaders of the default programme, its task list and its project list all read their files
this way, so a typo in any of them is reported the same way: ``areas.0.code`` for a schema
problem, the line number for a YAML syntax error.
"""

from __future__ import annotations

from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from lantu.core.problems import InvalidInput, Problem

Schema = TypeVar("Schema", bound=BaseModel)


def parse_yaml(schema: type[Schema], text: str) -> Schema:
    """Parse ``text`` and check it against ``schema``.

    >>> from pydantic import BaseModel
    >>> class F(BaseModel):
    ...     code: str
    >>> parse_yaml(F, "code: DZJ").code
    'DZJ'
    >>> try:
    ...     parse_yaml(F, "name: x")
    ... except InvalidInput as exc:
    ...     print(exc.problems[0].field)
    code
    """
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise InvalidInput.one("yaml", f"YAML 语法错误：{exc}", f"YAML syntax error: {exc}", row) from exc
    try:
        return schema.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(
            [Problem(".".join(str(p) for p in err["loc"]), err["msg"], err["msg"]) for err in exc.errors()]
        ) from exc
