"""sitemap.xml: every public page, with absolute URLs on SITE_URL.

Each section returns a list rather than a queryset, so the sitemap costs one query per
section however many pages it lists.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from comparisons.models import FeaturedComparison
from reviews.models import Persona
from tools.models import Category, Tool


class SiteSitemap(Sitemap):
    """Uses SITE_URL rather than the request's Host, which a client controls."""

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc


class PagesSitemap(SiteSitemap):
    changefreq = "daily"

    def items(self) -> list[str]:
        return [
            "pages:home",
            "pages:categories",
            "pages:critics",
            "comparisons:index",
        ]

    def location(self, item: str) -> str:
        return reverse(item)


class ToolSitemap(SiteSitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self) -> list[Tool]:
        return list(Tool.objects.published().only("slug", "updated_at").order_by("slug"))

    def lastmod(self, tool: Tool):
        return tool.updated_at


class CategorySitemap(SiteSitemap):
    def items(self) -> list[Category]:
        return list(Category.objects.all())


class PersonaSitemap(SiteSitemap):
    def items(self) -> list[Persona]:
        return list(Persona.objects.active())


class ComparisonSitemap(SiteSitemap):
    def items(self) -> list[FeaturedComparison]:
        return list(FeaturedComparison.objects.live())


sitemaps = {
    "pages": PagesSitemap,
    "tools": ToolSitemap,
    "categories": CategorySitemap,
    "critics": PersonaSitemap,
    "comparisons": ComparisonSitemap,
}
