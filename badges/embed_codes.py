"""Copy-ready snippets for putting a tool's badge or embed on another site."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

from django.urls import reverse

from badges import svg
from badges.data import BadgeData
from core.absolute_urls import absolute_url
from tools.models import Tool

EMBED_WIDTH, EMBED_HEIGHT = 360, 260


@dataclass(frozen=True)
class EmbedCodes:
    style: str
    theme: str
    badge_url: str
    click_url: str
    embed_url: str
    # Paths on our own origin, for the previews on our pages.
    badge_path: str
    embed_path: str
    # Snippets live on other sites for years: their alt text names the tool and lets the
    # image speak for the verdict, which changes. Our previews use the live description.
    alt: str
    description: str
    width: int
    height: int
    html: str
    markdown: str
    iframe: str
    badge_svg: str

    @property
    def badge_data_uri(self) -> str:
        """The badge inline, for previews of unpublished pages: it loads (and counts)
        nothing, and shows the verdict the public badge will show once published."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.badge_svg.encode()).decode()


def _query(**params: str) -> str:
    return "?" + urlencode(params)


def _markdown_text(value: str) -> str:
    # Brackets and backslashes would end the alt text early; nothing else matters there.
    return value.replace("\\", "").replace("[", "(").replace("]", ")")


def embed_codes(tool: Tool, style: str | None = None, theme: str | None = None) -> EmbedCodes:
    """Snippets for ``tool``, which must be annotated with panel and community stats."""
    style, theme = svg.normalise(style, theme)
    data = BadgeData.from_tool(tool)
    rendered = svg.render(data, style, theme)
    badge_path = reverse("badges:svg", kwargs={"slug": tool.slug}) + _query(
        style=style, theme=theme
    )
    embed_path = reverse("badges:embed", kwargs={"slug": tool.slug}) + _query(theme=theme)
    click_url = absolute_url(reverse("badges:click", kwargs={"slug": tool.slug}))
    badge_url = absolute_url(badge_path)
    embed_url = absolute_url(embed_path)
    alt = f"ShipOrSkip verdict on {svg.one_line(tool.name)}"
    html = (
        f'<a href="{escape(click_url)}"><img src="{escape(badge_url)}" alt="{escape(alt)}" '
        f'width="{rendered.width}" height="{rendered.height}"></a>'
    )
    markdown = f"[![{_markdown_text(alt)}]({badge_url})]({click_url})"
    iframe = (
        f'<iframe src="{escape(embed_url)}" title="{escape(alt)}" width="{EMBED_WIDTH}" '
        f'height="{EMBED_HEIGHT}" loading="lazy" style="border:0"></iframe>'
    )
    return EmbedCodes(
        style=style,
        theme=theme,
        badge_url=badge_url,
        click_url=click_url,
        embed_url=embed_url,
        badge_path=badge_path,
        embed_path=embed_path,
        alt=alt,
        description=svg.description(data),
        width=rendered.width,
        height=rendered.height,
        html=html,
        markdown=markdown,
        iframe=iframe,
        badge_svg=rendered.svg,
    )
