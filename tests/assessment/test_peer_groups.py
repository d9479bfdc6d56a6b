"""山区26县: all 26 names resolve to current county-level units with the code and name the file gives."""

from __future__ import annotations

import pytest

from lantu.assessment.assembly import peer_groups
from lantu.orgunits.models import Level, OrgUnit

pytestmark = pytest.mark.django_db


def test_the_26_mountainous_counties_resolve_to_current_units() -> None:
    group = peer_groups()["MOUNTAIN26"]
    assert group.name_zh == "山区26县"
    assert len(group.codes) == 26 == len(set(group.codes))
    current = {u.code: u for u in OrgUnit.objects.filter(code__in=group.codes, valid_to__isnull=True)}
    assert sorted(current) == sorted(group.codes)
    for code, name in zip(group.codes, group.names, strict=True):
        assert current[code].name_zh == name
        assert current[code].level == Level.COUNTY
    # all of 衢州 (6) and 丽水 (9) are in the group
    for city, count in (("330800", 6), ("331100", 9)):
        assert sum(1 for u in current.values() if u.parent is not None and u.parent.code == city) == count
