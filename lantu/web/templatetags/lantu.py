"""Template helpers: pick the name in the page's language."""

from __future__ import annotations

from django import template
from django.utils import translation

register = template.Library()


@register.filter
def loc(obj: object, field: str = "name") -> str:
    """``{{ area|loc }}`` → ``area.name_en`` on English pages, ``area.name_zh`` otherwise."""
    english = (translation.get_language() or "").startswith("en")
    value = getattr(obj, f"{field}_{'en' if english else 'zh'}", "") or getattr(obj, f"{field}_zh", "")
    return str(value)
