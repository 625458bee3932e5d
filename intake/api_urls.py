from django.urls import path

from intake import api

urlpatterns = [
    path("telephony/events/", api.PbxEventView.as_view(), name="telephony-events"),
    path("telephony/calls/link/", api.PbxCallLinkView.as_view(), name="telephony-call-link"),
    path("aml/sms/", api.AmlSmsView.as_view(), name="aml-sms"),
    path("aml/https/", api.AmlHttpsView.as_view(), name="aml-https"),
]
