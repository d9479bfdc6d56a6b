"""Load the org-unit reference file (``data/zhejiang_org_units.csv``) through the services.

The file's provenance is in ``data/PROVENANCE.md``. Loading is all-or-nothing: every row is
checked, every problem is reported with its row number, and nothing is kept if any fails.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

from lantu.accounts.permissions import Actor
from lantu.accounts.service import InvalidInput, Problem, service
from lantu.orgunits.models import LEVEL_DEPTH, Level
from lantu.orgunits.services import OrgUnitSpec, create_org_unit, link_successors

DATA_FILE = Path(__file__).parent / "data" / "zhejiang_org_units.csv"
COLUMNS = (
    "key",
    "code",
    "name_zh",
    "name_en",
    "level",
    "kind",
    "parent_key",
    "valid_from",
    "valid_to",
    "successors",
    "change_note",
    "source",
)


def _date(text: str, row: int, column: str, problems: list[Problem]) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        problems.append(Problem(column, f"日期“{text}”格式应为YYYY-MM-DD", f"{text!r} is not a YYYY-MM-DD date", row))
        return None


def read_org_unit_rows(lines: Iterable[str]) -> list[tuple[int, OrgUnitSpec]]:
    """Parse the CSV into specs with their row numbers (the header is row 1)."""
    reader = csv.DictReader(lines)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput.one("header", f"缺少列：{'、'.join(missing)}", f"missing columns: {', '.join(missing)}", 1)
    problems: list[Problem] = []
    specs: list[tuple[int, OrgUnitSpec]] = []
    for row_number, row in enumerate(reader, start=2):
        spec = OrgUnitSpec(
            key=row["key"].strip(),
            code=row["code"].strip(),
            name_zh=row["name_zh"].strip(),
            name_en=row["name_en"].strip(),
            level=row["level"].strip(),
            kind=row["kind"].strip(),
            parent_key=row["parent_key"].strip() or None,
            valid_from=_date(row["valid_from"], row_number, "valid_from", problems),
            valid_to=_date(row["valid_to"], row_number, "valid_to", problems),
            change_note=row["change_note"].strip(),
            source=row["source"].strip(),
            successor_keys=tuple(k.strip() for k in row["successors"].split(";") if k.strip()),
        )
        specs.append((row_number, spec))
    if problems:
        raise InvalidInput(problems)
    return specs


def _depth(spec: OrgUnitSpec) -> int:
    return LEVEL_DEPTH.get(Level(spec.level), 9) if spec.level in Level.values else 9


@service("orgunits.manage")
def load_org_units(actor: Actor, path: Path = DATA_FILE, *, progress: Callable[[int], None] | None = None) -> int:
    """Create every unit in ``path`` and link successors; return the number of units."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = read_org_unit_rows(handle)
    problems: list[Problem] = []
    # Parents first, so that each row can find its parent in the database.
    for row_number, spec in sorted(rows, key=lambda item: (_depth(item[1]), item[0])):
        try:
            create_org_unit(actor, spec, row=row_number)
        except InvalidInput as exc:
            problems.extend(exc.problems)
        if progress:
            progress(1)
    if not problems:
        for row_number, spec in rows:
            if spec.successor_keys:
                try:
                    link_successors(actor, spec.key, list(spec.successor_keys), row=row_number)
                except InvalidInput as exc:
                    problems.extend(exc.problems)
    if problems:
        raise InvalidInput(sorted(problems, key=lambda p: (p.row or 0, p.field)))
    return len(rows)
