"""The admin site: every page opens, writes go through the services, nothing can be deleted."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission, User
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from lantu.accounts.models import AuditEvent
from lantu.accounts.permissions import SystemActor
from lantu.accounts.services import assign_role, create_user
from lantu.framework.models import Area, Goal, Indicator, IndicatorVersion, Target
from lantu.framework.services import set_baseline
from lantu.monitoring.models import DataValue
from lantu.monitoring.services import ValueEntry, record_values
from lantu.orgunits.models import OrgUnit

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

#: Models whose admin has no create(): their add page must be refused.
NO_ADD = frozenset(
    {
        "accounts.auditevent",
        "accounts.notification",
        "accounts.apitoken",
        "framework.indicatorversion",
        "monitoring.datavalue",
        "monitoring.valuestate",
        "monitoring.approvalevent",
        "monitoring.aggregate",
        "tasks.task",
        "tasks.taskmilestone",
        "tasks.progressreport",
        "tasks.evidence",
        "projects.majorproject",
        "projects.investmentreport",
        "projects.projectmilestone",
        "policies.policy",
        "policies.policymeasure",
    }
)


@pytest.fixture
def superuser(client: Client) -> User:
    """A superuser, logged in on ``client``."""
    user = create_user(SystemActor("system:test"), "root", "x", is_superuser=True, check_password=False)
    assert isinstance(user, User)
    client.force_login(user)
    return user


def _registered() -> list[tuple[type[Model], str, str]]:
    return [(m, m._meta.app_label, m._meta.model_name or "") for m in admin.site._registry]


def _url(app_label: str, model_name: str, view: str, *args: Any) -> str:
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def _form_data(response: Response) -> dict[str, Any]:
    """The POST a browser would send for an admin form left as rendered (main form and inlines)."""
    context = response.context
    data: dict[str, Any] = {}

    def add(form: Any) -> None:
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif value is None:
                data[key] = ""
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif hasattr(field, "prepare_value"):
                prepared = field.prepare_value(value)
                data[key] = "" if prepared is None else str(prepared)
            else:
                data[key] = str(value)

    add(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def _messages(response: Response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# ---------------------------------------------------------------- every page opens


def test_admin_index_in_chinese(client: Client, superuser: User) -> None:
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("蓝图 Lantu 管理后台", "行政区划", "指标", "目标值", "审计"):
        assert text in page, text


def test_every_changelist_and_add_page_opens(client: Client, superuser: User) -> None:
    registered = _registered()
    assert {f"{app}.{name}" for _, app, name in registered} >= NO_ADD
    for _model, app_label, model_name in registered:
        label = f"{app_label}.{model_name}"
        response = client.get(_url(app_label, model_name, "changelist"))
        assert response.status_code == 200, label
        response = client.get(_url(app_label, model_name, "add"))
        assert response.status_code == (403 if label in NO_ADD else 200), label


def test_every_change_page_opens(client: Client, superuser: User, make_user: Callable[..., Any]) -> None:
    system = SystemActor("system:test")
    # Rows for the models the session fixture leaves empty.
    make_user("somebody")
    assign_role(system, "somebody", "unit_reporter", org_unit_code="330106")
    set_baseline(system, "DE_TOTAL", "330000", 2017, Decimal(20000), "亿元", reason="测试")
    record_values(system, [ValueEntry("GDP", "330106", "2022", Decimal(1))], demo=True)

    opened = []
    for model, app_label, model_name in _registered():
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        response = client.get(_url(app_label, model_name, "change", quote(obj.pk)))
        assert response.status_code == 200, model_name
        opened.append(f"{app_label}.{model_name}")
    assert {
        "accounts.roleassignment",
        "framework.baseline",
        "framework.target",
        "monitoring.datavalue",
        "monitoring.valuestate",
        "monitoring.approvalevent",
        "monitoring.aggregate",
        "orgunits.orgunit",
    } <= set(opened)


@pytest.mark.parametrize(
    ("model", "editable"),
    [(AuditEvent, False), (IndicatorVersion, False), (DataValue, False), (Target, False), (OrgUnit, True)],
)
def test_change_page_is_read_only_where_no_change_service(
    client: Client, superuser: User, model: type[Model], editable: bool
) -> None:
    system = SystemActor("system:test")
    record_values(system, [ValueEntry("GDP", "330106", "2022", Decimal(1))], demo=True)
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None
    url = _url(model._meta.app_label, model._meta.model_name or "", "change", quote(obj.pk))
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    # Only the fields a change service handles are inputs; the rest are shown read-only.
    assert bool(form.fields) is editable
    if not editable:
        assert client.post(url, {"_save": "保存"}).status_code == 403


@pytest.mark.parametrize("model", [IndicatorVersion, DataValue, Target])
def test_read_only_change_page_offers_no_save_button(client: Client, superuser: User, model: type[Model]) -> None:
    record_values(SystemActor("system:test"), [ValueEntry("GDP", "330106", "2022", Decimal(1))], demo=True)
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None
    page = client.get(_url(model._meta.app_label, model._meta.model_name or "", "change", quote(obj.pk)))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


# ---------------------------------------------------------------- targets go through set_target


def _target_post(client: Client, **overrides: Any) -> Response:
    data = {
        "indicator": str(Indicator.objects.get(code="DE_TOTAL").pk),
        "org_unit": str(OrgUnit.objects.get(code="330000").pk),
        "year": "2022",
        "comparator": ">=",
        "value": "5",
        "unit": "万亿元",
        "baseline_multiple": "",
        "baseline_year": "",
        "source_text": "",
        "reason": "测试",
        "_save": "保存",
    }
    data.update(overrides)
    return client.post(reverse("admin:framework_target_add"), data)


def _de_total_targets() -> Any:
    return Target.objects.filter(indicator__code="DE_TOTAL", org_unit__code="330000", year=2022)


def test_add_target_goes_through_service(client: Client, superuser: User) -> None:
    assert list(_de_total_targets().values_list("version", flat=True)) == [1]
    audits_before = AuditEvent.objects.filter(action="framework.target.set").count()

    response = _target_post(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:framework_target_changelist")
    new = _de_total_targets().get(version=2)
    assert new.value == Decimal(5)
    assert new.unit == "万亿元"
    assert new.comparator == ">="
    assert new.baseline_multiple is None
    assert new.reason == "测试"
    assert new.created_by == superuser
    assert new.actor_label == "root"
    assert _de_total_targets().count() == 2  # version 1 kept, nothing else written
    event = AuditEvent.objects.filter(action="framework.target.set").latest("pk")
    assert AuditEvent.objects.filter(action="framework.target.set").count() == audits_before + 1
    assert event.actor == superuser
    assert event.object_id == str(new.pk)
    assert event.reason == "测试"
    assert event.after is not None
    assert event.after["version"] == 2


def test_add_target_refused_by_service_writes_nothing(client: Client, superuser: User) -> None:
    targets = Target.objects.count()
    audits = AuditEvent.objects.count()

    response = _target_post(client, value="", unit="")

    assert response.status_code == 302
    add_url = reverse("admin:framework_target_add")
    assert response["Location"] == add_url
    assert Target.objects.count() == targets
    assert AuditEvent.objects.count() == audits
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "目标需要目标值或基期倍数" in page.content.decode()
    assert any("目标需要目标值或基期倍数" in m for m in _messages(page))


def test_add_target_form_error_stays_on_form(client: Client, superuser: User) -> None:
    targets = Target.objects.count()
    response = _target_post(client, comparator="~")
    assert response.status_code == 200  # the form's own validation: the page is shown again
    assert response.context["adminform"].form.errors["comparator"]
    assert Target.objects.count() == targets


def test_admin_add_needs_the_service_permission(client: Client) -> None:
    """A staff user with Django's add permission but no framework role: the service refuses the write."""
    user = create_user(SystemActor("system:test"), "staffer", "x", is_staff=True, check_password=False)
    assert isinstance(user, User)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["add_target", "view_target"]))
    client.force_login(user)
    targets = Target.objects.count()
    response = _target_post(client)
    assert response.status_code == 302
    assert Target.objects.count() == targets
    messages = _messages(client.get(response["Location"]))
    assert any("framework.manage" in m for m in messages), messages


