"""The volunteer's link: short on purpose (it has to fit one SMS with the incident)."""

from django.urls import path

from volunteers import views

urlpatterns = [path("<str:token>", views.volunteer_link, name="volunteer-link")]
