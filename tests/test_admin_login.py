"""The admin is for staff only, and sign-in attempts are rate-limited."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    # Deliberately weak hashing keeps dozens of sign-in attempts fast in tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def strict_limits(settings):
    settings.ADMIN_LOGIN_ATTEMPTS_PER_IP = 6
    settings.ADMIN_LOGIN_ATTEMPTS_PER_USERNAME = 3
    settings.ADMIN_LOGIN_WINDOW_SECONDS = 600


def sign_in(client: Client, username: str, password: str, ip: str = "203.0.113.9"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_reader_account_cannot_enter_the_admin(client, django_user_model):
    django_user_model.objects.create_user(username="reader", password="long enough pass 42")
    response = sign_in(client, "reader", "long enough pass 42")
    assert response.status_code == 200
    assert "staff account" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_an_editor_signs_in(client, editor, strict_limits):
    response = sign_in(client, "edna", "correct horse battery")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_repeated_failures_for_one_username_are_refused(client, editor, strict_limits):
    for attempt in range(3):
        response = sign_in(client, "edna", f"wrong guess {attempt}", ip=f"198.51.100.{attempt}")
        assert response.status_code == 200
    # Even the right password from a fresh address waits out the window now.
    response = sign_in(client, "EDNA ", "correct horse battery", ip="198.51.100.99")
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 600
    assert "Too many sign-in attempts. Wait 10 minutes" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_one_address_spraying_usernames_is_refused(client, strict_limits):
    statuses = [sign_in(client, f"user{n}", "guess").status_code for n in range(8)]
    assert statuses == [200] * 6 + [429] * 2


def test_other_addresses_and_usernames_are_unaffected(client, editor, strict_limits):
    for attempt in range(4):
        sign_in(client, "mallory", f"guess {attempt}", ip="192.0.2.66")
    response = sign_in(client, "edna", "correct horse battery", ip="203.0.113.20")
    assert response.status_code == 302


def test_the_sign_in_page_itself_is_never_limited(client, strict_limits):
    for _ in range(10):
        assert client.get("/admin/login/").status_code == 200


# Spellings that Django's sign-in form (NFKC) turns into "edna", or that differ in case.
EDNA_SPELLINGS = [
    "\uff45\uff44\uff4e\uff41",  # fullwidth e, d, n, a
    "\uff25\uff24\uff2e\uff21",  # fullwidth capitals
    "\uff45dna",
    "\u1d49dna",  # modifier letter small e
    "\u24d4dna",  # circled e
    " EdNa ",
]


def test_every_spelling_of_a_locked_out_username_is_refused_without_a_password_check(
    client, editor, strict_limits
):
    from django.contrib.auth.signals import user_logged_in, user_login_failed

    for attempt in range(3):
        sign_in(client, "edna", f"wrong guess {attempt}", ip=f"198.51.100.{attempt}")
    checks = []

    def checked(sender, **kwargs):
        checks.append(kwargs)

    user_login_failed.connect(checked)
    user_logged_in.connect(checked)
    try:
        statuses = [
            sign_in(client, spelling, "correct horse battery", ip=f"192.0.2.{n}").status_code
            for n, spelling in enumerate(EDNA_SPELLINGS)
        ]
    finally:
        user_login_failed.disconnect(checked)
        user_logged_in.disconnect(checked)
    assert statuses == [429] * len(EDNA_SPELLINGS)
    assert checks == []
    assert client.get("/admin/").status_code == 302


def test_failures_under_other_spellings_count_against_the_account(client, editor, strict_limits):
    for n, spelling in enumerate(EDNA_SPELLINGS[:3]):
        sign_in(client, spelling, "wrong guess", ip=f"198.51.100.{n}")
    assert sign_in(client, "edna", "correct horse battery", ip="203.0.113.7").status_code == 429
