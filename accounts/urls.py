from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.AccountView.as_view(), name="account"),
    path("login/code/", views.TOTPVerifyView.as_view(), name="totp-verify"),
    path("two-factor/", views.TOTPEnrolView.as_view(), name="totp-enrol"),
    path("two-factor/off/", views.TOTPDisableView.as_view(), name="totp-disable"),
]
