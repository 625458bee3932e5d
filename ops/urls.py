from django.urls import path

from ops import views

# No trailing slash: the paths load balancers and Prometheus are configured with by default.
urlpatterns = [
    path(views.HEALTH_PATH.lstrip("/"), views.health, name="healthz"),
    path(views.METRICS_PATH.lstrip("/"), views.metrics_view, name="metrics"),
]
