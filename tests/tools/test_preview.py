"""Previews: the exact page readers will get, by a signed expiring link, never cached,
indexed or counted, and never written."""

import re

import pytest
from django.urls import reverse

from reviews.models import Review, ReviewRevision
from tests.factories import ReviewFactory, ToolFactory, cast_votes, review_tool
from tools.models import PublicationState, Tool, ToolRevision
from tools.previews import preview_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(panel):
    tool = ToolFactory(name="Secret Sauce", slug="secret-sauce", draft=True)
    for persona, verdict in zip(panel, "ssssk", strict=False):
        ReviewFactory(
            tool=tool,
            persona=persona,
            verdict="ship" if verdict == "s" else "skip",
            status=PublicationState.DRAFT,
        )
    return tool


def preview_link_from_admin(client, editor, tool) -> str:
    client.force_login(editor)
    form = client.get(reverse("admin:tools_tool_change", args=[tool.pk])).content.decode()
    link = re.search(r'<input id="preview-link" type="text" readonly value="([^"]+)"', form)[1]
    client.logout()
    return link.replace("http://testserver", "")


def test_a_colleague_without_an_account_reads_the_draft_as_it_will_be_published(
    client, editor, draft, django_assert_max_num_queries
):
    assert client.get("/tools/secret-sauce/").status_code == 404
    link = preview_link_from_admin(client, editor, draft)
    revisions = ToolRevision.objects.count(), ReviewRevision.objects.count()
    with django_assert_max_num_queries(9):
        response = client.get(link)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Secret Sauce</h1>" in html
    # The draft reviews count as they will once published.
    assert "verdict-score verdict-ship" in html and "4 ships · 1 skip</p>" in html
    assert html.count('class="review"') == 5
    assert response["Cache-Control"] == "private, no-store"
    assert "ETag" not in response
    assert '<meta name="robots" content="noindex">' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    # Nothing counts: the vote buttons are disabled and the badge is inline, not loaded.
    assert '<fieldset class="vote-choices" disabled>' in html
    assert 'src="data:image/svg+xml;base64,' in html
    assert "/api/badge/" not in html.split('id="embed-snippets"')[1].split("<textarea")[0]
    # Nothing was written: the tool and its reviews are drafts still, with no new revisions.
    assert Tool.objects.get(pk=draft.pk).status == PublicationState.DRAFT
    assert set(Review.objects.filter(tool=draft).values_list("status", flat=True)) == {"draft"}
    assert (ToolRevision.objects.count(), ReviewRevision.objects.count()) == revisions
    assert client.get("/tools/secret-sauce/").status_code == 404


def test_a_published_tool_with_draft_reviews_previews_them(client, panel):
    tool = ToolFactory(slug="live")
    review_tool(tool, panel, "kkk")
    cast_votes(tool, ships=3)
    ReviewFactory(tool=tool, persona=panel[3], verdict="ship", status=PublicationState.DRAFT)
    ReviewFactory(tool=tool, persona=panel[4], verdict="ship", status=PublicationState.DRAFT)
    assert "0 ships · 3 skips</p>" in client.get("/tools/live/").content.decode()
    preview = client.get(preview_path(tool)).content.decode()
    assert "verdict-score verdict-skip" in preview and "2 ships · 3 skips</p>" in preview
    assert "0 ships · 3 skips</p>" in client.get("/tools/live/").content.decode()


def test_expired_and_forged_links_are_refused(client, draft, settings):
    good = preview_path(draft)
    forged = good.replace(good.split("/")[2][:1], "x" if good.split("/")[2][0] != "x" else "y", 1)
    for path in (forged, "/preview/not-a-token/", "/preview/" + "a" * 300 + "/"):
        response = client.get(path)
        assert response.status_code == 404
        assert response["Cache-Control"] == "private, no-store"
    settings.SHIPORSKIP_PREVIEW_LINK_MAX_AGE = -1
    expired = client.get(good)
    assert expired.status_code == 404
    assert "This preview link has expired" in expired.content.decode()


def test_a_deleted_tool_previews_as_not_found(client, draft):
    path = preview_path(draft)
    draft.delete()
    assert client.get(path).status_code == 404
