"""Reads of the open-data catalogue. Only published versions are public.

A dataset is *public* while at least one of its versions is published. A dataset whose versions
were published once and are all withdrawn now is *gone* (the public URLs answer 410 Gone with
the withdrawal's date and reason, never its data). Anything else — unknown, draft, in review,
approved, or scheduled before or after its embargo but not yet published by ``lantu publish
due`` — is *not found* (404), whoever guesses its URL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from lantu.accounts.service import NotFound
from lantu.publishing.models import Dataset, DatasetVersion, VersionStatus


class Gone(LookupError):  # noqa: N818 - reads as what happened
    """The dataset or version was public and has been withdrawn (HTTP 410)."""

    def __init__(self, what: str, withdrawn_at: dt.datetime | None, reason: str) -> None:
        self.what = what
        self.withdrawn_at = withdrawn_at
        self.reason = reason
        super().__init__(f"{what} 已撤回 (withdrawn): {reason}")


@dataclass
class PublicDataset:
    """A public dataset with its published versions, newest first."""

    dataset: Dataset
    versions: list[DatasetVersion] = field(default_factory=list)

    @property
    def current(self) -> DatasetVersion:
        return self.versions[0]

    @property
    def issued(self) -> dt.datetime | None:
        return self.versions[-1].published_at

    @property
    def modified(self) -> dt.datetime | None:
        return self.current.published_at

    @property
    def is_demo(self) -> bool:
        return any(row.get("is_demo") for row in self.current.snapshot or [])


def _published() -> Any:  # django-stubs types Prefetch by its lookup string
    return Prefetch(
        "versions",
        queryset=DatasetVersion.objects.filter(status=VersionStatus.PUBLISHED).order_by("-number"),
        to_attr="published_versions",
    )


def _published_qs() -> QuerySet[Dataset]:
    return (
        Dataset.objects.filter(versions__status=VersionStatus.PUBLISHED)
        .distinct()
        .select_related("publisher", "spatial", "programme")
        .prefetch_related(_published())
        .order_by("code")
    )


def _text(dataset: Dataset) -> str:
    parts = [dataset.code, dataset.title_zh, dataset.title_en, dataset.description_zh, dataset.description_en]
    return " ".join([*parts, *dataset.keywords_zh, *dataset.keywords_en]).casefold()


def public_datasets(q: str = "", *, publisher: str = "", keyword: str = "", frequency: str = "") -> list[PublicDataset]:
    """Datasets with a published version, in code order; ``q`` matches every word (any language).

    Text is matched in Python: the catalogue is small, and JSON keyword lists are stored escaped
    on SQLite, where a database LIKE would miss Chinese words.
    """
    found = _published_qs()
    if publisher:
        found = found.filter(publisher__code=publisher)
    if frequency:
        found = found.filter(update_frequency=frequency)
    words = [w.casefold() for w in q.split()]
    wanted = keyword.strip().casefold()
    return [
        PublicDataset(d, list(d.published_versions))  # type: ignore[attr-defined]
        for d in found
        if all(w in _text(d) for w in words)
        and (not wanted or wanted in [k.casefold() for k in (*d.keywords_zh, *d.keywords_en)])
    ]


def _gone_or_missing(dataset: Dataset | None, code: str) -> Exception:
    if dataset is not None:
        last = (
            dataset.versions.filter(status=VersionStatus.WITHDRAWN, published_at__isnull=False)
            .order_by("-withdrawn_at")
            .first()
        )
        if last is not None:
            return Gone(f"数据集 {code}", last.withdrawn_at, last.withdraw_reason)
    return NotFound("数据集", code)


def public_dataset(code: str) -> PublicDataset:
    """A public dataset; :class:`Gone` if all its published versions are withdrawn, else NotFound."""
    dataset = _published_qs().filter(code=code).first()
    if dataset is None:
        raise _gone_or_missing(Dataset.objects.filter(code=code).first(), code)
    return PublicDataset(dataset, list(dataset.published_versions))  # type: ignore[attr-defined]


def public_version(code: str, number: int) -> tuple[PublicDataset, DatasetVersion]:
    """A published version of a public dataset; :class:`Gone` for a withdrawn one that was published."""
    withdrawn = (
        DatasetVersion.objects.filter(
            dataset__code=code, number=number, status=VersionStatus.WITHDRAWN, published_at__isnull=False
        )
        .only("withdrawn_at", "withdraw_reason")
        .first()
    )
    if withdrawn is not None:
        raise Gone(f"数据集 {code} v{number}", withdrawn.withdrawn_at, withdrawn.withdraw_reason)
    public = public_dataset(code)
    version = next((v for v in public.versions if v.number == number), None)
    if version is None:
        raise NotFound("数据集版本", f"{code} v{number}")
    return public, version


def office_datasets() -> QuerySet[Dataset]:
    """Every dataset with all its versions (the office's view)."""
    return Dataset.objects.select_related("publisher", "spatial").prefetch_related("versions").order_by("code")
