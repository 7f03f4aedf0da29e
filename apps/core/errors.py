"""One way for services to refuse: a `ValidationError` with a stable code, on a field when there is one.

Every surface turns it into its own answer (a form error in the portal, a 400 with `code` in the API), so
a service never needs to know who called it.
"""

from django.core.exceptions import ValidationError


def refused(message: str, *, code: str, field: str | None = None) -> ValidationError:
    """The refusal to raise: `message` for people, `code` for programs, on `field` when given."""
    error = ValidationError(message, code=code)
    return ValidationError({field: error}) if field else error
