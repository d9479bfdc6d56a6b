"""Password rules apply on every path that sets a password: services, the admin, its forms.

Demo personas are created with ``check_password=False`` on purpose: their shared password
``lantu-demo`` is printed by ``lantu demo`` and only exists in demo databases.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from lantu.accounts.models import AuditEvent
from lantu.accounts.service import InvalidInput
from lantu.accounts.services import create_user, set_user_password

pytestmark = pytest.mark.django_db
STRONG = "Correct-Horse-Battery-42"
WEAK = ["12345678", "password", "short", "pw_user_x"]  # numeric, common, too short, like the name


@pytest.mark.parametrize("weak", WEAK)
def test_services_refuse_weak_passwords(system: Any, make_user: Any, weak: str) -> None:
    with pytest.raises(InvalidInput) as info:
        create_user(system, "pw_user_x", weak)
    assert {p.field for p in info.value.problems} == {"password"}
    make_user("pw_user_x")
    with pytest.raises(InvalidInput):
        set_user_password(system, "pw_user_x", weak)


def test_demo_users_may_have_the_demo_password(system: Any) -> None:
    user = create_user(system, "demo_person", "lantu-demo", check_password=False)
    assert user.check_password("lantu-demo")


@pytest.fixture
def office(make_user: Any) -> Client:
    user = make_user("pw_office", "programme_admin")
    get_user_model().objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_refuses_a_weak_password_for_a_new_user(office: Client) -> None:
    response = office.post(
        "/admin/auth/user/add/", {"username": "pw_new", "password1": "12345678", "password2": "12345678"}
    )
    assert response.status_code == 200  # the form again, with the error
    assert not get_user_model().objects.filter(username="pw_new").exists()


def test_the_admins_password_change_is_validated_and_audited(office: Client, make_user: Any) -> None:
    target = make_user("pw_target")
    url = f"/admin/auth/user/{target.pk}/password/"
    page = office.get(url)
    assert page.status_code == 200
    assert 'name="usable_password"' not in page.content.decode()  # no unaudited "disable password" option
    weak = office.post(url, {"password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 200
    target.refresh_from_db()
    assert not target.check_password("12345678")
    ok = office.post(url, {"password1": STRONG, "password2": STRONG})
    assert ok.status_code == 302
    target.refresh_from_db()
    assert target.check_password(STRONG)
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None
    assert (event.action, event.actor_label, event.object_id) == ("accounts.user.password", "pw_office", str(target.pk))
