"""Assertions on responses that many test modules make the same way."""

from django.http import HttpResponse
from django.test import Client


def assert_redirects(response: HttpResponse, location: str, status: int = 302) -> None:
    """``response`` sends the reader to exactly ``location`` (not followed)."""
    assert response.status_code == status
    assert response["Location"] == location


def assert_not_modified(client: Client, path: str, first: HttpResponse) -> HttpResponse:
    """Asking for ``path`` again with ``first``'s ETag answers an empty 304 that carries
    the same ETag."""
    again = client.get(path, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    return again
