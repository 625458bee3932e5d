from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from dispatch112 import idle, views

handler403 = "dispatch112.views.permission_denied"
handler500 = "dispatch112.api.server_error"

api_v1 = [path("", include("incidents.api_urls")), path("shifts/", include("shifts.api_urls")), path("", include("cctv.api_urls"))]
api_v1.append(path("", include("volunteers.api_urls")))
api_v1.append(path("reports/", include("reports.api_urls")))
api_v1.append(path("", include("intake.api_urls")))
api_v1.append(path("", include("integrations.api_urls")))

# The JavaScript catalog carries the strings of the project's own apps (each may keep its own
# locale/ folder) besides the project-wide locale/.
CATALOG_PACKAGES = ["dispatch112", "incidents", "volunteers", "cctv", "shifts", "reports", "intake", "integrations"]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.ConsoleLogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("session/", idle.session_status, name="session-status"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(packages=CATALOG_PACKAGES), name="javascript-catalog"),
    path("supervisor/", views.SupervisorHome.as_view(), name="supervisor-home"),
    path("manage/", views.ManageHome.as_view(), name="manage-home"),
    path("manage/audit/", include("audit.urls")),
    path("", include("incidents.urls")),
    path("shifts/", include("shifts.urls")),
    path("cctv/", include("cctv.urls")),
    path("relawan/", include("volunteers.urls")),
    path("r/", include("volunteers.link_urls")),
    path("reports/", include("reports.urls")),
    path("intake/", include("intake.urls")),
    path("integrations/", include("integrations.urls")),
    path("api/<str:version>/", include((api_v1, "api"))),
    # The schema and docs live outside /api/<version>/: they must not ask for a version in the path.
    path("api/schema/", SpectacularAPIView.as_view(api_version="v1", versioning_class=None), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file of its own: the pages' Content
    # Security Policy allows no inline script (dispatch112/csp.py).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", versioning_class=None), name="api-docs"),
    path("admin/", admin.site.urls),
    path("", include("ops.urls")),
]
