from django.urls import path

from dispatch112.consumers import ConsoleConsumer

websocket_urlpatterns = [path("ws/events/", ConsoleConsumer.as_asgi())]
