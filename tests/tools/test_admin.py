import pytest
from django.urls import reverse

from badges.data import forget_all_local
from reviews.models import Review
from tests.factories import CategoryFactory, ToolFactory, review_tool
from tools.models import Tool

pytestmark = pytest.mark.django_db


def inline_data(panel, verdicts):
    data = {
        "reviews-TOTAL_FORMS": str(len(verdicts)),
        "reviews-INITIAL_FORMS": "0",
        "reviews-MIN_NUM_FORMS": "0",
        "reviews-MAX_NUM_FORMS": "1000",
    }
    for index, (persona, verdict) in enumerate(zip(panel, verdicts, strict=False)):
        data |= {
            f"reviews-{index}-persona": str(persona.pk),
            f"reviews-{index}-score": "85" if verdict == "ship" else "35",
            f"reviews-{index}-verdict": verdict,
            f"reviews-{index}-status": "published",
            f"reviews-{index}-body": f"{persona.name} has thoughts.",
        }
    return data


def test_editor_creates_a_tool_with_four_reviews_publishes_it_and_sees_it(client, editor, panel):
    category = CategoryFactory(name="Coding assistants")
    client.force_login(editor)
    form_page = client.get(reverse("admin:tools_tool_add"))
    assert form_page.status_code == 200
    # One review row is offered per active persona.
    assert form_page.content.decode().count('name="reviews-') >= len(panel)
    data = {
        "name": "Aider",
        "slug": "aider",
        "tagline": "Pair programming in your terminal",
        "category": str(category.pk),
        "entry_price": "free",
        "pricing": "Free (Apache 2.0); bring your own model key",
        "best_for": "Terminal-first developers",
        "description": "Small, sharp and git-native.",
        "website": "https://aider.chat/",
        "vendor": "Aider",
        "status": "draft",
        "published_at": "",
        **inline_data(panel, ["ship", "ship", "ship", "skip"]),
    }
    response = client.post(reverse("admin:tools_tool_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    tool = Tool.objects.get(slug="aider")
    assert Review.objects.filter(tool=tool).count() == 4
    assert "Aider" not in client.get("/").content.decode()

    response = client.post(
        reverse("admin:tools_tool_changelist"),
        {"action": "publish", "_selected_action": [str(tool.pk)]},
    )
    assert response.status_code == 302
    home = client.get("/").content.decode()
    assert "Aider" in home
    assert "SHIP</p>" in home
    assert 'verdict-score-detail">3 ships · 1 skip</p>' in home


def test_changelist_shows_verdict_columns(client, editor, panel, django_assert_max_num_queries):
    for tool in ToolFactory.create_batch(30):
        review_tool(tool, panel, "sskk")
    client.force_login(editor)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:tools_tool_changelist"))
    html = response.content.decode()
    assert "SPLIT" in html
    assert "2 ships · 2 skips" in html
    filtered = client.get(reverse("admin:tools_tool_changelist"), {"verdict": "split"})
    assert filtered.status_code == 200


def test_unpublish_hides_the_tool(client, editor):
    tool = ToolFactory(name="Soon Gone")
    client.force_login(editor)
    client.post(
        reverse("admin:tools_tool_changelist"),
        {"action": "unpublish", "_selected_action": [str(tool.pk)]},
    )
    assert client.get(tool.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:tools_tool_changelist",
        "admin:reviews_persona_changelist",
        "admin:reviews_review_changelist",
        "admin:tools_category_changelist",
        "admin:votes_vote_changelist",
    ],
)
def test_editor_reaches_every_curation_page(client, editor, url_name):
    client.force_login(editor)
    assert client.get(reverse(url_name)).status_code == 200


def test_editor_cannot_delete(client, editor):
    tool = ToolFactory()
    client.force_login(editor)
    response = client.get(reverse("admin:tools_tool_delete", args=[tool.pk]))
    assert response.status_code == 403
    assert Tool.objects.filter(pk=tool.pk).exists()


def test_votes_are_read_only_for_editors(client, editor):
    client.force_login(editor)
    assert client.get(reverse("admin:votes_vote_add")).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("admin:tools_tool_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_signed_in_non_staff_never_reach_the_admin(client, django_user_model):
    user = django_user_model.objects.create_user(username="reader", password="x" * 12)
    client.force_login(user)
    response = client.get(reverse("admin:tools_tool_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_an_eighth_active_critic_is_refused(client, editor, panel):
    client.force_login(editor)
    response = client.post(
        reverse("admin:reviews_persona_add"),
        {
            "name": "Contrarian",
            "slug": "contrarian",
            "lens": "Disagrees.",
            "order": 9,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "at most 7 active critics" in response.content.decode()


def test_unpublishing_and_publishing_turn_the_badge_at_once(
    client, editor, panel, django_capture_on_commit_callbacks
):
    tool = ToolFactory(name="Flip Flop", slug="flip-flop")
    review_tool(tool, panel, "ssss")
    badge = reverse("badges:svg", args=[tool.slug])
    assert "SHIP" in client.get(badge).content.decode()

    client.force_login(editor)
    changelist = reverse("admin:tools_tool_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "unpublish", "_selected_action": [str(tool.pk)]})
    # Other processes would keep their few seconds of local copy; this one is the reader.
    forget_all_local()
    assert "not reviewed" in client.get(badge).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "publish", "_selected_action": [str(tool.pk)]})
    forget_all_local()
    assert "SHIP" in client.get(badge).content.decode()
    tool.refresh_from_db()
    assert tool.is_published


def test_editor_saves_a_tool_with_a_full_panel_of_seven_reviews(client, editor, panel):
    """Every field a browser posts for the change form, hidden ids included."""
    tool = ToolFactory(name="Zed")
    client.force_login(editor)
    data = {
        "name": tool.name,
        "slug": tool.slug,
        "tagline": tool.tagline,
        "category": str(tool.category_id),
        "entry_price": tool.entry_price,
        "pricing": "",
        "best_for": "",
        "description": "",
        "website": "",
        "vendor": "",
        "status": "published",
        "published_at_0": "2026-01-05",
        "published_at_1": "09:00:00",
        "_save": "Save",
        **inline_data(panel, ["ship"] * 5 + ["skip"] * 2),
    }
    for index in range(len(panel)):
        data |= {f"reviews-{index}-id": "", f"reviews-{index}-tool": str(tool.pk)}
    response = client.post(reverse("admin:tools_tool_change", args=[tool.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Review.objects.filter(tool=tool).count() == 7
