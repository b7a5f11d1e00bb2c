from django.urls import path

from . import views

app_name = "accountability"

urlpatterns = [
    path("accountability/", views.case_list, name="case-list"),
    path("accountability/new/", views.case_create, name="case-create"),
    path("accountability/catalogue/", views.catalogue, name="catalogue"),
    path("accountability/subjects/<int:subject_pk>/", views.subject_history, name="subject-history"),
    path("accountability/<int:pk>/", views.case_detail, name="case-detail"),
    path("accountability/<int:pk>/do/<slug:step>/", views.case_step, name="case-step"),
    path("accountability/<int:pk>/do/<slug:step>/<int:obj_id>/", views.case_step, name="case-step-on"),
]
