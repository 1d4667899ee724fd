from __future__ import annotations

import operator
import re
from functools import reduce

import pghistory
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import Lexeme, SearchQuery, SearchRank, SearchVector
from django.db import models
from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    StringAgg,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Abs, Cast, Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone

from tools.verdicts import (
    CommunitySummary,
    PanelSummary,
    PanelVerdict,
    Verdict,
    panel_verdict_expression,
)


class PublicationState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


def published_filter(prefix: str = "") -> Q:
    """The one rule for a public tool: published, and its publication time has come.

    ``prefix`` reaches a tool through a relation, e.g. ``"tools__"`` from a category.
    """
    return Q(
        **{
            f"{prefix}status": PublicationState.PUBLISHED,
            f"{prefix}published_at__lte": timezone.now(),
        }
    )


class CategoryQuerySet(models.QuerySet):
    def with_published_counts(self) -> CategoryQuerySet:
        return self.annotate(published_tools=Count("tools", filter=published_filter("tools__")))


class Category(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    # Part of the version that conditional GETs compare: a renamed category changes pages.
    updated_at = models.DateTimeField(auto_now=True)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("pages:category", kwargs={"slug": self.slug})


class EntryPrice(models.TextChoices):
    FREE = "free", "Free"
    FREEMIUM = "freemium", "Freemium"
    PAID = "paid", "Paid"
    OPEN_WEIGHT = "open_weight", "Open-weight"


class _CountSubquery(Subquery):
    """``(SELECT COUNT(*) FROM (<rows>))``: a plain count, with no GROUP BY to aggregate.

    Counting the inner rows directly lets PostgreSQL answer from an index-only scan of a
    covering index, where the grouped form spent most of its time in GroupAggregate.
    """

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted_rows)"
    output_field = IntegerField()


def _related(tools: models.QuerySet, relation: str) -> models.QuerySet:
    """All rows of one of Tool's reverse relations ("reviews", "community_count"). The
    relation is named, not imported: the apps that own those rows stand above the catalogue
    and import it, never the other way round."""
    return tools.model._meta.get_field(relation).related_model._default_manager.order_by()


def _related_rows(tools: models.QuerySet, relation: str, **filters) -> models.QuerySet:
    """The rows of a reverse relation that belong to the outer query's tool."""
    return _related(tools, relation).filter(tool=OuterRef("pk"), **filters)


def _count_of(tools: models.QuerySet, relation: str, **filters) -> _CountSubquery:
    """Correlated COUNT subquery: stays one row per tool however many rows are counted."""
    return _CountSubquery(_related_rows(tools, relation, **filters).values("tool"))


TOOL_SLUG_MAX_LENGTH = 100
# Django's slug characters, as long as the column allows. Compiled here rather than using
# django.core.validators.slug_re (a lazy object) because every badge hit checks its slug.
_TOOL_SLUG = re.compile(rf"[-a-zA-Z0-9_]{{1,{TOOL_SLUG_MAX_LENGTH}}}")


def is_tool_slug(value: str) -> bool:
    """Whether ``value`` could be a tool's slug; check input with this before any query.

    Only real slugs may reach the database (a NUL byte, say, makes PostgreSQL raise), and
    anything longer than the column could never match.
    """
    return _TOOL_SLUG.fullmatch(value) is not None


# Search matches word prefixes so live results appear while a word is still being typed.
SEARCH_MAX_TERMS = 8
SEARCH_CONFIG = "english"


def tool_search_vector() -> SearchVector:
    """A tool's own searchable text, weighted. ``tool_search_idx`` indexes exactly this."""
    return (
        SearchVector("name", weight="A", config=SEARCH_CONFIG)
        + SearchVector("tagline", weight="B", config=SEARCH_CONFIG)
        + SearchVector("description", "best_for", weight="C", config=SEARCH_CONFIG)
    )


def review_search_vector() -> SearchVector:
    """A review body's searchable text. ``review_body_search_idx`` indexes exactly this."""
    return SearchVector("body", config=SEARCH_CONFIG)


