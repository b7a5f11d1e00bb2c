from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("reports/", views.report_list, name="report-list"),
    path("reports/new/", views.report_create, name="report-create"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:pk>/identity/", views.identity_reveal, name="identity-reveal"),
    path("reports/<int:pk>/do/<slug:action>/", views.report_action, name="report-action"),
    path("reports/<int:pk>/investigators/", views.investigator_search, name="investigator-search"),
    path("subjects/search/", views.subject_search, name="subject-search"),
    path("subjects/<int:pk>/", views.subject_detail, name="subject-detail"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("identity-requests/", views.identity_requests, name="identity-requests"),
    path("my-work/", views.my_work, name="my-work"),
]
