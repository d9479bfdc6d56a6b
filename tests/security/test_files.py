"""Uploaded evidence is served only as a download of the checked type, and uploads have a size limit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lantu.accounts.service import InvalidInput
from lantu.tasks.models import Evidence, ProgressReport
from lantu.tasks.services import EvidenceFile, ReportSpec, TaskSpec, create_task, report_progress
from lantu.web.files import safe_filename

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4 evidence"


@pytest.fixture
def reporter(system: Any, make_user: Any, settings: Any, tmp_path: Path) -> Any:
    settings.MEDIA_ROOT = tmp_path
    create_task(system, TaskSpec(code="SEC1", programme_code="DZJ", title_zh="安全测试任务", lead_org_unit="330106"))
    return make_user("sec_reporter", "unit_reporter", org_unit="330106")


def upload(reporter: Any, name: str, content: bytes = PDF) -> Evidence:
    report = report_progress(
        reporter, ReportSpec("SEC1", dt.date(2024, 6, 30), Decimal(10), "进展", [EvidenceFile(name, content)])
    )
    return Evidence.objects.get(report=report)


def test_evidence_downloads_as_an_attachment_of_its_checked_type(client: Client, reporter: Any) -> None:
    item = upload(reporter, "实施方案（终稿）.pdf")
    client.force_login(reporter)
    response = client.get(f"/tasks/evidence/{item.pk}/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f"attachment; filename*=utf-8''{quote('实施方案（终稿）.pdf')}"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "private" in response.headers["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    response.close()


def test_a_stored_type_that_is_not_allowed_is_served_as_octet_stream(client: Client, reporter: Any) -> None:
    item = upload(reporter, "plan.pdf")
    # As if the row had been tampered with: the view never trusts it to be HTML.
    Evidence.objects.filter(pk=item.pk).update(content_type="text/html", original_name='x".html')
    client.force_login(reporter)
    response = client.get(f"/tasks/evidence/{item.pk}/")
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"] == 'attachment; filename="x\\".html"'
    response.close()


def test_html_and_renamed_files_are_refused_at_upload(reporter: Any) -> None:
    with pytest.raises(InvalidInput) as info:
        report_progress(
            reporter,
            ReportSpec(
                "SEC1",
                dt.date(2024, 6, 30),
                Decimal(10),
                "进展",
                [EvidenceFile("page.html", b"<script>alert(1)</script>"), EvidenceFile("fake.pdf", b"<html>")],
            ),
        )
    assert [p.field for p in info.value.problems] == ["files[1]", "files[2]"]
    assert not ProgressReport.objects.exists()


def test_upload_size_limit_comes_from_the_setting_with_a_bilingual_message(reporter: Any, settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    with pytest.raises(InvalidInput) as info:
        upload(reporter, "big.pdf", PDF + b"0" * (1024 * 1024))
    (problem,) = info.value.problems
    assert problem.message(english=False).endswith("“big.pdf”超过 1 MB")
    assert problem.message(english=True).endswith("big.pdf is larger than 1 MB")
    assert upload(reporter, "small.pdf", PDF + b"0" * 1000).size == len(PDF) + 1000


def test_the_upload_form_shows_the_size_error(client: Client, reporter: Any, settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    client.force_login(reporter)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (1024 * 1024), content_type="application/pdf")
    response = client.post(
        "/tasks/SEC1/",
        {"action": "report", "as_of": "2024-06-30", "progress_pct": "10", "text": "进展", "files": big},
    )
    assert "“big.pdf”超过 1 MB" in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_download_names_lose_control_characters_and_paths() -> None:
    assert safe_filename("a\r\nb/../c.pdf") == "a__b_.._c.pdf"
    assert safe_filename("...") == "download"


def test_a_request_body_over_the_limit_is_refused_before_it_is_read(client: Client, settings: Any) -> None:
    settings.REQUEST_MAX_BYTES = 1024 * 1024
    guarded = Client()  # the middleware reads the limit when the client builds its handler
    response = guarded.post(
        "/tasks/SEC1/", data=b"0" * 10, content_type="application/octet-stream", CONTENT_LENGTH=str(2 * 1024 * 1024)
    )
    assert response.status_code == 413
    assert response.content.decode() == "请求内容超过 1 MB 的上限。"
    guarded.cookies["django_language"] = "en"
    english = guarded.post("/tasks/SEC1/", data=b"0", content_type="text/plain", CONTENT_LENGTH=str(2 * 1024 * 1024))
    assert english.content.decode() == "The request is larger than the limit of 1 MB."
