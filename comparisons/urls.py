from django.urls import path

from comparisons import views

app_name = "comparisons"

urlpatterns = [
    path("compare/", views.index, name="index"),
    path("compare/pick/", views.pick, name="pick"),
    path("compare/<str:pair>/", views.detail, name="detail"),
]
