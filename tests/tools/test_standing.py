"""Certified Ship and the verdict timeline: the rule at its boundaries, the hysteresis,
and every path that re-evaluates it."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import PersonaFactory, ToolFactory, review_tool
from tools.models import Standing, Tool
from tools.standing import refresh_standings
from tools.verdicts import CommunitySummary, PanelSummary, PanelVerdict, Verdict, is_certified
from votes.models import Vote
from votes.services import discard_votes, restore_votes

pytestmark = pytest.mark.django_db


def summaries(panel_ships, panel_skips, community_ships, community_skips):
    return (
        PanelSummary(verdict="ship", ships=panel_ships, skips=panel_skips, average_score=None),
        CommunitySummary(ships=community_ships, skips=community_skips),
    )


@pytest.mark.parametrize(
    ("figures", "earns"),
    [
        ((4, 1, 38, 12), True),  # 80 % of 5 reviews, 76 % of 50 votes
        ((6, 2, 75, 25), True),  # exactly 75 % and 75 %
        ((4, 0, 38, 12), False),  # 4 reviews: one short
        ((5, 2, 75, 25), False),  # panel 71.4 %
        ((4, 1, 37, 13), False),  # community 74 %
        ((4, 1, 49, 0), False),  # 49 votes: one short
        ((4, 1, 299, 101), False),  # 74.75 %: rounds to 75 but is below it
        ((4, 1, 50, 0), True),
    ],
)
def test_earning_the_award_needs_both_shares_and_both_minimums(figures, earns):
    assert is_certified(*summaries(*figures), held=False) is earns


@pytest.mark.parametrize(
    ("figures", "keeps"),
    [
        ((7, 3, 35, 15), True),  # exactly 70 % and 70 %
        ((5, 2, 37, 13), True),  # 71 % and 74 %: too low to earn, enough to keep
        ((3, 1, 20, 5), True),  # below the minimums: only the shares decide keeping
        ((69, 31, 90, 10), False),  # panel 69 %
        ((9, 1, 69, 31), False),  # community 69 %
        ((0, 0, 10, 0), False),  # no published reviews left: no share at all
    ],
)
def test_keeping_the_award_needs_only_both_shares_at_the_keep_line(figures, keeps):
    assert is_certified(*summaries(*figures), held=True) is keeps


def test_thresholds_are_settings(settings):
    figures = summaries(4, 1, 38, 12)
    settings.SHIPORSKIP_CERTIFIED_COMMUNITY_VOTES = 51
    assert is_certified(*figures, held=False) is False
    settings.SHIPORSKIP_CERTIFIED_COMMUNITY_VOTES = 50
    settings.SHIPORSKIP_CERTIFIED_PANEL_SHARE = 85
    assert is_certified(*figures, held=False) is False
    settings.SHIPORSKIP_CERTIFIED_KEEP_SHARE = 77
    assert is_certified(*figures, held=True) is False


_voters = iter(range(10**6))


def add_votes(tool, *, ships=0, skips=0):
    Vote.objects.bulk_create(
        [
            Vote(tool=tool, voter=f"v-{next(_voters)}", fingerprint="fp", choice=choice)
            for choice, count in ((Verdict.SHIP, ships), (Verdict.SKIP, skips))
            for _ in range(count)
        ]
    )


def ship_votes(tool, count):
    ids = list(
        Vote.objects.counted().filter(tool=tool, choice=Verdict.SHIP).values_list("pk", flat=True)
    )[:count]
    return Vote.objects.filter(pk__in=ids)


def fresh(tool):
    return Tool.objects.get(pk=tool.pk)


@pytest.fixture
def contender(panel):
    tool = ToolFactory(name="Contender", slug="contender")
    review_tool(tool, panel, "sssssk")  # 5 of 6: 83 %
    add_votes(tool, ships=38, skips=12)  # 76 %
    return tool


def test_the_award_is_earned_kept_above_the_line_lost_below_it_and_earned_again(contender):
    call_command("update_certifications", stdout=open("/dev/null", "w"))  # noqa: SIM115
    earned_at = fresh(contender).certified_since
    assert earned_at is not None

    # 35 / 47 = 74.5 %: too low to earn the award, high enough to keep it.
    discard_votes(votes=ship_votes(contender, 3), reason="ring")
    assert fresh(contender).certified_since == earned_at

    # 35 / 51 = 68.6 %: below the keep line.
    add_votes(contender, skips=4)
    refresh_standings()
    lost = fresh(contender)
    assert lost.certified_since is None
    assert lost.certified_lost_at is not None

    # Restored, 38 / 54 = 70.4 %: enough to keep the award, not to earn it back: no flicker.
    restore_votes(votes=Vote.objects.discarded())
    assert fresh(contender).certified_since is None

    # 48 / 64 = 75 %: earned again, on a new date.
    add_votes(contender, ships=10)
    refresh_standings()
    again = fresh(contender)
    assert again.certified_since is not None and again.certified_since > earned_at

    awards = [p.certified for p in Standing.objects.filter(tool=contender).award_changes()]
    assert awards == [False, True]


def test_a_refresh_with_nothing_changed_writes_nothing(contender, django_assert_max_num_queries):
    refresh_standings()
    # The lock, the latest points, the tools' figures; and the test's savepoint around them.
    with django_assert_max_num_queries(5):
        refreshed = refresh_standings()
    assert refreshed.points == [] and refreshed.earned == [] and refreshed.lost == []
    assert Standing.objects.filter(tool=contender).count() == 1


def test_community_only_moves_are_recorded_at_most_once_per_interval(contender, settings):
    settings.SHIPORSKIP_TIMELINE_COMMUNITY_INTERVAL = 3600
    start = timezone.now()
    refresh_standings(now=start)
    add_votes(contender, ships=1)
    assert refresh_standings(now=start + datetime.timedelta(minutes=5)).points == []
    assert len(refresh_standings(now=start + datetime.timedelta(hours=1)).points) == 1


def test_a_panel_change_is_recorded_at_once_with_the_verdict_it_left(panel):
    tool = ToolFactory()
    reviews = review_tool(tool, panel, "kkss")
    start = timezone.now()
    refresh_standings(now=start)
    for review in reviews[:2]:
        review.verdict = Verdict.SHIP
        review.save()
    refreshed = refresh_standings(now=start + datetime.timedelta(minutes=1))
    [point] = refreshed.points
    assert (point.previous_verdict, point.panel_verdict) == (PanelVerdict.SPLIT, PanelVerdict.SHIP)
    assert point.change_line == "Verdict changed from SPLIT to SHIP"


def test_adding_the_fifth_review_in_the_admin_awards_at_once(client, editor, panel):
    tool = ToolFactory(name="Almost", slug="almost")
    reviews = review_tool(tool, panel, "ssss")
    add_votes(tool, ships=50)
    refresh_standings()
    assert not fresh(tool).is_certified  # four reviews: one short
    data = {
        "name": tool.name,
        "slug": tool.slug,
        "tagline": tool.tagline,
        "category": tool.category_id,
        "entry_price": tool.entry_price,
        "status": "published",
        "published_at_0": "2026-01-01",
        "published_at_1": "10:00:00",
        "reviews-TOTAL_FORMS": "5",
        "reviews-INITIAL_FORMS": "4",
        "reviews-MIN_NUM_FORMS": "0",
        "reviews-MAX_NUM_FORMS": "1000",
        "reviews-4-persona": str(panel[4].pk),
        "reviews-4-score": "80",
        "reviews-4-verdict": "ship",
        "reviews-4-status": "published",
        "reviews-4-body": "Good.",
    }
    for index, review in enumerate(reviews):
        data |= {
            f"reviews-{index}-id": str(review.pk),
            f"reviews-{index}-persona": str(review.persona_id),
            f"reviews-{index}-score": "80",
            f"reviews-{index}-verdict": "ship",
            f"reviews-{index}-status": "published",
            f"reviews-{index}-body": "Still good.",
        }
    client.force_login(editor)
    response = client.post(reverse("admin:tools_tool_change", args=[tool.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert fresh(tool).is_certified
    # The award shows at once on the tool page and the list of certified tools.
    assert "Certified Ship</a> since" in client.get(tool.get_absolute_url()).content.decode()
    assert "Almost" in client.get(reverse("pages:certified")).content.decode()


def test_the_certified_page_lists_only_certified_published_tools(
    client, panel, django_assert_max_num_queries
):
    for n in range(30):
        tool = ToolFactory(name=f"Certified {n}", slug=f"certified-{n}")
        review_tool(tool, panel, "ssssss")
        add_votes(tool, ships=50)
    draft = ToolFactory(name="Hidden draft", draft=True)
    review_tool(draft, panel, "ssssss")
    add_votes(draft, ships=50)
    plain = ToolFactory(name="Merely liked")
    review_tool(plain, panel, "sssskk")
    add_votes(plain, ships=50)
    refresh_standings()
    with django_assert_max_num_queries(4):
        html = client.get(reverse("pages:certified")).content.decode()
    assert html.count('class="tool-card"') == 24
    assert "Hidden draft" not in html and "Merely liked" not in html
    assert html.count("Certified Ship</a></p>") == 24
    feed = client.get(reverse("pages:certified-feed")).content.decode()
    assert feed.count("<item>") == 30
    assert "Certified 0 is Certified Ship" in feed


def test_the_award_shows_on_cards_comparisons_badges_and_the_embed(client, panel, contender):
    refresh_standings()
    rival = ToolFactory(name="Rival", slug="rival", category=contender.category)
    review_tool(rival, panel, "sssk")
    home = client.get("/").content.decode()
    # Every card of the certified tool carries the award, and no other card does.
    cards = home.count('<a href="/tools/contender/">Contender</a></h3>')
    assert cards >= 1
    assert home.count("Certified Ship</a></p>") == cards
    compare = client.get(reverse("comparisons:detail", args=["contender-vs-rival"]))
    assert compare.content.decode().count("Certified Ship</a></p>") == 1
    badge = client.get(reverse("badges:svg", args=["contender"])).content.decode()
    assert "Certified Ship" in badge
    assert (
        "Certified Ship" not in client.get(reverse("badges:svg", args=["rival"])).content.decode()
    )
    card = client.get(reverse("badges:svg", args=["contender"]), {"style": "card"})
    assert "CERTIFIED" in card.content.decode()
    assert (
        "Certified Ship" in client.get(reverse("badges:embed", args=["contender"])).content.decode()
    )


def test_tool_page_etag_changes_when_the_award_does(client, contender):
    first = client.get(contender.get_absolute_url())
    refresh_standings()
    second = client.get(contender.get_absolute_url(), headers={"if-none-match": first["ETag"]})
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]


def test_retired_critics_still_count_toward_the_award(panel):
    tool = ToolFactory()
    review_tool(tool, panel, "ssss")
    retired = PersonaFactory(is_active=False)
    review_tool(tool, [retired], "s")
    add_votes(tool, ships=50)
    refresh_standings()
    assert fresh(tool).is_certified
