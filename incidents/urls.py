from django.urls import path

from incidents import views

urlpatterns = [
    path("console/", views.OperatorConsole.as_view(), name="operator-console"),
    path("opd/", views.OpdConsole.as_view(), name="opd-console"),
]
