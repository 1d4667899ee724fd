from django.contrib.sitemaps.views import sitemap
from django.urls import path, re_path
from django.views.generic import RedirectView

from core.pagecache import LIST_PAGE_SECONDS, shared_page
from pages import views
from pages.feeds import CertifiedFeed, LatestVerdictsAtomFeed, LatestVerdictsFeed
from pages.sitemaps import sitemaps

app_name = "pages"

# Feeds and the sitemap are list pages too: the same for everyone, cached by their version.
shared_list = shared_page(views.listing, fresh_for=LIST_PAGE_SECONDS)

urlpatterns = [
    path("", views.home, name="home"),
    path("tools/<slug:slug>/", views.detail, name="tool"),
    # Share links posted from the original site used the singular path, with or without
    # the final slash.
    re_path(
        r"^tool/(?P<slug>[-a-zA-Z0-9_]+)/?\Z",
        RedirectView.as_view(pattern_name="pages:tool", permanent=True),
        name="tool-legacy",
    ),
    path("verdicts/<slug:section>/", views.section, name="section"),
    path("preview/<str:token>/", views.preview, name="preview"),
    path("certified/", views.certified, name="certified"),
    path("certified/feed/", shared_list(CertifiedFeed()), name="certified-feed"),
    path("categories/", views.category_index, name="categories"),
    path("categories/<slug:slug>/", views.category, name="category"),
    path("critics/", views.persona_index, name="critics"),
    path("critics/<slug:slug>/", views.persona, name="critic"),
    path("search/", views.search, name="search"),
    path("feed/", shared_list(LatestVerdictsFeed()), name="feed"),
    path("feed/atom/", shared_list(LatestVerdictsAtomFeed()), name="feed-atom"),
    path("bookmarks/", views.bookmarks, name="bookmarks"),
    path("bookmarks/cards/", views.bookmark_cards, name="bookmark_cards"),
    path("bookmarks/compare/", views.compare_bookmarks, name="compare_bookmarks"),
    path("og/tools/<slug:slug>.png", views.share_card, name="share_card"),
    path("og/compare/<slug:pair>.png", views.pair_share_card, name="pair_share_card"),
    path("sitemap.xml", shared_list(sitemap), {"sitemaps": sitemaps}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
]
