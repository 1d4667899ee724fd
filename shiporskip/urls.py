from django.contrib import admin
from django.urls import include, path

from shiporskip import views

admin.site.site_header = "ShipOrSkip editors"
admin.site.site_title = "ShipOrSkip admin"
admin.site.index_title = "Curate tools, personas and reviews"

urlpatterns = [
    path("", include("tools.urls")),
    path("", include("badges.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
