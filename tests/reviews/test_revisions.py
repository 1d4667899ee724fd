"""Verdict history: a revision for every kind of change, who made it, and where editors
and readers see it."""

import copy
import io
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from newsletter.digest import build_digest
from reviews.models import Review, ReviewRevision
from tests.factories import ToolFactory, review_tool
from tests.tools.test_importing import VALID
from tools.models import PublicationState, Standing, Tool, ToolRevision
from tools.standing import refresh_standings
from tools.verdicts import Verdict

pytestmark = pytest.mark.django_db


def import_json(monkeypatch, data):
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(data)))
    call_command("import_verdicts", "-", stdout=io.StringIO())


def contexts(rows):
    return [row.pgh_context.metadata if row.pgh_context else None for row in rows]


def turn_skip_to_ship(tool, panel, *, days_ago: int, tool_ids=None) -> None:
    """``tool``'s panel said SKIP (three skips to two) ``days_ago``; two critics have since
    changed their verdict to SHIP, not yet recorded in the timeline."""
    reviews = review_tool(tool, panel, "kkkss")
    refresh_standings(tool_ids=tool_ids, now=timezone.now() - timezone.timedelta(days=days_ago))
    for review in reviews[:2]:
        review.verdict = Verdict.SHIP
        review.save()


def test_import_verdicts_writes_a_revision_per_change_signed_by_the_command(monkeypatch):
    import_json(monkeypatch, VALID)
    created = ReviewRevision.objects.order_by("pgh_id")
    assert [(row.pgh_label, row.score) for row in created] == [
        ("insert", 84),
        ("insert", 51),
        ("insert", 77),
    ]
    assert contexts(created) == [{"via": "import_verdicts"}] * 3

    changed = copy.deepcopy(VALID)
    changed["tools"][0]["reviews"][1] |= {"score": 81, "verdict": "ship"}
    import_json(monkeypatch, changed)
    import_json(monkeypatch, changed)  # the same file again changes nothing
    updates = ReviewRevision.objects.filter(pgh_label="update")
    assert [(row.score, row.verdict) for row in updates] == [(81, "ship")]
    # The panel moved from 2-1 to 3-0: a new timeline point, same verdict.
    tool = Tool.objects.get(slug="mixtral-8x22b")
    points = list(Standing.objects.filter(tool=tool).order_by("recorded_at"))
    assert [(p.panel_ships, p.panel_skips) for p in points] == [(2, 1), (3, 0)]


