"""Roles are scoped to a unit and its descendants, or to a department; one helper filters."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from lantu.accounts.permissions import has_perm, scope_queryset
from lantu.accounts.services import revoke_role
from lantu.orgunits.models import NEWEST_FIRST, Department, OrgUnit

pytestmark = pytest.mark.django_db


def unit(code: str) -> OrgUnit:
    return OrgUnit.objects.filter(code=code).order_by(*NEWEST_FIRST).first()  # type: ignore[return-value]


def test_unit_scope_covers_descendants_only(city_approver: Any) -> None:
    assert has_perm(city_approver, "values.approve", org_unit=unit("330100"))
    assert has_perm(city_approver, "values.approve", org_unit=unit("330106"))
    assert has_perm(city_approver, "values.approve", org_unit=OrgUnit.objects.get(code="330104"))  # 江干区, gone
    assert not has_perm(city_approver, "values.approve", org_unit=unit("330200"))
    assert not has_perm(city_approver, "values.approve", org_unit=unit("330000"))


def test_role_gives_only_its_permissions(county_reporter: Any) -> None:
    assert has_perm(county_reporter, "values.report", org_unit=unit("330106"))
    assert not has_perm(county_reporter, "values.approve", org_unit=unit("330106"))
    assert not has_perm(county_reporter, "framework.manage")


def test_department_scope(make_user: Any) -> None:
    reporter = make_user("dsj", "department_reporter", department="DSJ")
    assert has_perm(reporter, "values.report", department=Department.objects.get(code="DSJ"))
    assert not has_perm(reporter, "values.report", department=Department.objects.get(code="TJJ"))
    assert not has_perm(reporter, "values.report", org_unit=unit("330000"))


def test_anonymous_and_outsider_have_nothing(outsider: Any) -> None:
    for actor in (AnonymousUser(), outsider):
        assert not has_perm(actor, "values.read", org_unit=unit("330106"))


def test_unscoped_roles_see_everything(leader: Any) -> None:
    assert has_perm(leader, "values.read", org_unit=unit("330106"))
    assert not has_perm(leader, "values.report", org_unit=unit("330106"))


def test_scope_queryset_filters_by_path(city_approver: Any, county_reporter: Any, leader: Any) -> None:
    from lantu.accounts.models import RoleAssignment

    units = OrgUnit.objects.all()
    hangzhou = scope_queryset(RoleAssignment.objects.all(), city_approver, "values.read")
    assert {a.org_unit.code for a in hangzhou if a.org_unit} == {"330100", "330106"}
    xihu = scope_queryset(RoleAssignment.objects.all(), county_reporter, "values.read")
    assert {a.org_unit.code for a in xihu if a.org_unit} == {"330106"}
    everything = scope_queryset(RoleAssignment.objects.all(), leader, "values.read")
    assert everything.count() == RoleAssignment.objects.count()
    assert scope_queryset(units, county_reporter, "values.read", unit_field=None).count() == 0


def test_revoked_role_no_longer_counts(county_reporter: Any, system: Any) -> None:
    assignment = county_reporter.role_assignments.get()
    revoke_role(system, assignment.pk, reason="调岗")
    assert not has_perm(county_reporter, "values.report", org_unit=unit("330106"))
