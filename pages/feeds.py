from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from core.absolute_urls import absolute_url
from tools.models import Standing, Tool, published_filter

FEED_SIZE = 30


@dataclass(frozen=True)
class Entry:
    """One feed item: a new verdict, a changed verdict or an award."""

    title: str
    description: str
    link: str
    guid: str
    published: datetime.datetime
    updated: datetime.datetime
    category: str


def new_verdict(tool: Tool) -> Entry:
    link = absolute_url(tool.get_absolute_url())
    certified = " Certified Ship." if tool.is_certified else ""
    return Entry(
        title=f"{tool.name} verdict: {tool.panel.label}",
        description=(
            f"{tool.tagline} Panel: {tool.panel.line}. Community: {tool.community.line}."
            f"{certified} {tool.description}"
        ).strip(),
        link=link,
        guid=link,
        published=tool.published_at,
        updated=tool.updated_at,
        category=tool.category.name,
    )


def changed_verdict(point: Standing) -> Entry:
    tool = point.tool
    link = absolute_url(tool.get_absolute_url())
    return Entry(
        title=f"{tool.name}: {point.change_line}",
        description=(
            f"On {point.recorded_at.day} {point.recorded_at:%B %Y}: {point.change_line}. "
            f"Panel then: {point.panel.line}. Community then: {point.community.line}."
        ),
        link=f"{link}#verdict-history",
        guid=f"{link}#change-{point.pk}",
        published=point.recorded_at,
        updated=point.recorded_at,
        category=tool.category.name,
    )


class LatestVerdictsFeed(Feed):
    """New verdicts and changed verdicts, newest first; links are absolute on SITE_URL
    whatever the Host header."""

    title = "ShipOrSkip: new and changed verdicts"
    description = (
        "Each new ship-or-skip verdict from the ShipOrSkip expert panel, and each time a "
        "verdict or a Certified Ship award changes."
    )

    def link(self) -> str:
        return absolute_url("/")

    url_name = "pages:feed"

    def feed_url(self) -> str:
        return absolute_url(reverse(self.url_name))

    def items(self) -> list[Entry]:
        """Two queries: the newest verdicts and the newest changes, merged by date."""
        tools = Tool.objects.published().with_stats().latest_first()[:FEED_SIZE]
        changes = (
            Standing.objects.changes()
            .filter(published_filter("tool__"))
            .select_related("tool__category")[:FEED_SIZE]
        )
        entries = [new_verdict(tool) for tool in tools] + [changed_verdict(p) for p in changes]
        entries.sort(key=lambda entry: entry.published, reverse=True)
        return entries[:FEED_SIZE]

    def item_title(self, entry: Entry) -> str:
        return entry.title

    def item_description(self, entry: Entry) -> str:
        return entry.description

    def item_link(self, entry: Entry) -> str:
        return entry.link

    def item_guid(self, entry: Entry) -> str:
        return entry.guid

    def item_pubdate(self, entry: Entry):
        return entry.published

    def item_updateddate(self, entry: Entry):
        return entry.updated

    def item_categories(self, entry: Entry) -> list[str]:
        return [entry.category]


class LatestVerdictsAtomFeed(LatestVerdictsFeed):
    feed_type = Atom1Feed
    subtitle = LatestVerdictsFeed.description
    url_name = "pages:feed-atom"


class CertifiedFeed(LatestVerdictsFeed):
    """Tools that hold Certified Ship, the newest awards first."""

    title = "ShipOrSkip: Certified Ship"
    description = "Each tool that earns Certified Ship: the panel and the community both say ship."
    url_name = "pages:certified-feed"

    def link(self) -> str:
        return absolute_url(reverse("pages:certified"))

    def items(self) -> list[Entry]:
        tools = (
            Tool.objects.published()
            .certified()
            .with_stats()
            .order_by("-certified_since", "name")[:FEED_SIZE]
        )
        entries = []
        for tool in tools:
            link = absolute_url(tool.get_absolute_url())
            entries.append(
                Entry(
                    title=f"{tool.name} is Certified Ship",
                    description=(
                        f"{tool.tagline} Panel: {tool.panel.line}. "
                        f"Community: {tool.community.line}."
                    ),
                    link=link,
                    guid=f"{link}#certified-{tool.certified_since:%Y%m%dT%H%M%S}",
                    published=tool.certified_since,
                    updated=tool.certified_since,
                    category=tool.category.name,
                )
            )
        return entries
