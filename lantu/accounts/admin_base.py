"""A ModelAdmin base whose writes go through service functions, never straight to the model.

Subclasses implement :meth:`ServiceAdmin.create` (and optionally :meth:`ServiceAdmin.change`)
by calling the service for that model; a refused input comes back to the form as an error
and nothing is written. Deleting is off everywhere: history is append-only.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import admin, messages
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from lantu.accounts.service import InvalidInput, NotFound, PermissionDeniedError, problem_text

M = TypeVar("M", bound=Model)


class ServiceAdmin(admin.ModelAdmin[M], Generic[M]):
    """Admin pages for a model whose changes must be audited and checked."""

    #: Fields that can be edited after creation; everything else is read-only on change.
    editable_on_change: tuple[str, ...] = ()

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: M | None = None) -> Any:
        if obj is None:
            return super().get_readonly_fields(request, obj)
        names = [f.name for f in self.model._meta.fields if f.name not in self.editable_on_change]
        names += [f.name for f in self.model._meta.many_to_many if f.name not in self.editable_on_change]
        return names

    def create(self, request: HttpRequest, form: ModelForm[M]) -> M:
        raise PermissionDeniedError(request.user, "admin.add")

    def change(self, request: HttpRequest, obj: M, form: ModelForm[M]) -> M:
        raise PermissionDeniedError(request.user, "admin.change")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return type(self).create is not ServiceAdmin.create and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        if type(self).change is ServiceAdmin.change:
            return False  # view-only: Django shows the page without save buttons
        return super().has_change_permission(request, obj)

    def run_action(self, request: HttpRequest, label: str, calls: list[Any]) -> None:
        """Run one service call per selected item; report refusals instead of failing the page."""
        done = 0
        for call in calls:
            try:
                call()
            except (InvalidInput, NotFound, PermissionDeniedError) as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"{label}：{done}", messages.SUCCESS)

    def save_model(self, request: HttpRequest, obj: M, form: ModelForm[M], change: bool) -> None:
        try:
            saved = self.change(request, obj, form) if change else self.create(request, form)
        except (InvalidInput, NotFound, PermissionDeniedError) as exc:
            problems = exc.problems if isinstance(exc, InvalidInput) else []
            text = "；".join(problem_text(p) for p in problems) or str(exc)
            raise _Refused(text) from exc
        obj.pk = saved.pk

    def save_related(self, request: HttpRequest, form: ModelForm[M], formsets: Any, change: bool) -> None:
        # Related objects were set by the service itself; the inlines are read-only. Django's
        # change message still reads these attributes, which formset.save() would have set.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return self._guard(request, lambda: super(ServiceAdmin, self).add_view(request, form_url, extra_context))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return self._guard(
            request, lambda: super(ServiceAdmin, self).change_view(request, object_id, form_url, extra_context)
        )

    def _guard(self, request: HttpRequest, view: Any) -> HttpResponse:
        try:
            response: HttpResponse = view()
        except _Refused as exc:
            # The service refused: the transaction is rolled back; show why and stay on the form.
            messages.error(request, str(exc))
            return HttpResponseRedirect(request.get_full_path())
        return response


class _Refused(Exception):  # noqa: N818 - internal signal, never escapes the admin
    pass


class ReasonForm(forms.ModelForm):  # type: ignore[type-arg]
    """Adds the "why" every versioned change needs."""

    change_reason = forms.CharField(label="变更原因", required=False, widget=forms.Textarea(attrs={"rows": 2}))
