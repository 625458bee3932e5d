from django.urls import path

from volunteers import views

urlpatterns = [
    path("", views.RosterView.as_view(), name="volunteers-roster"),
    path("coverage/", views.CoverageView.as_view(), name="volunteers-coverage"),
    path("new/", views.VolunteerCreateView.as_view(), name="volunteers-create"),
    path("<int:pk>/", views.VolunteerEditView.as_view(), name="volunteers-edit"),
    path("import/", views.ImportView.as_view(), name="volunteers-import"),
    path("export.csv", views.ExportView.as_view(), name="volunteers-export"),
    path("outbox/", views.OutboxView.as_view(), name="volunteers-outbox"),
]
