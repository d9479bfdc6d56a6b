"""Every Chinese message the pages and models use has an English translation in the catalogue.

The message ids are Chinese (zh-Hans is the default), so a missing entry does not show on the
default pages but leaves Chinese on the English ones; this test finds such gaps.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "lantu"
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
TEMPLATE_TAG = re.compile(r"""\{%\s*translate\s+(["'])(.+?)\1""")
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "pgettext"}


def catalogue() -> dict[str, str]:
    """msgid → msgstr (fuzzy entries count as missing, as msgfmt does)."""
    entries: dict[str, str] = {}
    for block in CATALOGUE.read_text(encoding="utf-8").split("\n\n"):
        if "#, fuzzy" in block or "#~" in block:
            continue
        key: str | None = None
        parts: dict[str, list[str]] = {"msgid": [], "msgstr": []}
        for line in block.splitlines():
            if line.startswith(("msgid ", "msgstr ")):
                key = line.split(" ", 1)[0]
                line = line.split(" ", 1)[1]
            elif not line.startswith('"'):
                continue
            if key in parts:
                parts[key].append(ast.literal_eval(line))
        entries["".join(parts["msgid"])] = "".join(parts["msgstr"])
    return entries


def used_messages() -> dict[str, str]:
    """Message ids used by templates and Python modules, with where each is used first."""
    found: dict[str, str] = {}
    for path in sorted(ROOT.rglob("*.html")):
        for match in TEMPLATE_TAG.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group(2), str(path.relative_to(ROOT)))
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in GETTEXT_NAMES
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.setdefault(node.args[0].value, str(path.relative_to(ROOT)))
    return found


def test_every_message_has_an_english_translation() -> None:
    known = catalogue()
    missing = {msgid: where for msgid, where in used_messages().items() if not known.get(msgid)}
    assert missing == {}


def test_the_scan_finds_messages() -> None:
    used = used_messages()
    assert used["督办清单"].startswith("web/templates")
    assert "任务清单" in used
    assert catalogue()["督办清单"] == "Supervision list"
