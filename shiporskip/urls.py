from django.contrib import admin
from django.urls import include, path

from shiporskip import views

admin.site.site_header = "ShipOrSkip editors"
admin.site.site_title = "ShipOrSkip admin"
admin.site.index_title = "Curate tools, personas and reviews"

handler500 = "shiporskip.views.server_error"

urlpatterns = [
    path("", include("tools.urls")),
    path("healthz", views.healthz, name="healthz"),
    # Ahead of admin.site.urls so every sign-in attempt goes through the rate limit.
    path("admin/login/", views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
]
