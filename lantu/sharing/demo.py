"""The demo's one sharing request (示例数据): 省大数据局's reporter asks, for the 省公共数据平台, for the
demo open dataset over 杭州市. It stays pending, so the programme office finds it under
``/sharing/review/`` and can approve it."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from lantu.publishing.models import Dataset
from lantu.sharing.models import ShareRequest
from lantu.sharing.services import RequestSpec, create_request

DATASET = "demo-digital-indicators"


def generate_share_request() -> list[str]:
    """Create the demo request unless there is one (or its dataset or requester is missing)."""
    requester = get_user_model().objects.filter(username="dsj_reporter").first()
    if requester is None or ShareRequest.objects.filter(is_demo=True).exists():
        return []
    if not Dataset.objects.filter(code=DATASET).exists():
        return []
    create_request(
        requester,
        RequestSpec(
            datasets=[DATASET],
            units=["330100"],
            purpose="示例数据：省公共数据平台按月汇聚杭州市及各区县数字经济指标，用于演示按需共享。",
            days=90,
            department="DSJ",
            system_name="省公共数据平台",
            is_demo=True,
        ),
    )
    return ["示例共享申请 1 项，待审批于 /sharing/review/ (demo sharing request, pending)"]
