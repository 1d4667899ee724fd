"""Writes about tools that touch more than one row."""

from __future__ import annotations

from django.db import transaction

from tools.logos import RENDITIONS, RenderedLogo
from tools.models import Logo, Tool


@transaction.atomic
def set_logo(*, tool: Tool, logo: RenderedLogo | None) -> None:
    """Give ``tool`` this logo, or none; drop the stored logo it had if no tool uses it now.

    The same picture uploaded twice (or for two tools) is one row: rows are named by their
    digest. Saving the tool is what changes its pages' ETags and clears its badge cache.
    """
    previous = tool.logo_id
    if logo is None:
        tool.logo = None
    else:
        stored, _ = Logo.objects.get_or_create(
            digest=logo.digest,
            defaults={field: logo.pngs[size] for size, field in RENDITIONS.items()},
        )
        tool.logo = stored
    tool.save(update_fields=["logo", "updated_at"])
    if previous and previous != tool.logo_id:
        Logo.objects.filter(pk=previous, tools__isnull=True).delete()
