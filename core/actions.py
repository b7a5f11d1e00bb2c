"""The page side of a service call: a refusal becomes an error message, success a confirmation."""

from django.contrib import messages

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
