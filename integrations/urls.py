from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("cap/", views.CapPage.as_view(), name="cap"),
    path("cap/<int:pk>/cancel/", views.CapCancel.as_view(), name="cap-cancel"),
    path("cap/feed.atom", views.atom_feed, name="cap-feed"),
    path("cap/alerts/<str:identifier>.xml", views.alert_xml, name="cap-alert-xml"),
]
