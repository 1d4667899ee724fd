import factory
from django.utils import timezone

from reviews.models import Persona, Review
from tools.models import Category, EntryPrice, PublicationState, Tool
from tools.verdicts import Verdict
from votes.models import Vote


def numbered(label: str) -> tuple[factory.Sequence, factory.Sequence]:
    """A name and a slug that count up together: "Tool 3" and "tool-3"."""
    return (
        factory.Sequence(lambda n: f"{label} {n}"),
        factory.Sequence(lambda n: f"{label.lower()}-{n}"),
    )


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name, slug = numbered("Category")
    description = "Tools that do one kind of job."


class ToolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tool

    name, slug = numbered("Tool")
    tagline = "Does the thing, mostly."
    category = factory.SubFactory(CategoryFactory)
    entry_price = EntryPrice.FREEMIUM
    pricing = "Free tier, then per seat"
    best_for = "Small teams"
    description = "The panel's take on this tool."
    website = "https://example.com/"
    vendor = "Example Corp"
    status = PublicationState.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    class Params:
        draft = factory.Trait(status=PublicationState.DRAFT, published_at=None)


class PersonaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Persona

    name, slug = numbered("Critic")
    lens = "Judges whether it holds up."
    order = factory.Sequence(lambda n: n)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    tool = factory.SubFactory(ToolFactory)
    persona = factory.SubFactory(PersonaFactory)
    score = 80
    verdict = Verdict.SHIP
    body = "Solid for what it promises."


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vote

    tool = factory.SubFactory(ToolFactory)
    voter = factory.Sequence(lambda n: f"voter-{n:08d}")
    fingerprint = factory.Sequence(lambda n: f"fp-{n % 5}")
    choice = Verdict.SHIP


def review_tool(tool: Tool, personas: list[Persona], verdicts: str) -> list[Review]:
    """Give ``tool`` one review per letter of ``verdicts`` ("s" ship, "k" skip)."""
    reviews = []
    for persona, letter in zip(personas, verdicts, strict=False):
        is_ship = letter == "s"
        reviews.append(
            ReviewFactory(
                tool=tool,
                persona=persona,
                verdict=Verdict.SHIP if is_ship else Verdict.SKIP,
                score=82 if is_ship else 38,
            )
        )
    return reviews


def cast_votes(tool: Tool, *, ships: int = 0, skips: int = 0) -> None:
    Vote.objects.bulk_create(
        [
            Vote(tool=tool, voter=f"{tool.slug}-{choice}-{n}", fingerprint="fp", choice=choice)
            for choice, count in ((Verdict.SHIP, ships), (Verdict.SKIP, skips))
            for n in range(count)
        ]
    )


def reviewed_tool(
    personas: list[Persona], verdicts: str, *, ships: int = 0, skips: int = 0, **fields
) -> Tool:
    """A published tool with ``fields``, reviewed as ``verdicts`` says and voted on."""
    tool = ToolFactory(**fields)
    review_tool(tool, personas, verdicts)
    cast_votes(tool, ships=ships, skips=skips)
    return tool


class SubscriberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "newsletter.Subscriber"

    email = factory.Sequence(lambda n: f"reader{n}@example.com")
    confirmed_at = factory.LazyFunction(timezone.now)

    class Params:
        pending = factory.Trait(confirmed_at=None)
        unsubscribed = factory.Trait(unsubscribed_at=factory.LazyFunction(timezone.now))
