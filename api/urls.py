from django.urls import path, re_path

from api import views

app_name = "api"

urlpatterns = [
    path("api/v1/tools", views.tool_list, name="tools"),
    path("api/v1/tools/<str:slug>", views.tool_detail, name="tool"),
    path("api/v1/categories", views.category_list, name="categories"),
    path("api/v1/comparisons/<str:pair>", views.comparison, name="comparison"),
    path("api/v1/openapi.json", views.openapi_document, name="openapi"),
    # Anything else under the API answers a JSON 404, never the site's HTML error page.
    re_path(r"^api/v1/(?P<rest>.*)\Z", views.not_found),
    path("oembed", views.oembed, name="oembed"),
]
