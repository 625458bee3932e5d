from django.urls import path
from rest_framework.routers import SimpleRouter

from volunteers import api

router = SimpleRouter()
router.register("activations", api.ActivationViewSet, basename="activation")
router.register("volunteers", api.VolunteerViewSet, basename="volunteer")

urlpatterns = [
    path("incidents/<int:incident_id>/volunteer-proposals/", api.ProposalsView.as_view(), name="volunteer-proposals"),
] + router.urls
