"""Signed preview links: an unpublished tool page that an editor can send to a colleague.

The link carries the tool's id signed with SECRET_KEY and expires after
``SHIPORSKIP_PREVIEW_LINK_MAX_AGE`` seconds; whoever holds it may read the preview, no
account needed, and nothing else.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from tools.models import Tool

SALT = "tools.preview"


def preview_token(tool: Tool) -> str:
    return signing.dumps(tool.pk, salt=SALT, compress=False)


def preview_path(tool: Tool) -> str:
    return reverse("pages:preview", kwargs={"token": preview_token(tool)})


def tool_id_from_token(token: str) -> int | None:
    """The tool id a valid, unexpired token names; None for anything else."""
    try:
        value = signing.loads(token, salt=SALT, max_age=settings.SHIPORSKIP_PREVIEW_LINK_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
