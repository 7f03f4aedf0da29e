from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect


class NoWritesAdminMixin:
    """Staff may look, nobody may add, change or delete through this admin (or inline)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdminMixin(NoWritesAdminMixin):
    """For logs and append-only records: every field is shown read-only."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]  # type: ignore[attr-defined]


class ReadOnlyInlineMixin(NoWritesAdminMixin):
    """Inlines that only show related rows: no blank extra forms, no delete boxes."""

    extra = 0
    can_delete = False


class ListedInlineMixin:
    """Inlines listed for reading (their fields read-only): nothing is added or removed through them."""

    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ServiceRefusalsAdminMixin:
    """A refusal (ValidationError) from a service called while saving the form comes back as an
    error message on the form's page, not a server error; the admin's transaction was rolled back."""

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)  # type: ignore[misc]
        except ValidationError as refusal:
            self.message_user(request, " ".join(refusal.messages), messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(request.get_full_path())


class ServiceWritesAdminMixin(ServiceRefusalsAdminMixin):
    """The add and change forms save through the app's services (which keep history and audit),
    never `obj.save()`: a subclass says how in `record_create` and `record_update`. Staff see the
    same forms. Put it before SimpleHistoryAdmin / ModelAdmin in the bases.
    """

    def record_create(self, request: HttpRequest, fields: dict[str, Any]) -> Any:
        raise NotImplementedError

    def record_update(self, request: HttpRequest, obj: Any, changes: dict[str, Any]) -> Any:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        names = {field.name for field in obj._meta.concrete_fields}
        chosen = form.changed_data if change else form.cleaned_data
        values = {name: form.cleaned_data[name] for name in chosen if name in names}
        saved = self.record_update(request, obj, values) if change else self.record_create(request, values)
        for field in obj._meta.concrete_fields:  # the admin goes on with obj (m2m, log entry, redirect)
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding, obj._state.db = False, saved._state.db
