"""Absolute addresses for what leaves the site: share text, feeds, sitemaps, emails, snippets."""

from django.conf import settings


def absolute_url(path: str) -> str:
    """``path`` on ``SITE_URL``; the Host header, which a client controls, never counts."""
    return f"{settings.SITE_URL}{path}"
