"""Vendor stats in the admin: impressions, clicks and click-through per tool per day."""

import datetime

import pytest
from django.utils import timezone

from badges.models import DailyCount
from tests.factories import ToolFactory

pytestmark = pytest.mark.django_db

STATS_URL = "/admin/badges/dailycount/"


@pytest.fixture
def counted_tools():
    """40 tools, each seen on each of the last 100 days; one of them clicked a lot."""
    today = timezone.now().date()
    tools = ToolFactory.create_batch(40)
    DailyCount.objects.bulk_create(
        DailyCount(
            tool=tool,
            day=today - datetime.timedelta(days=offset),
            impressions=10,
            clicks=5 if index == 0 else 1,
            raw_impressions=12,
            raw_clicks=9 if index == 0 else 1,
        )
        for index, tool in enumerate(tools)
        for offset in range(100)
    )
    return tools


def test_overview_totals_every_tool_over_the_last_30_days(
    admin_client, counted_tools, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        response = admin_client.get(STATS_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>12000</strong> impressions · <strong>1320</strong> clicks" in html
    assert "click-through <strong>11.0%</strong>" in html
    assert "All requests, repeats included: 14400 badge loads, 1440 clicks." in html
    first = counted_tools[0]
    assert (
        f'?days=30&amp;tool={first.pk}">{first.name}</a></th>'
        "<td>300</td><td>150</td><td>50.0%</td><td>360</td><td>270</td>" in html
    )
    assert html.count('<tr><th scope="row"><time') == 30
    assert html.count("<rect x=") == 60  # one bar per day in each of the two charts
    assert 'role="img" aria-label="Impressions per day, peak 400"' in html


def test_ninety_day_window(admin_client, counted_tools):
    html = admin_client.get(STATS_URL + "?days=90").content.decode()
    assert "<strong>36000</strong> impressions" in html
    assert html.count('<tr><th scope="row"><time') == 90


def test_one_tool_per_day_with_its_chart(
    admin_client, counted_tools, django_assert_max_num_queries
):
    tool = counted_tools[0]
    with django_assert_max_num_queries(8):
        response = admin_client.get(f"{STATS_URL}?tool={tool.pk}&days=30")
    html = response.content.decode()
    assert f"Badge stats: {tool.name}" in html
    assert "<strong>300</strong> impressions · <strong>150</strong> clicks" in html
    assert "<td>10</td><td>5</td><td>50.0%</td><td>12</td><td>9</td>" in html
    assert "Per tool" not in html


def test_days_counted_before_visitors_were_told_apart_show_a_dash(admin_client):
    tool = ToolFactory()
    today = timezone.now().date()
    DailyCount.objects.create(
        tool=tool, day=today, impressions=4, clicks=1, raw_impressions=9, raw_clicks=2
    )
    DailyCount.objects.create(
        tool=tool,
        day=today - datetime.timedelta(days=1),
        impressions=None,
        clicks=None,
        raw_impressions=50,
        raw_clicks=5,
    )
    html = admin_client.get(f"{STATS_URL}?tool={tool.pk}").content.decode()
    assert "<td>—</td><td>—</td><td>—</td><td>50</td><td>5</td>" in html
    assert "<td>4</td><td>1</td><td>25.0%</td><td>9</td><td>2</td>" in html
    # The totals add the days that were measured; the raw figures add every day.
    assert "<strong>4</strong> impressions · <strong>1</strong> clicks" in html
    assert "59 badge loads, 7 clicks" in html


def test_days_without_counts_show_zero_and_a_dash(admin_client):
    tool = ToolFactory()
    html = admin_client.get(f"{STATS_URL}?tool={tool.pk}").content.decode()
    assert "<td>0</td><td>0</td><td>—</td><td>0</td><td>0</td>" in html


@pytest.mark.parametrize("query", ["?days=7", "?days=abc", "?days="])
def test_odd_windows_fall_back_to_30_days(admin_client, counted_tools, query):
    html = admin_client.get(STATS_URL + query).content.decode()
    assert "<strong>last 30 days</strong>" in html


@pytest.mark.parametrize("query", ["?tool=abc", "?tool=999999", "?tool=-1"])
def test_unknown_tool_is_404(admin_client, query):
    assert admin_client.get(STATS_URL + query).status_code == 404


def test_stats_are_read_only(admin_client, counted_tools):
    row = DailyCount.objects.first()
    assert admin_client.get(STATS_URL + "add/").status_code == 403
    assert admin_client.post(f"{STATS_URL}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert DailyCount.objects.filter(pk=row.pk).exists()


def test_staff_without_permission_cannot_see_stats(client, django_user_model):
    user = django_user_model.objects.create_user(
        "visitor", password="pw-long-enough-1", is_staff=True
    )
    client.force_login(user)
    assert client.get(STATS_URL).status_code == 403


def test_editors_can_read_the_stats(client, editor, counted_tools):
    client.force_login(editor)
    response = client.get(STATS_URL)
    assert response.status_code == 200
    assert "<strong>12000</strong> impressions" in response.content.decode()
