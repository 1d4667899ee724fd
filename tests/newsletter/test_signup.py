"""Double opt-in: sign up, confirm from the email, unsubscribe in one click."""

import re
import time

import pytest
from django.core import mail, signing
from django.urls import reverse

from newsletter.models import Subscriber
from tests.factories import SubscriberFactory
from tests.responses import assert_redirects

pytestmark = pytest.mark.django_db

SIGNUP = "/newsletter/"


def link_in(message, name: str) -> str:
    """The site path of the confirm or unsubscribe link in an email's plain text."""
    match = re.search(rf"https?://[^/\s]+(/newsletter/{name}/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def sign_up(client, email: str, **extra):
    return client.post(SIGNUP, {"email": email}, **extra)


def test_signup_page_and_footer_form_are_on_the_site(client):
    page = client.get(SIGNUP).content.decode()
    assert "Weekly AI tool verdicts" in page
    assert "Get the next verdict in your inbox" in page
    assert page.count('id="page-signup"') == 1
    assert 'id="footer-signup"' not in page  # no second form under the first
    home = client.get(reverse("pages:home")).content.decode()
    assert 'id="footer-signup"' in home
    assert 'action="/newsletter/"' in home
    # Protected by origin, not by a token: the page stays the same for every reader.
    assert 'name="csrfmiddlewaretoken"' not in home


def test_signup_confirm_subscribe_journey(client):
    response = sign_up(client, "Ada@Example.com")
    assert_redirects(response, reverse("newsletter:check_inbox"))
    assert "Check your inbox" in client.get(response["Location"]).content.decode()

    subscriber = Subscriber.objects.get()
    assert subscriber.email == "Ada@Example.com"
    assert subscriber.status == "pending"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Ada@Example.com"]
    assert message.subject == "Confirm your ShipOrSkip weekly digest"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Confirm my subscription" in html

    confirm_path = link_in(message, "confirm")
    # Opening the link (or a mail scanner fetching it) only shows a button.
    page = client.get(confirm_path)
    assert page.status_code == 200
    assert "Yes, send me the weekly digest" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == "pending"

    done = client.post(confirm_path)
    assert done.status_code == 200
    assert "You're subscribed" in done.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.is_receiving
    assert list(Subscriber.objects.receiving()) == [subscriber]


def test_every_email_carries_one_click_unsubscribe_headers(client, settings):
    sign_up(client, "reader@example.com")
    message = mail.outbox[0]
    unsubscribe_path = link_in(message, "unsubscribe")
    expected = f"<{settings.SITE_URL}{unsubscribe_path}>"
    assert message.extra_headers["List-Unsubscribe"] == expected
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_path in message.alternatives[0][0]
    raw = message.message().as_string()
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw


def test_known_and_unknown_addresses_get_the_same_answer(client):
    SubscriberFactory(email="known@example.com")
    known = sign_up(client, "KNOWN@example.com")
    unknown = sign_up(client, "new@example.com")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    htmx_known = sign_up(client, "known@example.com", headers={"HX-Request": "true"})
    htmx_unknown = sign_up(client, "other@example.com", headers={"HX-Request": "true"})
    assert htmx_known.content == htmx_unknown.content
    # Still one row per address, whatever the case.
    assert Subscriber.objects.for_address("known@example.com").count() == 1
    # The owner of a confirmed address hears that someone tried; nothing changes.
    notices = [m for m in mail.outbox if m.to == ["known@example.com"]]
    assert notices
    assert notices[0].subject == "You're already on the ShipOrSkip weekly digest"


def test_addresses_are_unique_case_insensitively_in_the_database():
    from django.db import IntegrityError

    SubscriberFactory(email="Case@Example.com")
    with pytest.raises(IntegrityError):
        SubscriberFactory(email="case@example.COM")


def test_htmx_signup_swaps_in_a_thank_you(client):
    response = client.post(
        SIGNUP, {"email": "htmx@example.com", "place": "footer"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="footer-signup"' in html
    assert "Check your inbox" in html
    assert response["Vary"].count("HX-Request") == 1


@pytest.mark.parametrize(
    ("email", "error"),
    [
        ("", "Enter your email address."),
        ("not-an-email", "Enter a valid email address"),
        ("a@b", "Enter a valid email address"),
        ("root@localhost", "Enter a valid email address"),
        ("reader@example.com\r\nBcc: victim@example.com", "Enter a valid email address"),
        ('"><script>alert(1)</script>@example.com', "Enter a valid email address"),
        ("x" * 250 + "@example.com", "Ensure this value has at most 254 characters"),
    ],
)
def test_bad_addresses_get_a_clear_error_and_change_nothing(client, email, error):
    response = sign_up(client, email)
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html.replace("&#x27;", "'")
    assert "<script>alert(1)</script>" not in html
    assert not Subscriber.objects.exists()
    assert mail.outbox == []


def test_htmx_bad_address_returns_the_form_with_its_error(client):
    response = client.post(SIGNUP, {"email": "nope"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" not in html
    assert 'aria-invalid="true"' in html
    assert "Enter a valid email address" in html


def test_missing_or_repeated_fields_are_refused(client):
    assert client.post(SIGNUP, {}).status_code == 400
    response = client.post(SIGNUP, {"email": ["a@example.com", "b@example.com"]})
    # The form reads one value; the other never gets mail.
    assert all(m.to != ["a@example.com"] for m in mail.outbox)
    assert response.status_code == 302


def test_signup_page_refuses_other_methods(client):
    assert client.put(SIGNUP).status_code == 405
    assert client.delete(SIGNUP).status_code == 405


def test_signups_are_rate_limited_per_address(client, settings):
    settings.NEWSLETTER_SIGNUP_EMAIL_LIMIT = 2
    settings.NEWSLETTER_SIGNUP_IP_LIMIT = 100
    for _ in range(2):
        assert sign_up(client, "Target@example.com").status_code == 302
    limited = sign_up(client, "target@EXAMPLE.com", REMOTE_ADDR="203.0.113.9")
    assert limited.status_code == 429
    assert "Too many signup attempts" in limited.content.decode()
    assert len(mail.outbox) == 2


def test_signups_are_rate_limited_per_ip(client, settings):
    settings.NEWSLETTER_SIGNUP_IP_LIMIT = 3
    for n in range(3):
        assert sign_up(client, f"reader{n}@example.com").status_code == 302
    assert sign_up(client, "one-more@example.com").status_code == 429
    htmx = sign_up(client, "again@example.com", headers={"HX-Request": "true"})
    assert htmx.status_code == 429
    assert "Too many signup attempts" in htmx.content.decode()
    assert not Subscriber.objects.filter(email="one-more@example.com").exists()
    # Another network is not held back by this one.
    assert sign_up(client, "elsewhere@example.com", REMOTE_ADDR="198.51.100.7").status_code == 302


@pytest.mark.parametrize(
    "token",
    ["garbage", "eyJpZCI6MX0:1tZ:forged", "a" * 300, "%3Cscript%3E"],
)
def test_forged_confirm_links_are_refused(client, token):
    SubscriberFactory(pending=True)
    for method in (client.get, client.post):
        response = method(f"/newsletter/confirm/{token}/")
        assert response.status_code == 400
        assert "That link doesn't work" in response.content.decode()
    assert not Subscriber.objects.receiving().exists()


def test_confirm_links_expire(client, settings, monkeypatch):
    settings.NEWSLETTER_CONFIRM_MAX_AGE = 3600
    sign_up(client, "late@example.com")
    confirm_path = link_in(mail.outbox[0], "confirm")
    later = time.time() + 3601
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert client.post(confirm_path).status_code == 400
    assert Subscriber.objects.get().status == "pending"


def test_confirm_link_for_another_salt_is_refused(client):
    """An unsubscribe token cannot be replayed as a confirmation, or the other way round."""
    sign_up(client, "salt@example.com")
    unsubscribe_token = link_in(mail.outbox[0], "unsubscribe").split("/")[-2]
    confirm_token = link_in(mail.outbox[0], "confirm").split("/")[-2]
    assert client.post(f"/newsletter/confirm/{unsubscribe_token}/").status_code == 400
    assert client.post(f"/newsletter/unsubscribe/{confirm_token}/").status_code == 400


def test_unsubscribe_in_one_click_from_a_mail_provider(client):
    """RFC 8058: the provider POSTs List-Unsubscribe=One-Click with no cookies or CSRF token."""
    from django.test import Client

    subscriber = SubscriberFactory(email="leaving@example.com")
    client.post(SIGNUP, {"email": "leaving@example.com"})  # the notice carries the link
    unsubscribe_path = link_in(mail.outbox[0], "unsubscribe")

    page = client.get(unsubscribe_path)
    assert page.status_code == 200
    assert "Unsubscribe from the weekly digest?" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.is_receiving  # a GET never unsubscribes

    provider = Client(enforce_csrf_checks=True)
    response = provider.post(
        unsubscribe_path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed"
    # Clicking again is harmless and says the same.
    again = provider.post(unsubscribe_path)
    assert again.status_code == 200
    assert "You're unsubscribed" in again.content.decode()


def test_unsubscribe_button_on_the_page_works_without_login(client):
    subscriber = SubscriberFactory()
    from newsletter.tokens import unsubscribe_token

    response = client.post(reverse("newsletter:unsubscribe", args=[unsubscribe_token(subscriber)]))
    assert "We will send no more email to" in response.content.decode()
    assert not Subscriber.objects.receiving().exists()


def test_old_confirm_link_cannot_undo_an_unsubscribe_but_a_new_signup_can(client):
    sign_up(client, "back@example.com")
    first_confirm = link_in(mail.outbox[0], "confirm")
    client.post(first_confirm)
    client.post(link_in(mail.outbox[0], "unsubscribe"))
    assert Subscriber.objects.get().status == "unsubscribed"

    assert client.post(first_confirm).status_code == 400
    assert Subscriber.objects.get().status == "unsubscribed"

    sign_up(client, "back@example.com")
    assert mail.outbox[-1].subject == "Confirm your ShipOrSkip weekly digest"
    client.post(link_in(mail.outbox[-1], "confirm"))
    assert Subscriber.objects.get().status == "confirmed"


def test_tokens_die_when_the_address_is_corrected(client):
    subscriber = SubscriberFactory(email="typo@exmaple.com")
    from newsletter.tokens import unsubscribe_token

    path = reverse("newsletter:unsubscribe", args=[unsubscribe_token(subscriber)])
    Subscriber.objects.filter(pk=subscriber.pk).update(email="typo@example.com")
    assert client.post(path).status_code == 400


def test_mail_server_down_says_so_and_promises_nothing(client, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    def refuse(self, messages):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    response = sign_up(client, "reader@example.com")
    assert response.status_code == 503
    assert "couldn&#x27;t send the confirmation email" in response.content.decode()
    htmx = sign_up(client, "reader@example.com", headers={"HX-Request": "true"})
    assert htmx.status_code == 503
    assert "Check your inbox" not in htmx.content.decode()


def test_plus_tagged_signups_from_many_networks_send_one_inbox_three_emails(client, settings):
    settings.NEWSLETTER_SIGNUP_IP_LIMIT = 100
    # The hourly attempt limit would stop them sooner; this is about the daily email limit.
    settings.NEWSLETTER_SIGNUP_EMAIL_LIMIT = 100
    statuses = [
        sign_up(client, f"Victim+{n}@Example.com", REMOTE_ADDR=f"198.51.100.{n}").status_code
        for n in range(1, 31)
    ]
    assert statuses == [302] * 3 + [429] * 27
    assert len(mail.outbox) == 3
    refused = sign_up(client, "victim@example.com", REMOTE_ADDR="192.0.2.1")
    assert refused.status_code == 429
    assert "already sent several emails to this address today" in refused.content.decode()
    # Someone else at the same domain is not held back by the victim's limit.
    assert sign_up(client, "colleague@example.com", REMOTE_ADDR="192.0.2.2").status_code == 302
    assert len(mail.outbox) == 4


def test_one_domain_gets_at_most_its_daily_ceiling_of_signup_emails(client, settings):
    settings.NEWSLETTER_SIGNUP_IP_LIMIT = 100
    settings.NEWSLETTER_EMAILS_PER_DOMAIN = 5
    statuses = [
        sign_up(client, f"person{n}@target.example", REMOTE_ADDR=f"198.51.100.{n}").status_code
        for n in range(8)
    ]
    assert statuses == [302] * 5 + [429] * 3
    assert len(mail.outbox) == 5
    htmx = sign_up(client, "late@target.example", headers={"HX-Request": "true"})
    assert htmx.status_code == 429
    assert "as many signup emails to addresses at this domain" in htmx.content.decode()
    assert sign_up(client, "reader@other.example").status_code == 302


def test_the_inbox_limit_is_per_day(client, settings, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    settings.NEWSLETTER_SIGNUP_IP_LIMIT = 100
    settings.NEWSLETTER_SIGNUP_EMAIL_LIMIT = 100
    for n in range(3):
        assert sign_up(client, f"victim+{n}@example.com").status_code == 302
    tomorrow = timezone.now() + timedelta(days=1, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    assert sign_up(client, "victim+new@example.com").status_code == 302
