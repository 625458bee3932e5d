from django.urls import path
from rest_framework.routers import SimpleRouter

from cctv import api

router = SimpleRouter()
router.register("cameras", api.CameraViewSet, basename="camera")

urlpatterns = [
    path("wall-layout/", api.WallLayoutView.as_view(), name="wall-layout"),
    path("wall-layout/cameras/", api.WallAddView.as_view(), name="wall-layout-add"),
] + router.urls
