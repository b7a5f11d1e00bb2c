from .selectors import unread_count


def inbox(request):
    """The bell's unread count, counted only if a template shows it (templates call a callable), and once
    per request however many templates ask."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        if not hasattr(request, "_inbox_unread"):
            request._inbox_unread = unread_count(user)
        return request._inbox_unread

    return {"inbox_unread": count}
