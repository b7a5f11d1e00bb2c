from django.urls import path

from . import views

app_name = "clarification"

urlpatterns = [
    path("clarifications/", views.recommendation_list, name="list"),
    path("clarifications/new/", views.recommendation_create, name="create"),
    path("clarifications/approvals/", views.approvals, name="approvals"),
    path("clarifications/return-visits/", views.return_visits, name="return-visits"),
    path("clarifications/batches/", views.batch_list, name="batch-list"),
    path("clarifications/batches/run-job/", views.batch_job_run, name="batch-job-run"),
    path("clarifications/batches/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("clarifications/batches/<int:pk>/print/", views.batch_print, name="batch-print"),
    path("clarifications/batches/<int:pk>/roster.xlsx", views.batch_xlsx, name="batch-xlsx"),
    path("clarifications/batches/<int:pk>/do/<slug:action>/", views.batch_action, name="batch-action"),
    path("clarifications/<int:pk>/", views.recommendation_detail, name="detail"),
    path("clarifications/<int:pk>/edit/", views.recommendation_edit, name="edit"),
    path("clarifications/<int:pk>/do/<slug:action>/", views.recommendation_action, name="action"),
    path("false-accusations/", views.false_case_list, name="false-case-list"),
    path("false-accusations/new/", views.false_case_create, name="false-case-create"),
    path("false-accusations/<int:pk>/", views.false_case_detail, name="false-case-detail"),
    path("false-accusations/<int:pk>/do/<slug:action>/", views.false_case_action, name="false-case-action"),
]
