from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from core.clientip import client_ip
from core.csrf import origin_checked
from core.htmx import HtmxHttpRequest
from core.ratelimit import is_rate_limited, seconds_until_reset, too_many_requests
from tools.models import Tool, is_tool_slug
from tools.verdicts import Verdict, certified_rule
from votes import identity
from votes.mine import PRIVATE_ANSWER, with_own_vote_flag
from votes.models import Vote
from votes.services import cast_vote, withdraw_vote

WITHDRAW = "withdraw"
# A vote form is a token, a choice and a return path; anything much bigger is not one.
MAX_VOTE_BODY = 4096


def _body_size(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _safe_next(request: HttpRequest, tool: Tool) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return tool.get_absolute_url()


def _vote_box(
    request: HttpRequest,
    tool: Tool,
    *,
    voter: str | None,
    next_url: str,
    status: int = 200,
    error: str = "",
    my_votes: dict[int, str] | None = None,
) -> HttpResponse:
    """The community box, re-read from the database so it shows every vote counted so far.

    ``my_votes`` is the visitor's choice when the caller has just written it; otherwise it
    is read back (a withdrawn vote that editors had discarded stays the visitor's).
    """
    fresh = Tool.objects.with_stats().get(pk=tool.pk)
    if my_votes is None:
        my_votes = Vote.objects.choices_by_tool(voter=voter, tools=[fresh])
    context = {
        "tool": fresh,
        "my_votes": my_votes,
        "vote_next": next_url,
        "vote_error": error,
        # A page with several boxes (a comparison) names the tool in each heading.
        "named": request.POST.get("named") == "1",
    }
    return render(request, "votes/vote_box.html#vote-box", context, status=status)


def _refuse(
    request: HtmxHttpRequest,
    tool: Tool | None,
    message: str,
    *,
    status: int,
    voter: str | None = None,
    retry_after: int = 0,
) -> HttpResponse:
    """A clear refusal: in place inside the vote box for htmx, else a page of its own."""
    if status == 429 and not (request.htmx and tool):
        return too_many_requests(request, message, retry_after=retry_after)
    if request.htmx and tool:
        response = _vote_box(
            request,
            tool,
            voter=voter,
            next_url=_safe_next(request, tool),
            status=status,
            error=message,
        )
    else:
        response = render(
            request, "votes/refused.html", {"message": message, "tool": tool}, status=status
        )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@origin_checked
@require_POST
@vary_on_headers("HX-Request")
def vote(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Cast, change or withdraw the visitor's vote; htmx gets the box, others a redirect."""
    if _body_size(request) > MAX_VOTE_BODY:
        return _refuse(request, None, "That request is far too large to be a vote.", status=413)

    ip_window = settings.VOTE_RATE_PER_IP_WINDOW
    # With Redis away the request rates cannot be counted; the vote goes on, and what it
    # may add to the count is still capped per network by PostgreSQL (votes/services.py).
    if is_rate_limited(
        "vote-ip",
        client_ip(request),
        limit=settings.VOTE_RATE_PER_IP,
        window=ip_window,
        if_unavailable=False,
    ):
        # Only an htmx request needs the tool, to show the message inside its vote box.
        tool = Tool.objects.published().filter(slug=slug).first() if request.htmx else None
        return _refuse(
            request,
            tool,
            "A lot of votes have come from your network recently.",
            status=429,
            voter=identity.voter_from_cookie(request),
            retry_after=seconds_until_reset(ip_window),
        )

    tool = get_object_or_404(Tool.objects.published(), slug=slug)
    choice = request.POST.get("choice", "")
    if choice not in (*Verdict.values, WITHDRAW):
        return _refuse(request, tool, "Pick ship or skip to vote.", status=400)

    try:
        voter = identity.read_voter(request)
    except identity.ForgedVoterCookie:
        response = _refuse(
            request,
            tool,
            "Your voter cookie could not be verified, so this vote was not recorded. "
            "It has been cleared; please vote again.",
            status=400,
        )
        identity.forget_voter(response)
        return response

    voter_window = settings.VOTE_RATE_PER_VOTER_WINDOW
    if voter and is_rate_limited(
        "vote-voter",
        voter,
        limit=settings.VOTE_RATE_PER_VOTER,
        window=voter_window,
        if_unavailable=False,
    ):
        return _refuse(
            request,
            tool,
            "You are voting faster than anyone reads.",
            status=429,
            voter=voter,
            retry_after=seconds_until_reset(voter_window),
        )

    just_cast = None
    if choice == WITHDRAW:
        if voter:
            withdraw_vote(tool=tool, voter=voter)
    else:
        just_cast = {tool.pk: choice}
        voter = cast_vote(
            tool=tool,
            voter=voter,
            fingerprint=identity.fingerprint(request),
            network=identity.network(request),
            choice=Verdict(choice),
        )

    next_url = _safe_next(request, tool)
    if request.htmx:
        response = _vote_box(request, tool, voter=voter, next_url=next_url, my_votes=just_cast)
    else:
        # Back to where the vote was cast, scrolled to the box that was used, in the page's
        # private answer that shows the reader's own vote.
        path, _, anchor = next_url.partition("#")
        response = HttpResponseRedirect(
            f"{with_own_vote_flag(path)}#{anchor or f'vote-{tool.slug}'}"
        )
    if voter:
        identity.remember_voter(response, voter)
    return response


# A page has one vote box per tool it shows; a request naming more is not from a page.
MAX_MINE_TOOLS = 20


@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    """This reader's votes on ``?tools=a,b``, as ``{"votes": {"a": "ship"}}``: how pages
    that every reader shares mark the reader's own vote after loading. Never stored."""
    slugs = [slug for slug in request.GET.get("tools", "").split(",") if slug]
    if len(slugs) > MAX_MINE_TOOLS or not all(is_tool_slug(slug) for slug in slugs):
        response = JsonResponse({"error": "Name up to 20 tools by slug."}, status=400)
    else:
        voter = identity.voter_from_cookie(request)
        response = JsonResponse({"votes": Vote.objects.choices_by_slug(voter=voter, slugs=slugs)})
    patch_cache_control(response, **PRIVATE_ANSWER)
    return response


@require_safe
def rules(request: HttpRequest) -> HttpResponse:
    """How community votes count, and why some are set aside, in plain words."""
    return render(
        request,
        "votes/rules.html",
        {
            "votes_per_network": settings.VOTES_PER_NETWORK_PER_DAY,
            "min_votes": settings.SHIPORSKIP_MIN_COMMUNITY_VOTES,
            "per_voter": settings.VOTE_RATE_PER_VOTER,
            "per_voter_minutes": max(settings.VOTE_RATE_PER_VOTER_WINDOW // 60, 1),
            "certified": certified_rule(),
            "page_title": "How community votes count",
            "page_description": "One vote per reader per tool; what is counted, what is set "
            "aside, and why.",
        },
    )
