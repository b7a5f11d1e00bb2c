"""The page side of a service call: a refusal becomes an error message, success a confirmation."""

from django.contrib import messages
from django.utils.translation import gettext as _

from .errors import DomainError


def run_page_action(request, handler, obj) -> bool:
    """Call handler(request, obj), which calls one service and returns the success message."""
    try:
        message = handler(request, obj)
    except DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, message)
    return True


def cleaned_or_refuse(form_class, request, **kwargs) -> dict:
    """Validate a posted form; an invalid one is refused like a service refusal, naming each field."""
    return valid_or_refuse(form_class(request.POST, request.FILES, **kwargs)).cleaned_data


def valid_or_refuse(form):
    """The form itself once valid (for callers that need more than its cleaned data); refused as above if not."""
    if not form.is_valid():
        errors = "; ".join(
            f"{form.fields[f].label if f in form.fields else ''} {e}".strip()
            for f, errs in form.errors.items()
            for e in errs
        )
        raise DomainError(errors or _("Please check the form."), code="invalid")
    return form
