from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from shiporskip import views
from shiporskip.sitemaps import sitemaps

admin.site.site_header = "ShipOrSkip editors"
admin.site.site_title = "ShipOrSkip admin"
admin.site.index_title = "Curate tools, personas and reviews"

handler500 = "shiporskip.views.server_error"

urlpatterns = [
    path("", include("tools.urls")),
    path("", include("votes.urls")),
    path("", include("reviews.urls")),
    path("", include("comparisons.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("newsletter/", include("newsletter.urls")),
    path("", include("badges.urls")),
    path("healthz", views.healthz, name="healthz"),
    # Ahead of admin.site.urls so every sign-in attempt goes through the rate limit.
    path("admin/login/", views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
]
