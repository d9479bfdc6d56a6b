"""The `lantu` console script: init is idempotent, demo data is labelled, check reports."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from lantu import demo
from lantu.accounts.models import RoleAssignment
from lantu.cli import main
from lantu.monitoring.models import DataValue

pytestmark = pytest.mark.django_db


def no_progress(description: str, total: int) -> Callable[[int], None]:
    return lambda n: None


def test_init_creates_admin_once_and_prints_password(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    first = capsys.readouterr().out
    assert "admin password, shown once" in first
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser
    assert RoleAssignment.objects.filter(user=admin, role="programme_admin").exists()
    assert main(["init"]) == 0
    assert "shown once" not in capsys.readouterr().out


def test_init_takes_password_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANTU_ADMIN_PASSWORD", "a-Long-enough-passw0rd")
    assert main(["init"]) == 0
    assert get_user_model().objects.get(username="admin").check_password("a-Long-enough-passw0rd")


def test_weak_password_from_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LANTU_ADMIN_PASSWORD", "123")
    assert main(["init"]) == 2
    assert "password" in capsys.readouterr().out
    assert not get_user_model().objects.filter(username="admin").exists()


def test_check_reports_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "org unit records: 119" in out
    assert "LANTU_SECRET_KEY=(set)" in out


def test_demo_values_are_labelled_and_reproducible() -> None:
    summary = demo.generate(no_progress, seed=7)
    # The real published figures come with their source and are not demo data.
    published = DataValue.objects.filter(is_demo=False)
    assert published.count() == summary.published == 18
    assert all(v.source == "zhejiang_published.csv" for v in published)
    values = DataValue.objects.filter(is_demo=True)
    assert summary.values == values.count() > 6000
    assert set(values.values_list("source", flat=True)) == {demo.DEMO_SOURCE}
    years = set(values.values_list("period", flat=True))
    assert years == {str(y) for y in range(2017, 2024)}
    # 2020 values go to 江干区; 2022 values to 钱塘区, which did not exist in 2020.
    assert values.filter(period="2020", org_unit__code="330104").exists()
    assert not values.filter(period="2022", org_unit__code="330104").exists()
    assert values.filter(period="2022", org_unit__code="330114").exists()
    # The same seed gives the same numbers: replay the generator and compare with what was stored.
    rng = random.Random(7)
    replay = {(e.indicator, e.org_unit, e.period): e.value for y in demo.YEARS for e in demo.demo_entries(y, rng)}
    stored = {
        (v.indicator.code, v.org_unit.code, v.period): v.value for v in values.select_related("indicator", "org_unit")
    }
    assert stored == {k: v.quantize(Decimal("0.000001")) for k, v in replay.items()}


def test_demo_personas_can_log_in() -> None:
    demo.generate(no_progress)
    for persona in demo.PERSONAS:
        user = get_user_model().objects.get(username=persona.username)
        assert user.check_password(demo.DEMO_PASSWORD)
