from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("critics/", views.persona_index, name="personas"),
    path("critics/<slug:slug>/", views.persona, name="persona"),
]
