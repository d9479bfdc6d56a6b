"""The demo's sharing request: labelled, pending, in the office's inbox, created once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lantu.publishing.services import create_dataset
from lantu.sharing import selectors
from lantu.sharing.demo import DATASET, generate_share_request
from lantu.sharing.models import RequestStatus, ShareRequest
from tests.publishing.conftest import spec

pytestmark = pytest.mark.django_db


def test_demo_request(system: Any, make_user: Callable[..., Any], admin_user: Any) -> None:
    assert generate_share_request() == []  # no requester, no dataset yet
    make_user("dsj_reporter", "department_reporter", department="DSJ")
    create_dataset(system, spec(code=DATASET, publisher="DSJ"))
    assert generate_share_request()
    assert generate_share_request() == []
    request = ShareRequest.objects.get()
    assert (request.is_demo, request.status, request.system_name) == (True, RequestStatus.PENDING, "省公共数据平台")
    assert request.purpose.startswith("示例数据")
    assert list(selectors.inbox(admin_user)) == [request]
