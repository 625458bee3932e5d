from django.urls import path

from shifts import api

urlpatterns = [
    path("on-duty/", api.OnDutyView.as_view(), name="shifts-on-duty"),
]
