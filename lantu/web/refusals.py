"""A service's refusal for want of permission answers a page as it answers the API.

Pages keep bad input (``InvalidInput``) and a lost race (``Conflict``) on the form, with the
messages beside the fields. A refusal of the *actor* is not a form error: ``NotFound`` (the actor
may not know the object, e.g. another unit's record) answers 404 and ``PermissionDeniedError`` (the
actor sees the object but may not act on it) answers 403, the same statuses as the API.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from lantu.accounts.service import NotFound, PermissionDeniedError


def raise_if_denied(exc: Exception) -> None:
    """Re-raise a permission refusal as 404/403; return for any other refusal."""
    if isinstance(exc, PermissionDeniedError):
        raise PermissionDenied(str(exc)) from exc
    if isinstance(exc, NotFound):
        raise Http404(str(exc)) from exc
