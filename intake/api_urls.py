from django.urls import path
from rest_framework.routers import SimpleRouter

from intake import api

router = SimpleRouter()
router.register("messages", api.InboundMessageViewSet, basename="inbound-message")

urlpatterns = [
    path("telephony/events/", api.PbxEventView.as_view(), name="telephony-events"),
    path("telephony/calls/link/", api.PbxCallLinkView.as_view(), name="telephony-call-link"),
    path("aml/", api.AmlPositionsView.as_view(), name="aml-positions"),
    path("aml/sms/", api.AmlSmsView.as_view(), name="aml-sms"),
    path("aml/https/", api.AmlHttpsView.as_view(), name="aml-https"),
    path("messages/whatsapp/", api.WhatsAppWebhookView.as_view(), name="messages-whatsapp"),
    path("messages/inbound/", api.InboundMessagesView.as_view(), name="messages-inbound"),
] + router.urls
