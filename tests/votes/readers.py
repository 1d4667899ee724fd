"""Readers for tests against a live server: each one a browser with its own cookie jar."""

from __future__ import annotations

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    """Report a redirect as the response it is, the way a test wants to see it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Reader:
    def __init__(self, user_agent: str = "ShipOrSkipTestReader/1.0", *, address: str = "") -> None:
        self.jar = http.cookiejar.CookieJar()
        self.user_agent = user_agent
        # Sent as X-Forwarded-For: the reader's address to a server that trusts 127.0.0.1.
        self.address = address
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _KeepRedirects()
        )

    def _send(self, url: str, data: bytes | None = None, headers: dict | None = None):
        sent = {"User-Agent": self.user_agent, **(headers or {})}
        if self.address:
            sent["X-Forwarded-For"] = self.address
        request = urllib.request.Request(url, data=data, headers=sent)
        try:
            with self._opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def open(self, url: str) -> str:
        status, html = self._send(url)
        assert status == 200, (status, html[:500])
        return html

    def vote(self, base_url: str, slug: str, choice: str, *, htmx: bool = False) -> int:
        body = urllib.parse.urlencode({"choice": choice, "next": f"/tools/{slug}/"}).encode()
        # What a browser sends with a form posted from one of the site's own pages.
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": base_url,
            "Sec-Fetch-Site": "same-origin",
        }
        if htmx:
            headers |= {"HX-Request": "true"}
        status, _ = self._send(f"{base_url}/tools/{slug}/vote/", body, headers)
        return status

    @property
    def voter_cookie(self) -> str | None:
        return next((c.value for c in self.jar if c.name == "sos_voter"), None)
