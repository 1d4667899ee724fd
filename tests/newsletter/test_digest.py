"""The weekly digest: what goes in it, who gets it, and never twice in one week."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from newsletter.digest import build_digest
from newsletter.models import DigestSend, Subscriber
from tests.factories import (
    CategoryFactory,
    SubscriberFactory,
    ToolFactory,
    VoteFactory,
    cast_votes,
    review_tool,
)
from votes.models import Vote

pytestmark = pytest.mark.django_db


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def week_of_news(panel):
    """Two verdicts this week, one older, a draft; one tool the community moved on."""
    coding = CategoryFactory(slug="coding", name="Coding assistants")
    fresh = ToolFactory(
        name="Fresh Agent", slug="fresh-agent", category=coding, published_at=days_ago(1)
    )
    review_tool(fresh, panel, "sssk")
    second = ToolFactory(name="Second Model", slug="second-model", published_at=days_ago(3))
    review_tool(second, panel, "kkks")
    old = ToolFactory(name="Old Favourite", slug="old-favourite", published_at=days_ago(30))
    review_tool(old, panel, "ssss")
    ToolFactory(name="Secret Draft", draft=True)
    rival = ToolFactory(
        name="Rival Editor", slug="rival-editor", category=coding, published_at=days_ago(60)
    )
    review_tool(rival, panel, "skkk")
    cast_votes(rival, ships=20, skips=5)
    # Old Favourite was 80% ship before this week; this week's 10 skips pull it to 53%.
    cast_votes(old, ships=16, skips=4)
    Vote.objects.update(created_at=days_ago(20))
    for n in range(10):
        VoteFactory(tool=old, choice="skip", voter=f"this-week-{n}")
    return {"fresh": fresh, "second": second, "old": old, "rival": rival}


def test_digest_has_the_weeks_verdicts_movers_and_a_comparison(week_of_news):
    digest = build_digest()
    assert [tool.name for tool in digest.new_verdicts] == ["Fresh Agent", "Second Model"]
    assert [mover.tool.name for mover in digest.movers] == ["Old Favourite"]
    mover = digest.movers[0]
    assert mover.votes_this_week == 10
    assert mover.line == "10 votes this week · down 27 points to 53% ship (was 80%)"
    first, second = digest.featured_pair
    assert (first.name, second.name) == ("Fresh Agent", "Rival Editor")
    assert digest.featured_url.endswith("/compare/fresh-agent-vs-rival-editor/")
    assert digest.subject.startswith("ShipOrSkip weekly: 2 new verdicts")


def test_building_the_digest_takes_a_fixed_number_of_queries(
    week_of_news, panel, django_assert_max_num_queries
):
    for n in range(20):
        tool = ToolFactory(published_at=days_ago(2), slug=f"busy-{n}")
        review_tool(tool, panel, "ssk")
        cast_votes(tool, ships=n + 1)
    with django_assert_max_num_queries(4):
        digest = build_digest()
        assert len(digest.new_verdicts) == 12
        assert len(digest.movers) == 3


def test_send_digest_mails_confirmed_subscribers_once_per_week(week_of_news):
    readers = SubscriberFactory.create_batch(3)
    SubscriberFactory(pending=True, email="pending@example.com")
    SubscriberFactory(unsubscribed=True, email="gone@example.com")

    call_command("send_digest", batch_size=2, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in readers)
    assert DigestSend.objects.count() == 3

    message = mail.outbox[0]
    assert message.subject.startswith("ShipOrSkip weekly: 2 new verdicts")
    for part in (message.body, message.alternatives[0][0]):
        assert "Fresh Agent" in part
        assert "Second Model" in part
        assert "Old Favourite" in part
        assert "/compare/fresh-agent-vs-rival-editor/" in part
        assert "Old Favourite" in part
        assert "Secret Draft" not in part
        assert "/newsletter/unsubscribe/" in part
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    links = {m.extra_headers["List-Unsubscribe"] for m in mail.outbox}
    assert len(links) == 3  # each reader gets their own

    mail.outbox.clear()
    call_command("send_digest", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert mail.outbox == []
    assert DigestSend.objects.count() == 3

    # Someone who confirms mid-week still gets this week's issue on the next run.
    late = SubscriberFactory(email="late@example.com")
    call_command("send_digest", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert [m.to for m in mail.outbox] == [[late.email]]


def test_next_week_is_a_new_digest(week_of_news):
    reader = SubscriberFactory()
    call_command("send_digest", stdout=open("/dev/null", "w"))  # noqa: SIM115
    DigestSend.objects.update(week=datetime.date(2020, 1, 6))
    call_command("send_digest", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert [m.to for m in mail.outbox] == [[reader.email], [reader.email]]


def test_a_failed_batch_is_not_recorded_so_a_rerun_sends_it(week_of_news, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    SubscriberFactory.create_batch(2)

    def refuse(self, messages):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    with pytest.raises(ConnectionRefusedError):
        call_command("send_digest", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not DigestSend.objects.exists()
    monkeypatch.undo()
    call_command("send_digest", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 2
    assert DigestSend.objects.count() == 2


def test_dry_run_prints_the_digest_and_sends_nothing(week_of_news, capsys):
    SubscriberFactory.create_batch(2)
    call_command("send_digest", dry_run=True)
    out = capsys.readouterr().out
    assert "Subject: ShipOrSkip weekly: 2 new verdicts" in out
    assert "Would go to 2 subscribers" in out
    assert "NEW VERDICTS" in out
    assert "Fresh Agent" in out
    assert "down 27 points to 53% ship (was 80%)" in out
    assert mail.outbox == []
    assert not DigestSend.objects.exists()
    call_command("send_digest", dry_run=True, html=True)
    assert "<h2" in capsys.readouterr().out


def test_quiet_week_sends_nothing(panel, capsys):
    old = ToolFactory(published_at=days_ago(40))
    review_tool(old, panel, "sss")
    SubscriberFactory()
    call_command("send_digest")
    assert "no digest sent" in capsys.readouterr().out
    assert mail.outbox == []


def test_tool_names_are_escaped_in_the_html_email_but_not_mangled_in_text(panel):
    tool = ToolFactory(name="<b>Bold</b> & Co", published_at=days_ago(1))
    review_tool(tool, panel, "sss")
    SubscriberFactory()
    call_command("send_digest", stdout=open("/dev/null", "w"))  # noqa: SIM115
    message = mail.outbox[0]
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in message.alternatives[0][0]
    assert "<b>Bold</b> & Co" in message.body


def test_bad_batch_size_is_refused(week_of_news):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("send_digest", batch_size=0)


def test_editors_preview_the_digest_in_the_admin(client, editor, week_of_news):
    client.force_login(editor)
    listing = client.get("/admin/newsletter/digestsend/")
    assert listing.status_code == 200
    assert "Preview this week's digest" in listing.content.decode()
    preview = client.get("/admin/newsletter/digestsend/preview/")
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Fresh Agent" in html
    assert "This week in ship or skip" in html
    csp = preview["Content-Security-Policy"]
    assert "style-src 'unsafe-inline'" in csp
    assert "script-src" not in csp
    text = client.get("/admin/newsletter/digestsend/preview/?format=text")
    assert text["Content-Type"].startswith("text/plain")
    assert "Subject: ShipOrSkip weekly" in text.content.decode()
    assert Subscriber.objects.count() == 0


def test_editors_see_sends_but_not_whole_addresses(client, editor, week_of_news):
    SubscriberFactory(email="private.person@example.com")
    call_command("send_digest", stdout=open("/dev/null", "w"))  # noqa: SIM115
    client.force_login(editor)
    html = client.get("/admin/newsletter/digestsend/").content.decode()
    assert "p…@example.com" in html
    assert "private.person@example.com" not in html
    assert client.get("/admin/newsletter/subscriber/").status_code == 403


def test_preview_is_for_staff_only(client, django_user_model):
    assert client.get("/admin/newsletter/digestsend/preview/").status_code == 302
    user = django_user_model.objects.create_user(username="reader", password="x", is_staff=True)
    client.force_login(user)
    assert client.get("/admin/newsletter/digestsend/preview/").status_code == 403


def test_featured_comparison_falls_back_to_an_anchor_that_has_a_rival(panel):
    loner = ToolFactory(name="Only One Here", published_at=days_ago(1))
    review_tool(loner, panel, "sss")
    crowded = CategoryFactory(slug="crowded", name="Crowded")
    second = ToolFactory(name="Second Anchor", category=crowded, published_at=days_ago(2))
    review_tool(second, panel, "ssk")
    rival = ToolFactory(name="Old Rival", category=crowded, published_at=days_ago(90))
    review_tool(rival, panel, "kkk")
    first, other = build_digest().featured_pair
    assert (first.name, other.name) == ("Second Anchor", "Old Rival")
