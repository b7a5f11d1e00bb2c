"""The page side of a service call: a refusal becomes an error message, success a confirmation."""

from django.contrib import messages
from django.http import Http404
from django.utils.translation import gettext as _

from .errors import DomainError


def run_page_action(request, actions: dict, name: str, obj) -> bool:
    """Call the handler `actions[name]` (none is a 404) as handler(request, obj): it calls one service and returns the
    success message."""
    handler = actions.get(name)
    if handler is None:
        raise Http404
    try:
        message = handler(request, obj)
    except DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, message)
    return True


def form_action(service, form_class=None, *, on: str, done):
    """The handler of an action whose form's fields are its service's arguments: the service is called with the actor,
    the page's object as `on`, and the form's cleaned data; `done` is the success message."""

    def handler(request, obj):
        data = cleaned_or_refuse(form_class, request) if form_class else {}
        service(actor=request.user, **{on: obj}, **data)
        return done

    return handler


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
