"""The request type for views that answer htmx (django-htmx's middleware adds ``htmx``)."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
