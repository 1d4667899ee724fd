from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address the request came from, as the WSGI server saw it."""
    return request.META.get("REMOTE_ADDR", "")
