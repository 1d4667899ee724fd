"""Critic pages: who a critic is, their record, and their reviews."""

from html import unescape

import pytest
from django.urls import reverse

from tests.factories import ReviewFactory, ToolFactory

pytestmark = pytest.mark.django_db


def test_persona_page_shows_lens_record_and_reviews(client, panel):
    skeptic = panel[1]
    for n, (score, verdict) in enumerate([(90, "ship"), (40, "skip"), (50, "skip"), (80, "ship")]):
        ReviewFactory(
            tool=ToolFactory(name=f"Reviewed {n}"), persona=skeptic, score=score, verdict=verdict
        )
    ReviewFactory(tool=ToolFactory(name="Draft Tool", draft=True), persona=skeptic, score=0)
    ReviewFactory(tool=ToolFactory(name="Draft Review"), persona=skeptic, status="draft")
    response = client.get(skeptic.get_absolute_url())
    assert skeptic.get_absolute_url() == "/critics/skeptic/"
    html = unescape(response.content.decode())
    assert "<h1>The Skeptic</h1>" in html
    assert skeptic.lens in html
    assert "<dt>Reviews</dt><dd>4</dd>" in html
    assert "<dt>Ship rate</dt><dd>50%</dd>" in html
    assert "<dt>Average score</dt><dd>65/100</dd>" in html
    assert html.count('class="review"') == 4
    assert "Draft Tool" not in html and "Draft Review" not in html


def test_persona_index_lists_active_critics_with_their_records(client, panel):
    ReviewFactory(persona=panel[0], score=70, verdict="ship")
    panel[6].is_active = False
    panel[6].save()
    html = unescape(client.get(reverse("pages:critics")).content.decode())
    assert html.count('class="persona-item"') == 6
    assert "1 review · ships 100% · average 70/100" in html
    assert panel[6].name not in html


def test_unknown_persona_is_404(client):
    assert client.get("/critics/nobody/").status_code == 404


def test_persona_pages_query_budget(client, catalogue, panel, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get(panel[0].get_absolute_url())
    html = response.content.decode()
    assert html.count('class="review"') == 20
    assert "Page 1 of 3" in html
    with django_assert_max_num_queries(8):
        assert client.get(reverse("pages:critics")).status_code == 200


def test_second_page_of_a_critic_has_a_title_of_its_own(client, panel):
    critic = panel[0]
    for index in range(21):
        ReviewFactory(persona=critic, tool=ToolFactory(name=f"Tool {index:02d}"))
    first = client.get(critic.get_absolute_url()).content.decode()
    second = client.get(critic.get_absolute_url(), {"page": 2}).content.decode()
    assert f"<title>The {critic.name}: reviews and ship rate — ShipOrSkip</title>" in first
    assert f"<title>The {critic.name}: reviews and ship rate — ShipOrSkip — page 2</title>" in (
        second
    )
