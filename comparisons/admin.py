from django.contrib import admin

from comparisons.models import FeaturedComparison


@admin.register(FeaturedComparison)
class FeaturedComparisonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "blurb", "order", "created_at"]
    list_editable = ["order"]
    list_select_related = ["tool_a", "tool_b"]
    autocomplete_fields = ["tool_a", "tool_b"]
    search_fields = ["tool_a__name", "tool_b__name", "blurb"]
    fields = ["tool_a", "tool_b", "blurb", "order"]
