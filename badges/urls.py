from django.urls import path, re_path

from badges import views

app_name = "badges"

# Badge slugs are matched loosely (anything but "/") so that a mistyped or stale slug
# still gets the neutral SVG instead of an HTML 404 inside someone's <img>.
urlpatterns = [
    re_path(r"^api/badge/(?P<slug>[^/]+)\.svg\Z", views.badge, name="svg"),
    path("api/badge/<str:slug>", views.badge, name="badge"),
    path("api/badge-click/<str:slug>", views.click, name="click"),
    re_path(r"^api/shields/(?P<slug>[^/]+)\.json\Z", views.shields, name="shields"),
    path("embed/<str:slug>", views.embed, name="embed"),
    path("tools/<slug:slug>/embed/", views.codes, name="codes"),
]
