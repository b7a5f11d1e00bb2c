"""Public reporting pages (no login) and the staff page of reporting QR codes."""

from django.urls import path

from . import public_views

app_name = "public"

urlpatterns = [
    path("public/report/<str:division_code>/", public_views.report, name="report"),
    path("public/report/<str:division_code>/qr.svg", public_views.report_qr, name="report_qr"),
    path("public/receipt/", public_views.receipt, name="receipt"),
    path("intake-codes/", public_views.intake_codes, name="intake_codes"),
]
