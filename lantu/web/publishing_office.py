"""The programme office's pages for open data (数据发布): datasets, their versions and the review.

The same workflow as ``/api/v1/publishing/…`` and ``lantu publish``: every write is a call of a
service in :mod:`lantu.publishing.services`, which holds every rule (a second person approves, the
embargo lies in the future, a correction needs a note, …); a refusal comes back as the services'
problems, shown next to the field in the user's language, and nothing is written. The pages are for
those the services let act (``framework.manage``); to anyone else they do not exist (404), and an
anonymous visitor is sent to the login page.

Publishing is a separate step from scheduling: ``publish_due`` (``lantu publish due``, run every
minute) publishes what is due. "Publish now" on a page is ``publish_now``: the version is public from
this moment (its embargo becomes now); "publish due versions" on the list runs ``publish_due`` at
once, for an install whose timer is not running. An embargo typed in
the past is refused by ``schedule_version``, beside the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from lantu.accounts.permissions import has_perm, label_of
from lantu.accounts.service import InvalidInput
from lantu.framework.models import Indicator
from lantu.orgunits.models import Department
from lantu.publishing import selectors, services, snapshot
from lantu.publishing.models import (
    ROW_FIELDS,
    Dataset,
    DatasetKind,
    DatasetVersion,
    Licence,
    UpdateFrequency,
    VersionStatus,
)
from lantu.web.projects import PROGRAMME, REFUSED, field_errors
from lantu.web.refusals import raise_if_denied

#: Rows shown in a version's preview.
PREVIEW_ROWS = 20
#: The format of an embargo typed in a page (``<input type="datetime-local">``), in the user's zone.
EMBARGO_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


def _office_only(request: HttpRequest) -> None:
    """The office pages exist only for those the publishing services let act."""
    if not has_perm(request.user, "framework.manage"):
        raise Http404


def parse_embargo(text: str) -> dt.datetime:
    """A local date and time typed in a page, made aware in the user's time zone."""
    text = text.strip()
    for fmt in EMBARGO_FORMATS:
        try:
            naive = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return timezone.make_aware(naive, timezone.get_current_timezone())
    raise InvalidInput.one(
        "embargo_at", "请填写发布日期和时间（如 2024-05-01 09:00）", "give a date and time (e.g. 2024-05-01 09:00)"
    )


# ---- what each version waits for, and what the user may do with it ----


