"""Who stands where in a sharing request: its requester and its owner.

Plain predicates over :func:`lantu.accounts.permissions.has_perm`, shared by the services (which
enforce them) and the selectors (which show only what they allow).
"""

from __future__ import annotations

from lantu.accounts.permissions import Actor, has_perm, user_of
from lantu.orgunits.models import Department
from lantu.sharing.models import ShareRequest, ShareToken


def is_owner(actor: Actor, publisher: Department) -> bool:
    """Whether the actor decides requests for the publisher's datasets (its approver, or the office)."""
    return has_perm(actor, "values.approve", department=publisher) or has_perm(actor, "framework.manage")


def is_requester(actor: Actor, request: ShareRequest) -> bool:
    user = user_of(actor)
    return user is not None and user.pk == request.requester_id


def may_revoke(actor: Actor, token: ShareToken) -> bool:
    """The requester, the owner, or the office (an unscoped programme admin is an owner of all)."""
    return is_requester(actor, token.request) or is_owner(actor, token.request.publisher)
