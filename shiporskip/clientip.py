"""The client's address, for rate limits and abuse checks.

Minimal version: the socket peer address. Behind a proxy the deployment decides which
forwarded header to trust; that belongs here, in one place, not in each view.
"""

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"