@dataclass
class VersionRow:
    version: DatasetVersion
    waiting: str
    actions: set[str] = field(default_factory=set)
    own_submission: bool = False
    #: A refused step's problems by action, then field ("other" for those without an input of their own).
    errors: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: Problems of a step this version no longer offers (e.g. the submitter's own review).
    stray: list[str] = field(default_factory=list)
    #: What was typed in the refused step, shown again.
    posted: dict[str, str] = field(default_factory=dict)

    @property
    def embargo_passed(self) -> bool:
        v = self.version
        return v.status == VersionStatus.SCHEDULED and v.embargo_at is not None and v.embargo_at <= timezone.now()


def _waiting(version: DatasetVersion, now: dt.datetime) -> str:
    status = version.status
    if status == VersionStatus.DRAFT:
        return gettext("等待提交审核（已退回）") if version.review_comment else gettext("等待提交审核")
    if status == VersionStatus.IN_REVIEW:
        return gettext("等待另一人审核（提交人：%(who)s）") % {"who": version.submitted_label}
    if status == VersionStatus.APPROVED:
        return gettext("等待排期发布")
    if status == VersionStatus.SCHEDULED:
        assert version.embargo_at is not None
        if version.embargo_at <= now:
            return gettext("禁发期已过，等待发布（lantu publish due）")
        return gettext("等待禁发期结束：%(when)s") % {
            "when": timezone.localtime(version.embargo_at).strftime("%Y-%m-%d %H:%M")
        }
    if status == VersionStatus.PUBLISHED:
        return gettext("已公开")
    return "—"


def version_row(user: Any, version: DatasetVersion, now: dt.datetime) -> VersionRow:
    """A version with what it waits for and the steps offered to ``user`` (the services decide)."""
    row = VersionRow(version, _waiting(version, now))
    status = version.status
    # Only to choose which forms to show: the service refuses the submitter's review anyway.
    row.own_submission = status == VersionStatus.IN_REVIEW and version.submitted_label == label_of(user)
    if status == VersionStatus.DRAFT:
        row.actions.add("submit")
    elif status == VersionStatus.IN_REVIEW and not row.own_submission:
        row.actions.update({"approve", "return"})
    elif status in (VersionStatus.APPROVED, VersionStatus.SCHEDULED):
        row.actions.update({"schedule", "publish_now"})
    if status != VersionStatus.WITHDRAWN:
        row.actions.add("withdraw")
    return row


# ---- the list ----


@login_required
@require_http_methods(["GET", "POST"])
def office_list(request: HttpRequest) -> HttpResponse:
    """Every dataset with its versions, their status and what each waits for."""
    _office_only(request)
    if request.method == "POST":
        if request.POST.get("action") != "publish_due":
            raise Http404
        published = services.publish_due(request.user)
        if published:
            names = "、".join(f"{v.dataset.code} v{v.number}" for v in published)
            messages.success(request, gettext("已发布：%(names)s") % {"names": names})
        else:
            messages.info(request, gettext("没有到期的版本"))
        return HttpResponseRedirect(reverse("publishing-office"))
    now = timezone.now()
    datasets: list[dict[str, Any]] = []
    due = False
    for d in selectors.office_datasets():
        versions = [version_row(request.user, v, now) for v in sorted(d.versions.all(), key=lambda v: -v.number)]
        due = due or any(r.embargo_passed for r in versions)
        datasets.append({"dataset": d, "versions": versions})
    context = {"datasets": datasets, "due": due}
    return render(request, "publishing/office_list.html", context)


# ---- one dataset ----


def _number(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("number", ""))
    except ValueError:
        raise Http404 from None


def _publish_now(request: HttpRequest, code: str, number: int) -> str:
    services.publish_now(request.user, code, number)
    return gettext("已发布")


def _act(request: HttpRequest, dataset: Dataset) -> str:
    """Run the posted step through its service; return the message to show on success."""
    post = request.POST
    action = post.get("action", "")
    code = dataset.code
    user = request.user
    if action == "create_version":
        version = services.create_version(user, code, note=post.get("note", ""))
        return gettext("已创建草稿 v%(n)s") % {"n": version.number}
    steps: dict[str, Callable[[int], Any]] = {
        "submit": lambda n: services.submit_version(user, code, n),
        "return": lambda n: services.return_version(user, code, n, post.get("comment", "")),
        "approve": lambda n: services.approve_version(user, code, n, comment=post.get("comment", "")),
        "schedule": lambda n: services.schedule_version(user, code, n, parse_embargo(post.get("embargo_at", ""))),
        "withdraw": lambda n: services.withdraw_version(user, code, n, post.get("reason", "")),
    }
    done = {
        "submit": gettext("已提交审核"),
        "return": gettext("已退回"),
        "approve": gettext("已审核通过，数据已冻结"),
        "schedule": gettext("已排期"),
        "withdraw": gettext("已撤回"),
    }
    number = _number(request)
    if action == "publish_now":
        return _publish_now(request, code, number)
    if action not in steps:
        raise Http404
    steps[action](number)
    return done[action]


#: The inputs of each step's form, beside which a problem of that field is shown.
FORM_FIELDS = {
    "create_version": ("note",),
    "return": ("comment",),
    "approve": ("comment",),
    "schedule": ("embargo_at",),
    "withdraw": ("reason",),
}


def _split(action: str, errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Problems beside their input, the rest (status, approver, rows, conflicts) under "other"."""
    inputs = FORM_FIELDS.get(action, ())
    split: dict[str, list[str]] = {"other": []}
    for name, texts in errors.items():
        if name in inputs:
            split[name] = texts
        else:
            split["other"].extend(texts)
    return split


def _preview(dataset: Dataset, version: DatasetVersion | None) -> dict[str, Any]:
    """The first rows of a version: its frozen snapshot, or before approval what it would freeze now."""
    if version is None:
        return {}
    if version.snapshot is not None and version.status != VersionStatus.DRAFT:
        rows, total, frozen = version.rows(), version.row_count, True
    elif version.status == VersionStatus.WITHDRAWN:
        rows, total, frozen = [], 0, False
    else:
        rows = snapshot.current_rows(dataset)
        total, frozen = len(rows), False
    return {
        "version": version,
        "rows": rows[:PREVIEW_ROWS],
        "total": total,
        "frozen": frozen,
        "has_demo": any(row.get("is_demo") for row in rows),
    }


@login_required
@require_http_methods(["GET", "POST"])
def office_dataset(request: HttpRequest, code: str) -> HttpResponse:
    """A dataset's metadata and versions, each with the steps the user may take."""
    _office_only(request)
    dataset = selectors.office_datasets().filter(code=code).first()
    if dataset is None:
        raise Http404
    errors: dict[str, list[str]] = {}
    action, number = request.POST.get("action", ""), request.POST.get("number", "")
    posted: dict[str, str] = {}
    if request.method == "POST":
        try:
            messages.success(request, _act(request, dataset))
        except REFUSED as exc:
            raise_if_denied(exc)  # e.g. a version number that is not there: 404
            errors = {k or "all": v for k, v in field_errors(exc).items()}
            posted = {k: request.POST.get(k, "") for k in ("note", "comment", "embargo_at", "reason")}
        else:
            return HttpResponseRedirect(reverse("publishing-office-dataset", args=[code]))
        dataset = selectors.office_datasets().get(pk=dataset.pk)
    now = timezone.now()
    versions = sorted(dataset.versions.all(), key=lambda v: -v.number)
    rows = [version_row(request.user, v, now) for v in versions]
    shown_errors = _split(action, errors)
    for row in rows:
        if errors and str(row.version.number) == number:
            row.errors, row.posted = {action: shown_errors}, posted
            if action not in row.actions:
                row.stray = [text for texts in errors.values() for text in texts]
    shown = None
    wanted = request.GET.get("v", "")
    if wanted.isdigit():
        shown = next((v for v in versions if v.number == int(wanted)), None)
    preview = _preview(dataset, shown or (versions[0] if versions else None))
    context = {
        "dataset": dataset,
        "rows": rows,
        "create_errors": shown_errors if errors and action == "create_version" else {},
        "posted": posted,
        "preview": preview,
        "fields": ROW_FIELDS,
        "is_public": any(v.status == VersionStatus.PUBLISHED for v in versions),
        "can_create": not any(v.status in services.OPEN for v in versions),
        "next_number": (versions[0].number + 1) if versions else 1,
        "time_zone": timezone.get_current_timezone_name(),
        "default_embargo": timezone.localtime(now + dt.timedelta(days=1)).strftime("%Y-%m-%dT09:00"),
        "indicators": Indicator.objects.filter(code__in=dataset.indicator_codes).order_by("code"),
    }
    return render(request, "publishing/office_dataset.html", context, status=422 if errors else 200)


# ---- a new dataset ----


def _words(text: str) -> tuple[str, ...]:
    for sep in ("，", "、", ";", "；", "\n"):
        text = text.replace(sep, ",")
    return tuple(w.strip() for w in text.split(",") if w.strip())


class DatasetForm(forms.Form):
    """A dataset's metadata as the office registers it; :func:`services.create_dataset` checks it all."""

    code = forms.CharField(label=_("代码"), max_length=100, required=False, help_text=_("小写字母、数字、- 和 _"))
    kind = forms.ChoiceField(label=_("类型"), choices=DatasetKind.choices, initial=DatasetKind.INDICATOR_SERIES)
    title_zh = forms.CharField(label=_("名称"), max_length=200, required=False)
    title_en = forms.CharField(label=_("英文名称"), max_length=300, required=False)
    description_zh = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    description_en = forms.CharField(
        label=_("英文说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    publisher = forms.ChoiceField(label=_("发布单位"))
    licence = forms.ChoiceField(label=_("许可协议"), choices=Licence.choices, initial=Licence.CC_BY_4)
    keywords_zh = forms.CharField(label=_("关键词"), required=False, max_length=500, help_text=_("以逗号或顿号分隔"))
    keywords_en = forms.CharField(label=_("英文关键词"), required=False, max_length=500, help_text=_("以逗号分隔"))
    update_frequency = forms.ChoiceField(
        label=_("更新频率"), choices=UpdateFrequency.choices, initial=UpdateFrequency.ANNUAL
    )
    spatial = forms.CharField(label=_("空间范围（区划代码）"), max_length=12, required=False, initial="330000")
    indicator_codes = forms.MultipleChoiceField(label=_("指标"), required=False)
    assessment_code = forms.CharField(label=_("评估代码"), max_length=48, required=False)
    period_from = forms.CharField(label=_("起始报告期"), max_length=8, required=False)
    period_to = forms.CharField(label=_("截止报告期"), max_length=8, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        publisher = self.fields["publisher"]
        assert isinstance(publisher, forms.ChoiceField)
        publisher.choices = [(d.code, d.name_zh) for d in Department.objects.order_by("code")]
        indicators = self.fields["indicator_codes"]
        assert isinstance(indicators, forms.ChoiceField)
        indicators.choices = [
            (i.code, f"{i.code} {i.name_zh}")
            for i in Indicator.objects.filter(programme__code=PROGRAMME).order_by("code")
        ]
        indicators.widget.attrs["size"] = 8

    def spec(self) -> services.DatasetSpec:
        d = self.cleaned_data
        return services.DatasetSpec(
            code=d["code"].strip(),
            kind=d["kind"],
            title_zh=d["title_zh"],
            title_en=d["title_en"],
            description_zh=d["description_zh"],
            description_en=d["description_en"],
            publisher=d["publisher"],
            licence=d["licence"],
            keywords_zh=_words(d["keywords_zh"]),
            keywords_en=_words(d["keywords_en"]),
            update_frequency=d["update_frequency"],
            spatial=d["spatial"].strip(),
            indicator_codes=tuple(d["indicator_codes"]),
            assessment_code=d["assessment_code"].strip(),
            period_from=d["period_from"].strip(),
            period_to=d["period_to"].strip(),
            programme_code=PROGRAMME,
        )


@login_required
@require_http_methods(["GET", "POST"])
def office_new(request: HttpRequest) -> HttpResponse:
    """Register a dataset (no version yet: the office then starts one and sends it for review)."""
    _office_only(request)
    form = DatasetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dataset = services.create_dataset(request.user, form.spec())
        except REFUSED as exc:
            raise_if_denied(exc)
            for name, texts in field_errors(exc).items():
                for text in texts:
                    form.add_error(name if name in form.fields else None, text)
        else:
            messages.success(request, gettext("已登记数据集"))
            return HttpResponseRedirect(reverse("publishing-office-dataset", args=[dataset.code]))
    status = 422 if request.method == "POST" else 200
    return render(request, "publishing/office_new.html", {"form": form}, status=status)


urlpatterns = [
    path("data/office/", office_list, name="publishing-office"),
    path("data/office/new/", office_new, name="publishing-office-new"),
    path("data/office/datasets/<slug:code>/", office_dataset, name="publishing-office-dataset"),
]
