from django.urls import path

from cctv import views

urlpatterns = [
    path("wall/", views.WallPage.as_view(), name="cctv-wall"),
    path("cameras/<int:pk>/", views.CameraPage.as_view(), name="cctv-camera"),
    path("cameras/<int:pk>/frame/", views.camera_frame, name="cctv-camera-frame"),
    path("cameras/<int:pk>/stream/", views.camera_stream, name="cctv-camera-stream"),
    path("cameras/<int:pk>/hls/<path:name>", views.camera_hls, name="cctv-camera-hls"),
    path("demo/<str:code>.svg", views.demo_feed, name="cctv-demo-feed"),
]
