from django.urls import path

from reports import api

urlpatterns = [
    path("figures/", api.FiguresView.as_view(), name="report-figures"),
    path("tables/<slug:key>/", api.TableView.as_view(), name="report-table"),
]
