"""The login page: Django's LoginView, answering 429 with a clear message while logins are throttled.

The refusal itself is in the authentication backend (:mod:`lantu.accounts.throttle`), so the
admin's login is throttled too; this view only tells the person why and for how long.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from lantu.accounts import throttle


class LoginView(auth_views.LoginView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = str(request.POST.get("username", ""))
        if throttle.is_locked(username, throttle.client_ip(request)):
            context = self.get_context_data(
                form=self.get_form_class()(request),
                throttled_minutes=max(1, settings.LOGIN_LOCKOUT_SECONDS // 60),
            )
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)
