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
# The original site's snippet, kept byte for byte: vendors compare theirs with ours.
IFRAME_STYLE = "border:0;border-radius:16px;max-width:100%;"


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
    iframe_strict: str
    # The shields.io endpoint, for READMEs that already show shields.io badges.
    shields_url: str
    shields_markdown: str
    badge_svg: str

    @property
    def badge_data_uri(self) -> str:
        """The badge inline, for previews of unpublished pages: it loads (and counts)
        nothing, and shows the verdict the public badge will show once published."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.badge_svg.encode()).decode()


def _query(**params: str) -> str:
    """Only the options that differ from the defaults: the plain URL is the original form."""
    defaults = {"style": svg.DEFAULT_STYLE, "theme": svg.DEFAULT_THEME}
    chosen = {key: value for key, value in params.items() if value != defaults.get(key)}
    return "?" + urlencode(chosen) if chosen else ""


def _markdown_text(value: str) -> str:
    # Brackets and backslashes would end the alt text early; nothing else matters there.
    return value.replace("\\", "").replace("[", "(").replace("]", ")")


def iframe_snippet(
    *, embed_url: str, title: str, width: int, height: int, strict_csp: bool = False
) -> str:
    """The embed card as an iframe, in the original site's form: the snippet we offer and
    the oEmbed answer's html.

    Pages whose Content-Security-Policy blocks inline styles drop the style attribute and
    show the browser's inset border; ``strict_csp`` gives them a variant without one. The
    frameborder attribute is obsolete but honoured everywhere and is no style; the card
    draws its own rounded corners.
    """
    frame = (
        f'<iframe src="{escape(embed_url)}" title="{escape(title)}" width="{width}" '
        f'height="{height}"'
    )
    if strict_csp:
        return f'{frame} frameborder="0" loading="lazy"></iframe>'
    return f'{frame} style="{IFRAME_STYLE}" loading="lazy"></iframe>'


SHIELDS_ENDPOINT_BADGE = "https://img.shields.io/endpoint"


def embed_codes(tool: Tool, style: str | None = None, theme: str | None = None) -> EmbedCodes:
    """Snippets for ``tool``, which must be annotated with panel and community stats."""
    style, theme = svg.normalise(style, theme)
    data = BadgeData.from_tool(tool)
    rendered = svg.render(data, style, theme)
    width, height = svg.SIZES[style]
    badge_path = reverse("badges:badge", kwargs={"slug": tool.slug}) + _query(
        style=style, theme=theme
    )
    embed_path = reverse("badges:embed", kwargs={"slug": tool.slug}) + _query(theme=theme)
    click_url = absolute_url(reverse("badges:click", kwargs={"slug": tool.slug}))
    badge_url = absolute_url(badge_path)
    embed_url = absolute_url(embed_path)
    name = svg.one_line(tool.name)
    alt = f"ShipOrSkip verdict on {name}"
    title = f"{name} ShipOrSkip verdict"
    html = (
        f'<a href="{escape(click_url)}" target="_blank" rel="noopener">'
        f'<img src="{escape(badge_url)}" alt="{escape(alt)}" width="{width}" height="{height}" />'
        "</a>"
    )
    markdown = f"[![{_markdown_text(alt)}]({badge_url})]({click_url})"
    size = {"embed_url": embed_url, "title": title, "width": EMBED_WIDTH, "height": EMBED_HEIGHT}
    shields_url = absolute_url(reverse("badges:shields", kwargs={"slug": tool.slug}))
    shields_badge = f"{SHIELDS_ENDPOINT_BADGE}{_query(url=shields_url)}"
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
        width=width,
        height=height,
        html=html,
        markdown=markdown,
        iframe=iframe_snippet(**size),
        iframe_strict=iframe_snippet(**size, strict_csp=True),
        shields_url=shields_url,
        shields_markdown=f"[![{_markdown_text(alt)}]({shields_badge})]({click_url})",
        badge_svg=rendered.svg,
    )
