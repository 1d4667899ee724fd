from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils import timezone

from tools.models import PublicationState, Tool, review_search_vector
from tools.verdicts import Verdict, percent, round_half_up


class PersonaQuerySet(models.QuerySet):
    def active(self) -> PersonaQuerySet:
        return self.filter(is_active=True)

    def with_record(self) -> PersonaQuerySet:
        """Annotate each critic's published record on published tools: count, ships, average."""
        on_record = Q(reviews__status=PublicationState.PUBLISHED) & Q(
            reviews__tool__in=Tool.objects.published()
        )
        return self.annotate(
            record_reviews=Count("reviews", filter=on_record),
            record_ships=Count("reviews", filter=on_record & Q(reviews__verdict=Verdict.SHIP)),
            record_average=Avg("reviews__score", filter=on_record),
        )


class Persona(models.Model):
    """A critic on the panel: each judges every tool through one lens."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=60)
    lens = models.CharField(max_length=240, help_text="What this critic judges.")
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField("active", default=True)
    # Part of the version that conditional GETs compare: a new lens changes tool pages.
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonaQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("pages:critic", kwargs={"slug": self.slug})

    @property
    def ship_rate(self) -> int | None:
        """Needs ``with_record()``: the share of this critic's reviews that say ship."""
        return percent(self.record_ships, self.record_reviews)

    @property
    def average_score(self) -> int | None:
        """Needs ``with_record()``."""
        return None if self.record_average is None else round_half_up(self.record_average)

    def clean(self) -> None:
        if self.is_active:
            others = Persona.objects.active().exclude(pk=self.pk).count()
            if others >= settings.SHIPORSKIP_MAX_PANEL:
                raise ValidationError(
                    f"The panel has at most {settings.SHIPORSKIP_MAX_PANEL} active critics; "
                    "deactivate one first."
                )


class ReviewQuerySet(models.QuerySet):
    def published(self) -> ReviewQuerySet:
        return self.filter(status=PublicationState.PUBLISHED)

    def on_published_tools(self) -> ReviewQuerySet:
        return self.published().filter(tool__in=Tool.objects.published())

    def for_persona_page(self) -> ReviewQuerySet:
        """A critic's published reviews, newest first, with the tool and its category."""
        return (
            self.on_published_tools()
            .select_related("tool", "tool__category")
            .order_by("-published_at", "tool__name")
        )

    def for_panel(self) -> ReviewQuerySet:
        """Published reviews in panel order, with their persona, ready to display."""
        return (
            self.published().select_related("persona").order_by("persona__order", "persona__name")
        )


# Every change to a review is kept as a revision by PostgreSQL triggers, whatever made it:
# the admin, an import, a bulk update or the shell. Each revision holds the review as it
# stood after the change (before it, for a deletion); the previous revision is the "before".
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    fields=["tool", "persona", "score", "verdict", "status", "body"],
    model_name="ReviewRevision",
    obj_field=pghistory.ObjForeignKey(related_name="revisions"),
)
class Review(models.Model):
    tool = models.ForeignKey("tools.Tool", on_delete=models.CASCADE, related_name="reviews")
    persona = models.ForeignKey(Persona, on_delete=models.PROTECT, related_name="reviews")
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="0 to 100",
    )
    verdict = models.CharField(max_length=4, choices=Verdict.choices)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=PublicationState.choices, default=PublicationState.PUBLISHED
    )
    published_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["persona__order", "persona__name"]
        # Search finds tools by their reviews through this index (tools.models.search).
        indexes = [GinIndex(review_search_vector(), name="review_body_search_idx")]
        constraints = [
            models.UniqueConstraint(fields=["tool", "persona"], name="one_review_per_persona"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="review_score_0_100"
            ),
            models.CheckConstraint(
                condition=Q(verdict__in=Verdict.values), name="review_verdict_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.persona} on {self.tool}"
