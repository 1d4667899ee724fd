from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least

from tools.models import Tool
from tools.pairs import comparison_path


def comparison_url(first: Tool, second: Tool) -> str:
    return comparison_path(first.slug, second.slug)


class FeaturedComparisonQuerySet(models.QuerySet):
    def live(self) -> FeaturedComparisonQuerySet:
        """Pairs whose two tools are both published, in the editors' order."""
        published = Tool.objects.published()
        return (
            self.filter(tool_a__in=published, tool_b__in=published)
            .select_related("tool_a", "tool_b")
            .order_by("order", "-created_at")
        )


class FeaturedComparison(models.Model):
    """A head-to-head the editors recommend; listed on the home page and the index."""

    tool_a = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="+")
    tool_b = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="+")
    blurb = models.CharField(
        max_length=200, blank=True, help_text="One line on why this match-up matters."
    )
    order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FeaturedComparisonQuerySet.as_manager()

    class Meta:
        ordering = ["order", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(tool_a=F("tool_b")), name="featured_pair_two_tools"
            ),
            # A-vs-B and B-vs-A are the same page, so they are the same row.
            models.UniqueConstraint(
                Least("tool_a", "tool_b"), Greatest("tool_a", "tool_b"), name="featured_pair_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tool_a} vs {self.tool_b}"

    def get_absolute_url(self) -> str:
        return comparison_url(self.tool_a, self.tool_b)
