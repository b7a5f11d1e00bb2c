from django.urls import path

from . import views

app_name = "stats"

urlpatterns = [
    path("stats/", views.index, name="index"),
    path("stats/exports/", views.export_center, name="exports"),
    path("stats/exports/new/", views.export_start, name="export-start"),
    path("stats/exports/<int:pk>/", views.export_job, name="export-job"),
    path("stats/exports/<int:pk>/download/", views.export_download, name="export-download"),
    path("stats/export/<slug:kind>.<slug:fmt>", views.list_export, name="list-export"),
    path("stats/<int:pk>/", views.dashboard, name="dashboard"),
    path("stats/<int:pk>/items/", views.items, name="items"),
    path("stats/<int:pk>/statistics.<slug:fmt>", views.statistics_export, name="statistics-export"),
]
