from django.urls import path

from tools import views

app_name = "tools"

urlpatterns = [
    path("", views.home, name="home"),
    path("tools/<slug:slug>/", views.detail, name="detail"),
]
