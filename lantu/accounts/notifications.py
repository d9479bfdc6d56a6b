"""Notify users in the app and by e-mail, only once the change that caused it is committed."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction

from lantu.accounts.models import Notification


def notify(users: Iterable[User], subject: str, body: str = "", url: str = "") -> None:
    """Queue a notification for each user; rows and mails go out after the commit."""
    recipients = {u.pk: u for u in users if u.is_active}
    if not recipients:
        return

    def send() -> None:
        Notification.objects.bulk_create(
            Notification(user=u, subject=subject[:200], body=body, url=url) for u in recipients.values()
        )
        addresses = sorted(u.email for u in recipients.values() if u.email)
        if addresses:
            # A mail server being down must not undo or fail the approval that triggered it.
            send_mail(subject, f"{body}\n\n{url}".strip(), settings.DEFAULT_FROM_EMAIL, addresses, fail_silently=True)

    transaction.on_commit(send)
