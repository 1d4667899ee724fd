"""The reader's own votes, kept out of the pages every reader shares.

Reading pages are the same bytes for everyone, so they never show a reader's own vote.
With JavaScript, votes.js asks ``votes:mine`` (private, never stored) and marks the boxes.
Without it, a vote returns to its page with the ``?voted=1`` flag: that one answer reads
the voter cookie, shows the reader's choice and is ``private, no-store``; the shared page
never varies on the cookie.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import HttpRequest

from tools.models import Tool
from votes.identity import voter_from_cookie
from votes.models import Vote

OWN_VOTE_FLAG = "voted"

# What a page answer that shows the reader's own vote may be kept as: nowhere.
PRIVATE_ANSWER = {"private": True, "no_store": True}


def wants_own_vote(request: HttpRequest) -> bool:
    return OWN_VOTE_FLAG in request.GET


def own_votes(request: HttpRequest, tools: Iterable[Tool]) -> dict[int, str] | None:
    """The reader's choices on ``tools`` for a page's private answer; None for the shared
    answer, which must not depend on who is reading."""
    if not wants_own_vote(request):
        return None
    return Vote.objects.choices_by_tool(voter=voter_from_cookie(request), tools=tools)


def with_own_vote_flag(url: str) -> str:
    """``url`` (a local path) with the flag that makes its page show the reader's vote."""
    parts = urlsplit(url)
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name != OWN_VOTE_FLAG
    ]
    query.append((OWN_VOTE_FLAG, "1"))
    return urlunsplit(parts._replace(query=urlencode(query)))
