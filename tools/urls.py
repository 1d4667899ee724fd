from django.urls import path

from tools import views

app_name = "tools"

urlpatterns = [
    path("logos/<str:digest>/<int:size>.png", views.logo, name="logo"),
]
