from django.urls import path

from integrations import api

urlpatterns = [
    path("eido/incidents/<int:incident_id>/", api.EidoIncidentView.as_view(), name="eido-incident"),
    path("cap/received/", api.ReceivedAlertsView.as_view(), name="cap-received"),
    path("units/", api.UnitsView.as_view(), name="units"),
    path("units/share/", api.ShareView.as_view(), name="units-share"),
    path("units/share/stop/", api.ShareStopView.as_view(), name="units-share-stop"),
    path("units/owntracks/", api.OwnTracksView.as_view(), name="units-owntracks"),
    path("units/traccar/", api.TraccarView.as_view(), name="units-traccar"),
]
