"""The bare view of bench/bare_settings.py: a plain-text response, no template, no query."""

from django.http import HttpResponse
from django.urls import path


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), path("healthz", bare)]
