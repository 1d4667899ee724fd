import pytest
from django.test import RequestFactory

from core.clientip import client_ip
from votes.identity import fingerprint, network_prefix

rf = RequestFactory()


def request_from(remote: str, forwarded: str | None = None, user_agent: str = "Firefox/140"):
    headers = {"User-Agent": user_agent}
    if forwarded is not None:
        headers["X-Forwarded-For"] = forwarded
    return rf.get("/", REMOTE_ADDR=remote, headers=headers)


# --- client_ip: X-Forwarded-For believed only through trusted proxies -----------------


def test_without_trusted_proxies_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_forwarded_for_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert client_ip(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_trusted_proxy_passes_on_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request_from("10.0.0.5", "198.51.100.1")) == "198.51.100.1"


def test_spoofed_leftmost_entries_are_not_believed(settings):
    """The client sent its own X-Forwarded-For; our proxy appended the real address."""
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    forwarded = "1.2.3.4, 5.6.7.8, 198.51.100.1"
    assert client_ip(request_from("10.0.0.5", forwarded)) == "198.51.100.1"


def test_chain_of_trusted_proxies_is_walked_right_to_left(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.10"]
    forwarded = "6.6.6.6, 198.51.100.1, 192.0.2.10, 10.1.1.1"
    assert client_ip(request_from("10.0.0.5", forwarded)) == "198.51.100.1"


def test_garbage_in_the_chain_stops_at_the_last_vouched_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request_from("10.0.0.5", "198.51.100.1, not-an-ip")) == "10.0.0.5"
    assert client_ip(request_from("10.0.0.5", "")) == "10.0.0.5"


def test_ipv6_and_bracketed_forms(settings):
    settings.TRUSTED_PROXIES = ["::1", "fd00::/8"]
    assert client_ip(request_from("::1", "[2001:db8::7]:4711")) == "2001:db8::7"
    assert client_ip(request_from("::ffff:203.0.113.9")) == "203.0.113.9"


def test_unusable_remote_addr_gives_empty_string(settings):
    assert client_ip(request_from("")) == ""


# --- fingerprint: keyed, prefix-based, never the raw address --------------------------


def test_network_prefixes():
    assert network_prefix("203.0.113.77") == "203.0.113.0/24"
    assert network_prefix("2001:db8:abcd:12::1") == "2001:db8:abcd::/48"
    assert network_prefix("nonsense") == "unknown"


def test_fingerprint_groups_one_network_and_browser():
    same = fingerprint(request_from("203.0.113.7"))
    assert fingerprint(request_from("203.0.113.200")) == same
    assert fingerprint(request_from("203.0.114.7")) != same
    assert fingerprint(request_from("203.0.113.7", user_agent="Chrome/150")) != same
    assert len(same) == 64
    assert "203.0.113" not in same


def test_fingerprint_depends_on_the_server_secret(settings):
    before = fingerprint(request_from("203.0.113.7"))
    settings.VOTE_FINGERPRINT_KEY = "a-separate-fingerprint-key"
    after = fingerprint(request_from("203.0.113.7"))
    assert after != before


@pytest.mark.django_db
def test_stored_vote_holds_no_raw_ip(client):
    from tests.factories import ToolFactory
    from votes.models import Vote

    tool = ToolFactory()
    client.post(f"/tools/{tool.slug}/vote/", {"choice": "ship"}, REMOTE_ADDR="198.51.100.23")
    vote = Vote.objects.get()
    stored = " ".join(str(value) for value in Vote.objects.values().get().values())
    assert "198.51.100" not in stored
    assert vote.fingerprint == fingerprint(request_from("198.51.100.1", user_agent=""))
