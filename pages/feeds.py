from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from core.absolute_urls import absolute_url
from tools.models import Tool

FEED_SIZE = 30


class LatestVerdictsFeed(Feed):
    """New verdicts, newest first; links are absolute on SITE_URL whatever the Host header."""

    title = "ShipOrSkip: new verdicts"
    description = "Each new ship-or-skip verdict from the ShipOrSkip expert panel."

    def link(self) -> str:
        return absolute_url("/")

    url_name = "pages:feed"

    def feed_url(self) -> str:
        return absolute_url(reverse(self.url_name))

    def items(self):
        return list(Tool.objects.published().with_stats().latest_first()[:FEED_SIZE])

    def item_title(self, tool: Tool) -> str:
        return f"{tool.name} verdict: {tool.panel.label}"

    def item_description(self, tool: Tool) -> str:
        return (
            f"{tool.tagline} Panel: {tool.panel.line}. Community: {tool.community.line}. "
            f"{tool.description}"
        ).strip()

    def item_link(self, tool: Tool) -> str:
        return absolute_url(tool.get_absolute_url())

    def item_guid(self, tool: Tool) -> str:
        return absolute_url(tool.get_absolute_url())

    def item_pubdate(self, tool: Tool):
        return tool.published_at

    def item_updateddate(self, tool: Tool):
        return tool.updated_at

    def item_categories(self, tool: Tool) -> list[str]:
        return [tool.category.name]


class LatestVerdictsAtomFeed(LatestVerdictsFeed):
    feed_type = Atom1Feed
    subtitle = LatestVerdictsFeed.description
    url_name = "pages:feed-atom"
