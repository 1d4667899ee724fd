from django.urls import path

from votes import views

app_name = "votes"

urlpatterns = [
    path("tools/<slug:slug>/vote/", views.vote, name="vote"),
    path("votes/mine/", views.mine, name="mine"),
    path("how-votes-count/", views.rules, name="rules"),
]