def test_admin_saves_and_bulk_actions_write_revisions_signed_by_the_editor(client, editor, panel):
    tool = ToolFactory(draft=True, name="Drafty")
    client.force_login(editor)
    changelist = reverse("admin:tools_tool_changelist")
    client.post(changelist, {"action": "publish", "_selected_action": [str(tool.pk)]})
    client.post(changelist, {"action": "unpublish", "_selected_action": [str(tool.pk)]})
    statuses = [row.status for row in ToolRevision.objects.filter(pgh_obj=tool).order_by("pgh_id")]
    assert statuses == ["draft", "published", "draft"]
    bulk = ToolRevision.objects.filter(pgh_obj=tool, pgh_label="update")
    assert contexts(bulk) == [{"user": editor.pk, "via": "admin"}] * 2

    review = review_tool(tool, panel, "s")[0]
    response = client.post(
        reverse("admin:reviews_review_change", args=[review.pk]),
        {
            "tool": str(tool.pk),
            "persona": str(review.persona_id),
            "score": "41",
            "verdict": "skip",
            "body": "Changed my mind.",
            "status": "published",
            "published_at_0": "2026-01-01",
            "published_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    [update] = ReviewRevision.objects.filter(pgh_obj_id=review.pk, pgh_label="update")
    assert (update.score, update.verdict) == (41, "skip")
    assert contexts([update]) == [{"user": editor.pk, "via": "admin"}]

    # Only superusers delete; whoever does, the review's last state is kept.
    review_id = review.pk
    review.delete()
    [deleted] = ReviewRevision.objects.filter(pgh_obj_id=review_id, pgh_label="delete")
    assert deleted.score == 41


def test_a_bulk_queryset_update_is_kept_too(panel):
    tool = ToolFactory()
    review_tool(tool, panel, "sss")
    Review.objects.filter(tool=tool).update(score=10)
    assert ReviewRevision.objects.filter(tool_id=tool.pk, pgh_label="update").count() == 3


def test_editors_read_revisions_side_by_side(client, editor, panel, django_assert_max_num_queries):
    tool = ToolFactory(name="Revised")
    reviews = review_tool(tool, panel, "sssssss")
    client.force_login(editor)
    for n, review in enumerate(reviews):
        review.score = 50 + n
        review.verdict = Verdict.SKIP
        review.save()
    tool.tagline = "A sharper tagline."
    tool.save()
    url = reverse("admin:tools_tool_revisions", args=[tool.pk])
    with django_assert_max_num_queries(9):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<tbody class="revision">') == 1 + 1 + 7 + 7
    # Before and after side by side: the tool's tagline and a review's score and verdict.
    assert re.search(
        r'<th scope="row">tagline</th>\s*<td class="before">Does the thing, mostly.</td>\s*'
        r'<td class="after">A sharper tagline.</td>',
        html,
    )
    assert re.search(
        r'<th scope="row">score</th>\s*<td class="before">82</td>\s*<td class="after">50</td>',
        html,
    )
    assert re.search(
        r'<th scope="row">verdict</th>\s*<td class="before">Ship</td>\s*'
        r'<td class="after">Skip</td>',
        html,
    )
    change_form = client.get(reverse("admin:tools_tool_change", args=[tool.pk])).content.decode()
    assert f'href="{url}"' in change_form


def test_readers_see_the_verdict_change_and_the_timeline(
    client, panel, django_assert_max_num_queries
):
    tool = ToolFactory(name="Turned", slug="turned")
    turn_skip_to_ship(tool, panel, days_ago=30)
    # Many community-only points, so a query per point would show.
    for day in range(29, 0, -1):
        Standing.objects.create(
            tool=tool,
            recorded_at=timezone.now() - timezone.timedelta(days=day, hours=1),
            panel_ships=2,
            panel_skips=3,
            panel_verdict="skip",
            community_ships=day,
            community_skips=10,
            certified=False,
            previous_verdict="skip",
            previous_certified=False,
        )
    refresh_standings()
    with django_assert_max_num_queries(5):
        html = client.get(tool.get_absolute_url()).content.decode()
    today = timezone.now()
    assert "Verdict changed from SKIP to SHIP on" in html
    assert f"{today.day} {today:%B %Y}</time>" in html
    assert '<svg class="timeline-chart"' in html
    assert 'aria-labelledby="timeline-title timeline-summary"' in html
    assert re.search(r'<path class="timeline-panel" d="M[0-9. HV]+"', html)
    assert re.search(r'<path class="timeline-community" d="M[0-9. HV]+"', html)
    # The text alternative: a row per point, plus now.
    table = html.split('<details class="timeline-table">')[1].split("</details>")[0]
    assert table.count("<tr>") == 1 + 31 + 1
    assert "Panel: 80% ship, from 40%" in html


def test_verdict_changes_reach_the_feeds_and_the_digest(client, panel):
    tool = ToolFactory(name="Flipper", slug="flipper")
    turn_skip_to_ship(tool, panel, days_ago=2)
    refresh_standings()
    hidden = ToolFactory(
        name="Unpublished flipper", status=PublicationState.DRAFT, published_at=None
    )
    turn_skip_to_ship(hidden, panel, days_ago=2, tool_ids=[hidden.pk])
    refresh_standings(tool_ids=[hidden.pk])

    for name in ("pages:feed", "pages:feed-atom"):
        feed = client.get(reverse(name)).content.decode()
        assert "Flipper: Verdict changed from SKIP to SHIP" in feed
        assert "Unpublished flipper" not in feed
    digest = build_digest()
    assert [change.tool.name for change in digest.verdict_changes] == ["Flipper"]
    assert digest.has_news
