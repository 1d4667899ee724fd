from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode

from votes.models import Vote
from votes.services import discard_votes, restore_votes

PATTERN_DAYS = 14
PATTERN_ROWS = 50


class CountedFilter(admin.SimpleListFilter):
    title = "counted"
    parameter_name = "counted"

    def lookups(self, request, model_admin):
        return [
            ("yes", "Counted"),
            ("no", "Discarded"),
            ("set-aside", "Set aside automatically (over the daily network cap)"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.counted()
        if self.value() == "no":
            return queryset.discarded()
        if self.value() == "set-aside":
            return queryset.set_aside()
        return queryset


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    """Votes are the community's words: editors read them and may stop counting a batch
    (kept for audit), but nobody edits or deletes them here."""

    list_display = [
        "tool",
        "choice",
        "short_voter",
        "short_fingerprint",
        "created_at",
        "discarded_at",
        "discard_reason",
    ]
    list_filter = [CountedFilter, "choice", "created_at", "tool__category", "tool"]
    search_fields = ["tool__name", "voter", "fingerprint", "=network"]
    list_select_related = ["tool"]
    date_hierarchy = "created_at"
    actions = ["discard", "count_again"]
    list_per_page = 200

    @admin.display(description="Voter")
    def short_voter(self, vote: Vote) -> str:
        return vote.voter[:12]

    @admin.display(description="Fingerprint", ordering="fingerprint")
    def short_fingerprint(self, vote: Vote) -> str:
        return vote.fingerprint[:12]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_discard_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("votes.discard_vote")

    @admin.action(
        description="Discard selected votes (stop counting, keep for audit)",
        permissions=["discard"],
    )
    def discard(self, request: HttpRequest, queryset: QuerySet[Vote]) -> None:
        reason = f"Discarded by {request.user.get_username()} on {timezone.now():%Y-%m-%d}"
        count = discard_votes(votes=queryset, reason=reason)
        self.message_user(
            request,
            f"Discarded {count} vote{pluralize(count)}; they no longer count.",
            messages.SUCCESS,
        )

    @admin.action(description="Count selected votes again", permissions=["discard"])
    def count_again(self, request: HttpRequest, queryset: QuerySet[Vote]) -> None:
        count = restore_votes(votes=queryset)
        self.message_user(
            request,
            f"{count} vote{pluralize(count)} count{pluralize(count, 's,')} again.",
            messages.SUCCESS,
        )

    def get_urls(self):
        patterns_view = self.admin_site.admin_view(self.patterns_view)
        return [
            path("patterns/", patterns_view, name="votes_vote_patterns"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        context = {**(extra_context or {}), "patterns_url": reverse("admin:votes_vote_patterns")}
        return super().changelist_view(request, context)

    def patterns_view(self, request: HttpRequest) -> TemplateResponse:
        """Where stuffing shows: bursts on one tool in one day, and one client as many voters."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        since = timezone.now() - timedelta(days=PATTERN_DAYS)
        recent = Vote.objects.since(since)
        changelist = reverse("admin:votes_vote_changelist")
        tool_days = [
            row
            | {
                "url": changelist
                + "?"
                + urlencode({"tool__id__exact": row["tool_id"], "created_at__date": row["day"]})
            }
            for row in recent.per_tool_per_day()[:PATTERN_ROWS]
        ]
        fingerprints = [
            row
            | {
                "url": changelist + "?" + urlencode({"fingerprint": row["fingerprint"]}),
                "over_limit": row["voters"] > settings.VOTES_PER_NETWORK_PER_DAY,
            }
            for row in recent.per_fingerprint()[:PATTERN_ROWS]
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Suspicious voting patterns",
            "days": PATTERN_DAYS,
            "tool_days": tool_days,
            "fingerprints": fingerprints,
            "votes_per_network": settings.VOTES_PER_NETWORK_PER_DAY,
            "set_aside_url": changelist + "?counted=set-aside",
            "changelist_url": changelist,
        }
        return TemplateResponse(request, "admin/votes/vote/patterns.html", context)
