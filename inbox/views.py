from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.keyset import paged

from . import selectors, services

PAGE_SIZE = 30


@login_required
def inbox(request):
    notifications = selectors.notifications_of(request.user).select_related("target_type")
    return render(request, "inbox/list.html", paged(request, notifications, keys=["-id"], kinds=[int], size=PAGE_SIZE))


@login_required
def notification_open(request, pk):
    """Opening a notification marks it read and goes to its object."""
    notification = selectors.notification_get(request.user, pk)
    services.notification_read(user=request.user, notification=notification)
    if url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()}):
        return redirect(notification.url)
    return redirect("inbox:list")


@login_required
@require_POST
def read_all(request):
    services.notifications_read_all(user=request.user)
    return redirect("inbox:list")
