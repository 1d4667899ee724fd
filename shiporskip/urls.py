from django.contrib import admin
from django.urls import include, path

from core import views as core_views

admin.site.site_header = "ShipOrSkip editors"
admin.site.site_title = "ShipOrSkip admin"
admin.site.index_title = "Curate tools, personas and reviews"

handler500 = "core.views.server_error"

urlpatterns = [
    path("", include("pages.urls")),
    path("", include("votes.urls")),
    path("", include("comparisons.urls")),
    path("newsletter/", include("newsletter.urls")),
    path("", include("badges.urls")),
    path("", include("tools.urls")),
    path("", include("api.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    # Ahead of admin.site.urls so every sign-in attempt goes through the rate limit.
    path("admin/login/", core_views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
]
