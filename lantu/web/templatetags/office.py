"""``{% load office %}``: whether to offer the programme office's pages in the navigation."""

from __future__ import annotations

from typing import Any

from django import template

from lantu.accounts.permissions import has_perm

register = template.Library()


@register.filter
def may_publish(user: Any) -> bool:
    """True for those the publishing services let act (the office pages answer 404 to the rest)."""
    return bool(user.is_authenticated) and has_perm(user, "framework.manage")
