"""schema.org descriptions of our pages, for search engines and link previews."""

from __future__ import annotations

from collections.abc import Iterable

from core.absolute_urls import absolute_url
from reviews.models import Review
from tools.models import Tool

PUBLISHER = {"@type": "Organization", "name": "ShipOrSkip"}


def _rating(value: int) -> dict:
    return {"@type": "Rating", "ratingValue": value, "bestRating": 100, "worstRating": 0}


def software_application(tool: Tool, reviews: Iterable[Review] = ()) -> dict:
    """The tool, the panel's AggregateRating and one Review per published panel review."""
    data = {
        "@context": "https://schema.org",
        "@type": "SoftwareApplication",
        "name": tool.name,
        "description": tool.tagline,
        "applicationCategory": "DeveloperApplication",
        "url": absolute_url(tool.get_absolute_url()),
    }
    if tool.website:
        data["sameAs"] = tool.website
    panel = tool.panel
    if panel.reviews and panel.average is not None:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": panel.average,
            "bestRating": 100,
            "worstRating": 0,
            "ratingCount": panel.reviews,
            "reviewCount": panel.reviews,
        }
    data["review"] = [
        {
            "@type": "Review",
            "name": f"{review.persona.name}: {review.get_verdict_display().upper()}",
            "author": {"@type": "Person", "name": f"The {review.persona.name}"},
            "publisher": PUBLISHER,
            "datePublished": review.published_at.date().isoformat(),
            "reviewBody": review.body,
            "reviewRating": _rating(review.score),
        }
        for review in reviews
    ]
    if not data["review"]:
        del data["review"]
    return data


def comparison(first: Tool, second: Tool, url: str) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "name": f"{first.name} vs {second.name}",
        "url": url,
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": position,
                "item": {k: v for k, v in software_application(tool).items() if k != "@context"},
            }
            for position, tool in enumerate([first, second], start=1)
        ],
    }