def search_query(text: str) -> SearchQuery | None:
    """A prefix query for the words in ``text``; None when there is nothing to look for.

    Two readings of the same text, either of which may match: its words (``\\w+``, which
    find the parts of hyphenated text such as "lock-in"), and its whitespace-separated
    terms as PostgreSQL's parser reads them, which keeps names such as "llama.cpp", "3.5"
    and "GPT-4o" whole, as the index holds them. Django's ``Lexeme`` quotes each term, so no
    input can break the tsquery's syntax.
    """
    words = re.findall(r"\w+", text)[:SEARCH_MAX_TERMS]
    if not words:
        return None
    # PostgreSQL text cannot hold NUL, and a term is sent whole.
    terms = [term for term in text.replace("\0", "").split() if re.search(r"\w", term)]
    terms = terms[:SEARCH_MAX_TERMS]
    by_words = reduce(operator.and_, (Lexeme(word, prefix=True) for word in words))
    by_terms = reduce(operator.and_, (Lexeme(term, prefix=True) for term in terms))
    return SearchQuery(by_words, config=SEARCH_CONFIG) | SearchQuery(by_terms, config=SEARCH_CONFIG)


def exact_name_filter(text: str) -> Q:
    """A tool whose name or slug is exactly ``text`` (case aside)."""
    text = text.replace("\0", "").strip()
    return Q(name__iexact=text) | Q(slug=text.lower())


class VerdictSummaries:
    """``panel`` and ``community`` for a row that carries the verdict figures by name: a
    tool annotated by ``with_stats()``, or a point of its timeline."""

    @property
    def panel(self) -> PanelSummary:
        """Reading it from an unannotated tool is a bug, not a query."""
        return PanelSummary.of(self)

    @property
    def community(self) -> CommunitySummary:
        return CommunitySummary(ships=self.community_ships, skips=self.community_skips)


