from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("print/", views.PrintView.as_view(), name="print"),
    path("export/incidents.csv", views.IncidentExportView.as_view(), name="export-incidents"),
    path("export/<slug:key>.csv", views.TableExportView.as_view(), name="export-table"),
]
