"""What a reader copies or posts when sharing a verdict."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from core.absolute_urls import absolute_url
from tools.models import Tool
from tools.verdicts import PanelVerdict


@dataclass(frozen=True)
class ShareLink:
    label: str
    href: str


# The mark after the verdict word in share text: the original site's form, which readers
# already paste into posts. One per verdict, so the text never leans on colour.
SHARE_MARKS = {
    PanelVerdict.SHIP: "🚀",
    PanelVerdict.SKIP: "🛑",
    PanelVerdict.SPLIT: "⚖️",
    PanelVerdict.PENDING: "⏳",
}


def share_text(tool: Tool) -> str:
    """ "Cursor verdict: SHIP 🚀 4 ships · 0 skips from the expert panel Full review: <url>".

    A pending panel keeps the same form: "… verdict: PENDING ⏳ 2 of 3 reviews in from the
    expert panel Full review: <url>".
    """
    url = absolute_url(tool.get_absolute_url())
    panel = tool.panel
    return (
        f"{tool.name} verdict: {panel.label} {SHARE_MARKS[panel.verdict]} {panel.detail} "
        f"from the expert panel Full review: {url}"
    )


def share_links(*, text: str, url: str, title: str) -> list[ShareLink]:
    """Plain links to each network's own share form: no scripts, no trackers on our page."""
    return [
        ShareLink("Post on X", "https://x.com/intent/post?" + urlencode({"text": text})),
        ShareLink(
            "Post on Bluesky", "https://bsky.app/intent/compose?" + urlencode({"text": text})
        ),
        ShareLink(
            "Share on LinkedIn",
            "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url}),
        ),
        ShareLink(
            "Submit to Hacker News",
            "https://news.ycombinator.com/submitlink?" + urlencode({"u": url, "t": title}),
        ),
        ShareLink("Email", f"mailto:?subject={quote(title)}&body={quote(text)}"),
    ]
