"""WebSocket routes. The consoles' live streams are added here (see the live-push work)."""

websocket_urlpatterns = []