# ---------------------------------------------------------------- indicators: versioned, with a reason


def _indicator_change(client: Client, indicator: Indicator, **changes: str) -> Response:
    url = reverse("admin:framework_indicator_change", args=[indicator.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="versions-TOTAL_FORMS"' in html
    data = _form_data(page)
    assert data["versions-TOTAL_FORMS"] == "1"
    assert data["definition_zh"] == indicator.definition_zh
    data.update(changes, _save="保存")
    return client.post(url, data)


def test_change_indicator_with_reason_writes_a_version(client: Client, superuser: User) -> None:
    indicator = Indicator.objects.get(code="DE_TOTAL")
    assert indicator.version == 1

    response = _indicator_change(client, indicator, definition_zh="新的定义。", change_reason="口径调整")

    assert response.status_code == 302, _messages(response)
    assert response["Location"] == reverse("admin:framework_indicator_changelist")
    indicator.refresh_from_db()
    assert indicator.version == 2
    assert indicator.definition_zh == "新的定义。"
    assert indicator.department is not None
    assert indicator.department.code == "TJJ"  # untouched fields keep their values
    version = IndicatorVersion.objects.get(indicator=indicator, version=2)
    assert version.reason == "口径调整"
    assert version.created_by == superuser
    assert version.definition["definition_zh"] == "新的定义。"
    assert IndicatorVersion.objects.get(indicator=indicator, version=1).definition["definition_zh"] != "新的定义。"
    event = AuditEvent.objects.filter(action="framework.indicator.update").latest("pk")
    assert event.reason == "口径调整"
    assert event.actor == superuser


def test_change_indicator_without_reason_is_refused(client: Client, superuser: User) -> None:
    indicator = Indicator.objects.get(code="DE_TOTAL")
    old_definition = indicator.definition_zh

    response = _indicator_change(client, indicator, definition_zh="新的定义。", change_reason="")

    assert response.status_code == 302
    url = reverse("admin:framework_indicator_change", args=[indicator.pk])
    assert response["Location"] == url
    page = client.get(url)
    assert any("原因" in m for m in _messages(page))
    assert "修改指标定义必须说明原因" in page.content.decode()
    indicator.refresh_from_db()
    assert indicator.version == 1
    assert indicator.definition_zh == old_definition
    assert list(IndicatorVersion.objects.filter(indicator=indicator).values_list("version", flat=True)) == [1]
    assert not AuditEvent.objects.filter(action="framework.indicator.update").exists()


def test_unchanged_indicator_form_writes_no_version(client: Client, superuser: User) -> None:
    indicator = Indicator.objects.get(code="DE_TOTAL")
    response = _indicator_change(client, indicator)
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.version == 1
    assert IndicatorVersion.objects.filter(indicator=indicator).count() == 1


def test_add_goal_with_milestone_inline(client: Client, superuser: User) -> None:
    area = Area.objects.order_by("pk").first()
    assert area is not None
    add_url = reverse("admin:framework_goal_add")
    data = _form_data(client.get(add_url))
    assert "milestones-TOTAL_FORMS" in data
    data.update(
        area=str(area.pk), code="G_ADMIN", name_zh="新目标", name_en="New goal", kind="qualitative", target_year="2022"
    )
    data["_save"] = "保存"
    response = client.post(add_url, data)
    assert response.status_code == 302
    assert Goal.objects.filter(code="G_ADMIN", area=area).exists()


def test_withdraw_action_on_two_versions_of_one_target(client: Client, superuser: User) -> None:
    assert _target_post(client).status_code == 302
    selected = [str(pk) for pk in _de_total_targets().values_list("pk", flat=True)]
    assert len(selected) == 2
    response = client.post(
        reverse("admin:framework_target_changelist"), {"action": "withdraw", "_selected_action": selected}
    )
    assert response.status_code == 302
    latest = _de_total_targets().order_by("-version").first()
    assert latest is not None
    assert (latest.version, latest.withdrawn) == (3, True)


# ---------------------------------------------------------------- no deleting, audit log read-only


def test_delete_is_refused(client: Client, superuser: User) -> None:
    indicator = Indicator.objects.get(code="DE_TOTAL")
    url = reverse("admin:framework_indicator_delete", args=[indicator.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Indicator.objects.filter(pk=indicator.pk).exists()
    changelist = client.get(reverse("admin:framework_indicator_changelist"))
    assert "delete_selected" not in changelist.content.decode()


def test_bulk_delete_action_is_refused(client: Client, superuser: User) -> None:
    indicators = Indicator.objects.count()
    response = client.post(
        reverse("admin:framework_indicator_changelist"),
        {"action": "delete_selected", "_selected_action": [str(i.pk) for i in Indicator.objects.all()], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Indicator.objects.count() == indicators


def test_audit_log_is_read_only(client: Client, superuser: User) -> None:
    event = AuditEvent.objects.order_by("pk").first()
    assert event is not None
    before = (event.action, event.reason, event.object_repr)
    count = AuditEvent.objects.count()

    assert client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:accounts_auditevent_add"), {"action": "x"}).status_code == 403
    change_url = reverse("admin:accounts_auditevent_change", args=[event.pk])
    view = client.get(change_url)
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    response = client.post(change_url, {"action": "forged", "reason": "forged", "_save": "保存"})
    assert response.status_code == 403
    assert client.get(reverse("admin:accounts_auditevent_delete", args=[event.pk])).status_code == 403
    assert client.post(reverse("admin:accounts_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403

    event.refresh_from_db()
    assert (event.action, event.reason, event.object_repr) == before
    assert AuditEvent.objects.count() == count


def test_programme_admin_without_staff_flag_cannot_open_admin(client: Client, admin_user: User) -> None:
    client.force_login(admin_user)
    targets = Target.objects.count()
    response = client.get(reverse("admin:framework_target_add"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    response = _target_post(client)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert Target.objects.count() == targets


def test_area_text_edit_in_admin_goes_through_update_area(client: Client, superuser: User) -> None:
    area = Area.objects.get(code="TECH")
    url = reverse("admin:framework_area_change", args=[area.pk])
    data = _form_data(client.get(url))
    data["description_zh"] = "数字科技创新是关键动力"
    assert client.post(url, data).status_code == 302
    assert Area.objects.get(code="TECH").description_zh == "数字科技创新是关键动力"
    event = AuditEvent.objects.filter(action="framework.area.update").latest("id")
    assert event.after == {"description_zh": "数字科技创新是关键动力"}
    assert event.actor_label == "root"
