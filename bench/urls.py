"""The project's URLs plus /bench/trivial/: same middleware and login as every page, one query, no template."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from accounts.models import Commission
from config.urls import urlpatterns as project_urls


@login_required
def trivial(request):
    return HttpResponse(str(Commission.objects.values_list("pk", flat=True).first()), content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial), *project_urls]
