"""The home page's sections of tools, each with a "see all" page of its own.

A section is a ranking of published tools. The home page shows the first few of each and
never the same tool twice; its "see all" page pages through the whole ranking.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from tools.models import Tool, ToolQuerySet


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    note: str
    see_all: str
    rank: Callable[[ToolQuerySet], ToolQuerySet]

    def ranking(self) -> ToolQuerySet:
        """Published tools in this section's order (ids and ranking annotations only)."""
        return self.rank(Tool.objects.published())

    def get_absolute_url(self) -> str:
        return reverse("pages:section", kwargs={"section": self.slug})


SECTIONS = {
    section.slug: section
    for section in [
        Section(
            "top-shipped",
            "Top shipped",
            "The panel's most one-sided SHIP verdicts.",
            "See all SHIP verdicts",
            lambda tools: tools.with_panel_stats(whole_catalogue=True).top_shipped(),
        ),
        Section(
            "most-divided",
            "Most divided",
            "SPLIT verdicts and close calls decided by a single critic.",
            "See all divided verdicts",
            lambda tools: tools.with_panel_stats(whole_catalogue=True).most_divided(),
        ),
        Section(
            "latest",
            "Latest verdicts",
            "Every verdict, the newest first.",
            "See all verdicts, newest first",
            lambda tools: tools.latest_first(),
        ),
    ]
}
# The home page's order. Each section skips the tools an earlier one already shows, so
# the leaders sit under their verdict and "latest" fills in with the rest.
HOME_ORDER = ("top-shipped", "most-divided", "latest")
