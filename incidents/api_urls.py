from django.urls import path
from rest_framework.routers import SimpleRouter

from incidents import api

router = SimpleRouter()
router.register("incidents", api.IncidentViewSet, basename="incident")
router.register("calls", api.CallViewSet, basename="call")
router.register("assignments", api.AssignmentViewSet, basename="assignment")
router.register("agencies", api.AgencyViewSet, basename="agency")
router.register("categories", api.CategoryViewSet, basename="category")
router.register("kelurahan", api.KelurahanViewSet, basename="kelurahan")

urlpatterns = [
    path("overdue/", api.OverdueView.as_view(), name="overdue"),
    path("telephony/incoming/", api.TelephonyIncomingView.as_view(), name="telephony-incoming"),
    path("telephony/rings/<int:ring_id>/take/", api.RingTakeView.as_view(), name="telephony-ring-take"),
] + router.urls
