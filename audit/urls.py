from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.AuditLog.as_view(), name="log"),
    path("export.csv", views.AuditExport.as_view(), name="export"),
]
