import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ToolFactory, VoteFactory, cast_votes
from tools.models import Tool
from votes.models import Vote

pytestmark = pytest.mark.django_db

PATTERNS = "admin:votes_vote_patterns"
CHANGELIST = "admin:votes_vote_changelist"


@pytest.fixture
def ring():
    """A tool stuffed by one client minting 12 voters, next to honest votes elsewhere."""
    target = ToolFactory(name="Stuffed Tool")
    honest = ToolFactory(name="Honest Tool")
    for n in range(12):
        VoteFactory(tool=target, voter=f"ring-{n}", fingerprint="f" * 64)
    cast_votes(honest, ships=3, skips=2)
    return target


def test_editor_sees_votes_per_tool_per_day_and_per_fingerprint(client, editor, ring):
    client.force_login(editor)
    response = client.get(reverse(PATTERNS))
    assert response.status_code == 200
    html = response.content.decode()
    tool_days = html.split('id="tool-days"')[1].split("</table>")[0]
    assert tool_days.index("Stuffed Tool") < tool_days.index("Honest Tool")
    assert f"<td>{timezone.now():%Y-%m-%d}</td><td>Stuffed Tool</td><td>12</td>" in tool_days
    fingerprints = html.split('id="fingerprints"')[1].split("</table>")[0]
    assert "ffffffffffff…" in fingerprints
    assert "many voters" in fingerprints
    assert "?fingerprint=" + "f" * 64 in fingerprints


def test_patterns_page_is_linked_from_the_vote_list(client, editor):
    client.force_login(editor)
    html = client.get(reverse(CHANGELIST)).content.decode()
    assert reverse(PATTERNS) in html


def test_pattern_links_open_the_matching_votes(client, editor, ring):
    client.force_login(editor)
    by_fingerprint = client.get(reverse(CHANGELIST), {"fingerprint": "f" * 64})
    assert by_fingerprint.status_code == 200
    assert "12 votes" in by_fingerprint.content.decode()
    by_day = client.get(
        reverse(CHANGELIST),
        {"tool__id__exact": ring.pk, "created_at__date": timezone.now().date().isoformat()},
    )
    assert by_day.status_code == 200
    assert "12 votes" in by_day.content.decode()


def test_old_votes_are_left_out_of_the_patterns(client, editor):
    vote = VoteFactory(tool=ToolFactory(name="Old News"))
    Vote.objects.filter(pk=vote.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    client.force_login(editor)
    assert "Old News" not in client.get(reverse(PATTERNS)).content.decode()


def test_editor_discards_a_batch_and_the_count_drops_at_once(client, editor, ring):
    client.force_login(editor)
    assert "100% ship · 12 votes" in client.get(ring.get_absolute_url()).content.decode()
    selected = list(Vote.objects.filter(fingerprint="f" * 64).values_list("pk", flat=True))
    response = client.post(
        reverse(CHANGELIST),
        {"action": "discard", "_selected_action": [str(pk) for pk in selected]},
        follow=True,
    )
    assert "Discarded 12 votes" in response.content.decode()
    assert "No community votes yet" in client.get(ring.get_absolute_url()).content.decode()
    kept = Vote.objects.filter(pk__in=selected)
    assert kept.count() == 12
    assert all(vote.discarded_at and "edna" in vote.discard_reason for vote in kept)
    assert Tool.objects.with_stats().get(pk=ring.pk).community.votes == 0


def test_editor_can_count_discarded_votes_again(client, editor, ring):
    client.force_login(editor)
    Vote.objects.update(discarded_at=timezone.now(), discard_reason="mistake")
    client.post(
        reverse(CHANGELIST),
        {"action": "count_again", "_selected_action": [str(v.pk) for v in Vote.objects.all()]},
    )
    assert Vote.objects.counted().count() == 17


def test_staff_without_the_discard_permission_cannot_discard(client, django_user_model, ring):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("val", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_vote"))
    client.force_login(viewer)
    html = client.get(reverse(CHANGELIST)).content.decode()
    assert "Discard selected votes" not in html
    client.post(
        reverse(CHANGELIST),
        {"action": "discard", "_selected_action": [str(v.pk) for v in Vote.objects.all()]},
    )
    assert Vote.objects.discarded().count() == 0
    assert client.get(reverse(PATTERNS)).status_code == 200


def test_votes_cannot_be_edited_or_deleted_in_the_admin(client, editor, ring):
    client.force_login(editor)
    vote = Vote.objects.get(voter="ring-0")
    change = client.post(reverse("admin:votes_vote_change", args=[vote.pk]), {"choice": "skip"})
    assert change.status_code in {302, 403}
    assert client.post(reverse("admin:votes_vote_delete", args=[vote.pk])).status_code == 403
    vote.refresh_from_db()
    assert vote.choice == "ship"


def test_patterns_page_needs_staff(client, ring):
    response = client.get(reverse(PATTERNS))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_vote_pages_query_count_is_constant(client, editor, django_assert_max_num_queries):
    for tool in ToolFactory.create_batch(30):
        cast_votes(tool, ships=5, skips=3)
    client.force_login(editor)
    with django_assert_max_num_queries(8):
        assert client.get(reverse(PATTERNS)).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse(CHANGELIST)).status_code == 200


def test_editors_find_votes_set_aside_by_the_network_cap_and_count_them_in_bulk(
    client, editor, settings
):
    from tools.verdicts import Verdict
    from votes.services import cast_vote

    settings.VOTES_PER_NETWORK_PER_DAY = 5
    tool = ToolFactory(name="Office Favourite")
    for n in range(12):
        cast_vote(
            tool=tool,
            voter=f"colleague-{n}",
            fingerprint=f"fp{n}",
            network="office",
            choice=Verdict.SHIP,
        )
    VoteFactory(tool=tool, voter="by-hand", discarded_at=timezone.now(), discard_reason="ring")
    assert Tool.objects.with_stats().get(pk=tool.pk).community.votes == 5

    client.force_login(editor)
    listed = client.get(reverse(CHANGELIST), {"counted": "set-aside"})
    assert listed.status_code == 200
    html = listed.content.decode()
    assert html.count("Set aside automatically") >= 7
    assert "by-hand" not in html
    patterns = client.get(reverse(PATTERNS)).content.decode()
    assert reverse(CHANGELIST) + "?counted=set-aside" in patterns

    set_aside = Vote.objects.set_aside()
    response = client.post(
        reverse(CHANGELIST) + "?counted=set-aside",
        {"action": "count_again", "_selected_action": [vote.pk for vote in set_aside]},
    )
    assert response.status_code == 302
    assert Tool.objects.with_stats().get(pk=tool.pk).community.votes == 12
    assert Vote.objects.discarded().get().voter == "by-hand"
