"""The portal's one shape of a POST action on one object (suspend a member, resend an invitation,
verify a domain, add a skill to a person, …).

`post` finds the object (404 when it is not this tenant's), validates the optional form, calls the
service through `perform`, and redirects; a refusal (the form's errors or the service's
ValidationError) comes back as an error message and changes nothing, success as `done`.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views import View


class PortalActionView(View):
    form_class: type[forms.Form] | None = None
    done = ""  # the success message; `done_message` formats it

    def get_object(self, request: HttpRequest, **kwargs: Any) -> Any:
        raise NotImplementedError

    def get_form(self, request: HttpRequest) -> forms.Form | None:
        return self.form_class(request.POST) if self.form_class else None

    def perform(self, obj: Any, data: dict[str, Any]) -> None:
        """Call the service; raise ValidationError to refuse."""
        raise NotImplementedError

    def success_url(self, obj: Any) -> str:
        raise NotImplementedError

    def form_errors(self, form: forms.Form) -> list[Any]:
        return [error for errors in form.errors.values() for error in errors]

    def error_message(self, obj: Any, exc: ValidationError) -> str:
        return " ".join(exc.messages)

    def done_message(self, obj: Any) -> str:
        return self.done

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        obj = self.get_object(request, **kwargs)
        form = self.get_form(request)
        try:
            if form is not None and not form.is_valid():
                raise ValidationError(self.form_errors(form))
            self.perform(obj, form.cleaned_data if form is not None else {})
        except ValidationError as exc:
            messages.error(request, self.error_message(obj, exc))
        else:
            if message := self.done_message(obj):
                messages.success(request, message)
        return HttpResponseRedirect(self.success_url(obj))
