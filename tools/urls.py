from django.urls import path

from tools import views
from tools.feeds import LatestVerdictsAtomFeed, LatestVerdictsFeed

app_name = "tools"

urlpatterns = [
    path("", views.home, name="home"),
    path("tools/<slug:slug>/", views.detail, name="detail"),
    path("categories/", views.category_index, name="categories"),
    path("categories/<slug:slug>/", views.category, name="category"),
    path("search/", views.search, name="search"),
    path("feed/", LatestVerdictsFeed(), name="feed"),
    path("feed/atom/", LatestVerdictsAtomFeed(), name="feed-atom"),
]
