from django.contrib import admin

from votes.models import Vote


class CountedFilter(admin.SimpleListFilter):
    title = "counted"
    parameter_name = "counted"

    def lookups(self, request, model_admin):
        return [("yes", "Counted"), ("no", "Discarded")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.counted()
        if self.value() == "no":
            return queryset.discarded()
        return queryset


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    """Votes are the community's words: editors read them, nobody edits them here."""

    list_display = ["tool", "choice", "short_voter", "fingerprint", "created_at", "discarded_at"]
    list_filter = [CountedFilter, "choice", "created_at", "tool__category", "tool"]
    search_fields = ["tool__name", "voter", "fingerprint"]
    list_select_related = ["tool"]
    date_hierarchy = "created_at"

    @admin.display(description="Voter")
    def short_voter(self, vote: Vote) -> str:
        return vote.voter[:12]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