class ToolQuerySet(models.QuerySet):
    def published(self) -> ToolQuerySet:
        return self.filter(published_filter())

    # Three loaders, by what they load: the panel alone (to filter or rank by verdict), the
    # panel over the whole catalogue in one pass (to rank it), and everything a card shows.

    def with_panel_stats(self, *, whole_catalogue: bool = False) -> ToolQuerySet:
        """Annotate panel ships, skips, average score and verdict from published reviews.

        Per tool, correlated subqueries suit a page of tools. ``whole_catalogue=True`` reads
        every review once in a single join and GROUP BY instead: ranking 10,000 tools with
        the correlated form ran some 30,000 index lookups (0.7 s) just to find the home
        page's six leaders. Rank with it, then load ``in_ranking_order()`` for the ids picked.
        """
        published_reviews = {"status": PublicationState.PUBLISHED}
        if whole_catalogue:
            published = Q(reviews__status=PublicationState.PUBLISHED)
            panel = {
                "panel_ships": Count(
                    "reviews", filter=published & Q(reviews__verdict=Verdict.SHIP)
                ),
                "panel_skips": Count(
                    "reviews", filter=published & Q(reviews__verdict=Verdict.SKIP)
                ),
                "panel_average_score": Avg("reviews__score", filter=published),
            }
        else:
            average = (
                _related_rows(self, "reviews", **published_reviews)
                .values("tool")
                .annotate(avg=Avg("score"))
                .values("avg")
            )
            panel = {
                "panel_ships": _count_of(
                    self, "reviews", verdict=Verdict.SHIP, **published_reviews
                ),
                "panel_skips": _count_of(
                    self, "reviews", verdict=Verdict.SKIP, **published_reviews
                ),
                "panel_average_score": Subquery(average, output_field=models.FloatField()),
            }
        return self.annotate(**panel).annotate(panel_verdict=panel_verdict_expression())

    def with_stats(self) -> ToolQuerySet:
        """Everything a card shows: category, panel and community figures."""
        return self.select_related("category").with_panel_stats()._with_community_stats()

    def _with_community_stats(self) -> ToolQuerySet:
        """Community ships and skips, read from the tool's kept counts row (the votes app
        keeps it exact in the vote's own transaction; discarded votes never count). One
        row per tool however many votes it has; no row yet means no votes."""
        counts = _related_rows(self, "community_count")
        return self.annotate(
            community_ships=Coalesce(Subquery(counts.values("ships")), 0),
            community_skips=Coalesce(Subquery(counts.values("skips")), 0),
        )

    def in_ranking_order(self, ranking: ToolQuerySet, *, limit: int) -> list[Tool]:
        """``with_stats()`` tools for the first ``limit`` of ``ranking``, in its order.

        Two queries whatever the catalogue's size: the ranking's ids, then the full stats
        for just those rows. Annotating a whole list and slicing it afterwards would make
        PostgreSQL count for every row an OFFSET skips too: page 400 would cost 400 pages.
        """
        return self.in_given_order(list(ranking.values_list("pk", flat=True)[:limit]))

    def in_given_order(self, ids: list[int]) -> list[Tool]:
        """``with_stats()`` tools for ``ids``, in that order (ids not in self are skipped)."""
        by_id = self.with_stats().in_bulk(ids)
        return [by_id[pk] for pk in ids if pk in by_id]

    def verdict(self, verdict: PanelVerdict) -> ToolQuerySet:
        return self.with_panel_stats().filter(panel_verdict=verdict)

    def latest_first(self) -> ToolQuerySet:
        return self.order_by("-published_at", "name")

    def compare_choices(self) -> ToolQuerySet:
        """Just enough of each tool for comparison links and the compare picker."""
        return self.only("slug", "name", "category_id").order_by("name")

    def compare_choices_for(self, tool: Tool, *, limit: int) -> ToolQuerySet:
        """Up to ``limit`` tools to compare ``tool`` with: its own category first, then the
        rest, each by name.

        Bounded because a page listing the whole catalogue grows with it: at 10,000 tools
        the tool page carried 570 kB of ``<option>`` and took four times as long. Two
        halves, each the first ``limit`` by name from an index, joined: ordering the whole
        catalogue by "same category" first cost 10 ms a page at 10,000 tools.
        """
        choices = self.exclude(pk=tool.pk).only("slug", "name", "category_id")
        same = choices.filter(category_id=tool.category_id).annotate(elsewhere=Value(0))
        rest = choices.exclude(category_id=tool.category_id).annotate(elsewhere=Value(1))
        return (
            same.order_by("name")[:limit]
            .union(rest.order_by("name")[:limit], all=True)
            .order_by("elsewhere", "name")[:limit]
        )

    def _ensure_panel_stats(self) -> ToolQuerySet:
        # Annotating twice would build and send every panel subquery twice.
        return self if "panel_verdict" in self.query.annotations else self.with_panel_stats()

    def top_shipped(self) -> ToolQuerySet:
        """SHIP verdicts, the most one-sided first, then by average score."""
        reviews = F("panel_ships") + F("panel_skips")
        return (
            self._ensure_panel_stats()
            .filter(panel_verdict=PanelVerdict.SHIP)
            .annotate(
                panel_ship_ratio=Cast("panel_ships", FloatField())
                / NullIf(Cast(reviews, FloatField()), 0.0)
            )
            .order_by(
                F("panel_ship_ratio").desc(nulls_last=True),
                F("panel_average_score").desc(nulls_last=True),
                "name",
            )
        )

    def most_divided(self) -> ToolQuerySet:
        """SPLIT verdicts and close calls (won by one review), the closest first."""
        return (
            self._ensure_panel_stats()
            .exclude(panel_verdict=PanelVerdict.PENDING)
            .annotate(panel_margin=Abs(F("panel_ships") - F("panel_skips")))
            .filter(panel_margin__lte=1)
            .order_by("panel_margin", "-published_at", "name")
        )

    def by_community_votes(self) -> ToolQuerySet:
        return self._with_community_stats().order_by(
            (F("community_ships") + F("community_skips")).desc(), "name"
        )

    def certified(self) -> ToolQuerySet:
        """Tools that hold Certified Ship now."""
        return self.filter(certified_since__isnull=False)

    def with_set_aside_votes(self) -> ToolQuerySet:
        """Annotate how many of the tool's votes were set aside (discarded)."""
        return self.annotate(
            community_set_aside=_count_of(self, "votes", discarded_at__isnull=False)
        )

    def for_tool_page(self) -> ToolQuerySet:
        """Everything a tool page shows of the tool itself."""
        return self.with_stats().with_set_aside_votes()

    def with_reviews_version(self) -> ToolQuerySet:
        """Annotate when any of the tool's reviews last changed (for conditional GETs)."""
        latest = _related_rows(self, "reviews").order_by("-updated_at").values("updated_at")[:1]
        return self.annotate(
            reviews_updated_at=Subquery(latest),
            reviews_total=_count_of(self, "reviews"),
        )

    def search(self, query: SearchQuery, *, exact: str = "") -> ToolQuerySet:
        """Tools matching ``query`` in name, tagline, take or published reviews, best first.

        A tool named or slugged exactly ``exact`` always matches and comes first. Then
        names weigh most, then taglines, then the panel's take, then the review bodies.
        The matching tools are found first through the two full-text indexes; building the
        weighted document (every review body aggregated) for each tool in the catalogue
        took over a second per search at 10,000 tools, so it is built for the matches only.
        """
        by_own_text = (
            Tool.objects.annotate(own_document=tool_search_vector())
            .filter(own_document=query)
            .values("pk")
        )
        published_reviews = {"status": PublicationState.PUBLISHED}
        by_review = (
            _related(self, "reviews")
            .filter(**published_reviews)
            .annotate(body_document=review_search_vector())
            .filter(body_document=query)
            .values("tool_id")
        )
        review_text = (
            _related_rows(self, "reviews", **published_reviews)
            .values("tool")
            .annotate(text=StringAgg("body", Value(" ")))
            .values("text")
        )
        document = tool_search_vector() + SearchVector(
            Coalesce(Subquery(review_text), Value(""), output_field=models.TextField()),
            weight="D",
            config=SEARCH_CONFIG,
        )
        named = exact_name_filter(exact) if exact.replace("\0", "").strip() else Q(pk__in=[])
        return (
            self.filter(Q(pk__in=by_own_text) | Q(pk__in=by_review) | named)
            .annotate(
                search_exact=Case(
                    When(named, then=Value(1)), default=Value(0), output_field=IntegerField()
                ),
                search_document=document,
            )
            .annotate(search_rank=SearchRank(F("search_document"), query))
            .order_by("-search_exact", "-search_rank", "name")
        )


class Logo(models.Model):
    """A tool's logo as the site serves it: re-encoded PNGs, named by a hash of their bytes.

    Only the renditions are kept, never the upload: they carry no metadata and nothing of
    the original file but its pixels. The digest is part of every logo URL, so a new logo
    gets new URLs and browsers may keep each one for good (``tools.logos``).
    """

    digest = models.CharField(primary_key=True, max_length=32, editable=False)
    small = models.BinaryField("64 px PNG")
    medium = models.BinaryField("128 px PNG")
    large = models.BinaryField("256 px PNG")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.digest


# What editors write about a tool: the import format's tool fields (with "published" for
# the status), the fields its revisions keep, in the admin's order.
EDITORIAL_FIELDS = (
    "slug",
    "name",
    "tagline",
    "category",
    "entry_price",
    "pricing",
    "best_for",
    "description",
    "website",
    "vendor",
    "status",
    "published_at",
)


# Editors' changes to a tool are kept as revisions by a PostgreSQL trigger, whatever made
# them (the admin, a bulk action, an import, the shell). The award's dates are left out:
# the verdict timeline (Standing) records those.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    fields=list(EDITORIAL_FIELDS),
    model_name="ToolRevision",
    obj_field=pghistory.ObjForeignKey(related_name="revisions"),
)
class Tool(VerdictSummaries, models.Model):
    slug = models.SlugField(max_length=TOOL_SLUG_MAX_LENGTH, unique=True)
    name = models.CharField(max_length=120)
    tagline = models.CharField(max_length=200)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="tools")
    entry_price = models.CharField(max_length=20, choices=EntryPrice.choices)
    pricing = models.CharField("pricing read", max_length=300, blank=True)
    best_for = models.CharField(max_length=200, blank=True)
    description = models.TextField("the panel's take", blank=True)
    website = models.URLField(blank=True)
    vendor = models.CharField(max_length=120, blank=True)
    # Set through ``tools.services.set_logo``; a tool without one shows its monogram. Pages
    # read only the digest (this column), so showing logos costs no query or join.
    logo = models.ForeignKey(
        Logo,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="tools",
    )
    status = models.CharField(
        max_length=10, choices=PublicationState.choices, default=PublicationState.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Certified Ship: when the award held now was earned (empty: not certified), and when
    # it was last lost. Kept by tools.standing, never edited by hand.
    certified_since = models.DateTimeField(null=True, blank=True, editable=False)
    certified_lost_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ToolQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            # The listing order, covering: any page of the home page, however deep, is read
            # from the index alone, already sorted (the OFFSET no longer visits the table).
            models.Index(
                fields=["status", "-published_at", "name"],
                include=["id"],
                name="tool_listing_idx",
            ),
            GinIndex(tool_search_vector(), name="tool_search_idx"),
            # The compare picker: the first tools by name, in the tool's category and out
            # of it, each read from an index instead of sorting the whole catalogue.
            models.Index(fields=["category", "name"], name="tool_category_name_idx"),
            models.Index(fields=["name"], name="tool_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="tool_published_has_date",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("pages:tool", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        """Whether readers can see the tool: the same rule as ``Tool.objects.published()``."""
        return (
            self.status == PublicationState.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_certified(self) -> bool:
        return self.certified_since is not None

    def publish(self) -> None:
        self.status = PublicationState.PUBLISHED
        self.published_at = self.published_at or timezone.now()

    def unpublish(self) -> None:
        self.status = PublicationState.DRAFT


class StandingQuerySet(models.QuerySet):
    def latest_per_tool(self, tool_ids: list[int] | None = None) -> StandingQuerySet:
        """The newest point of each tool's timeline (of ``tool_ids``, or every tool)."""
        points = self if tool_ids is None else self.filter(tool_id__in=tool_ids)
        return points.order_by("tool_id", "-recorded_at").distinct("tool_id")

    def timeline(self, tool: Tool, *, limit: int) -> tuple[list[Standing], Standing | None]:
        """The newest ``limit`` points of ``tool``'s timeline, oldest first, and its latest
        verdict change (which may be older than those points), in one query."""
        newest = (
            self.filter(tool=tool)
            .annotate(is_change=Value(False))
            .order_by("-recorded_at", "-pk")[:limit]
        )
        change = (
            self.filter(tool=tool)
            .verdict_changes()
            .annotate(is_change=Value(True))
            .order_by("-recorded_at", "-pk")[:1]
        )
        rows = list(newest.union(change, all=True))
        points = sorted(
            (row for row in rows if not row.is_change), key=lambda p: (p.recorded_at, p.pk)
        )
        return points, next((row for row in rows if row.is_change), None)

    def verdict_changes(self) -> StandingQuerySet:
        """Points at which the panel verdict moved from one verdict to another."""
        return self.exclude(previous_verdict="").exclude(previous_verdict=F("panel_verdict"))

    def award_changes(self) -> StandingQuerySet:
        """Points at which Certified Ship was earned or lost."""
        return self.filter(previous_certified__isnull=False).exclude(
            previous_certified=F("certified")
        )

    def changes(self) -> StandingQuerySet:
        """Verdict and award changes, newest first, with their tools."""
        return (
            (self.verdict_changes() | self.award_changes())
            .select_related("tool")
            .order_by("-recorded_at", "-pk")
        )


class Standing(VerdictSummaries, models.Model):
    """One point on a tool's verdict timeline: the panel and community figures and the
    award as they stood at ``recorded_at``.

    A point is added whenever the panel's figures or verdict, or the award, change (and for
    community figures alone, at most every ``SHIPORSKIP_TIMELINE_COMMUNITY_INTERVAL``), by
    ``tools.standing.refresh_standings``. The previous verdict and award are kept on the
    point so that changes can be listed without comparing rows.
    """

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="standings")
    recorded_at = models.DateTimeField()
    panel_ships = models.PositiveIntegerField()
    panel_skips = models.PositiveIntegerField()
    panel_verdict = models.CharField(max_length=10, choices=PanelVerdict.choices)
    community_ships = models.PositiveIntegerField()
    community_skips = models.PositiveIntegerField()
    certified = models.BooleanField()
    # The verdict and award at the tool's previous point; empty/None on its first point.
    previous_verdict = models.CharField(max_length=10, blank=True, choices=PanelVerdict.choices)
    previous_certified = models.BooleanField(null=True)

    objects = StandingQuerySet.as_manager()

    class Meta:
        ordering = ["tool", "recorded_at"]
        indexes = [
            models.Index(fields=["tool", "-recorded_at"], name="standing_timeline_idx"),
            models.Index(fields=["-recorded_at"], name="standing_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.tool_id} at {self.recorded_at:%Y-%m-%d %H:%M}: {self.panel_verdict}"

    @property
    def verdict_changed(self) -> bool:
        return self.previous_verdict not in ("", self.panel_verdict)

    @property
    def award_changed(self) -> bool:
        return self.previous_certified is not None and self.previous_certified != self.certified

    @property
    def change_line(self) -> str:
        """ "Verdict changed from SKIP to SHIP", "Earned Certified Ship", or both."""
        parts = []
        if self.verdict_changed:
            before = PanelVerdict(self.previous_verdict).label
            after = PanelVerdict(self.panel_verdict).label
            if self.previous_verdict == PanelVerdict.PENDING:
                parts.append(f"Panel verdict given: {after}")
            else:
                parts.append(f"Verdict changed from {before} to {after}")
        if self.award_changed:
            parts.append("Earned Certified Ship" if self.certified else "Lost Certified Ship")
        return "; ".join(parts)


class ContentVersion(models.Model):
    """One number that goes up whenever what the reading pages show of the catalogue
    changes: a tool, a category, a critic, a review, a featured comparison.

    Never written by Python: triggers on those tables (``tools.content_version``) bump it
    in the changing transaction, so the new number becomes visible together with the
    change it stands for. Reading it is one row, however big the catalogue; the
    page cache keys pages by it instead of scanning every tool and review for their newest
    change. Community votes are not part of it: they are counted per tool.
    """

    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.version)
