"""Purge the shared HTTP cache when editors change what a verdict is made of.

A tool's own pages (its page and its comparisons) carry its tag, lists carry
``LISTING_TAG``, and everything carries ``SITE_TAG`` (critics' names and categories show
on every page). The app's own page cache needs none of this: these changes alter the
versions its keys are made of.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.purge import purge_on_commit
from reviews.models import Persona, Review
from reviews.versions import LISTING_TAG, SITE_TAG, tool_tag
from tools.models import Category, Tool


@receiver([post_save, post_delete], sender=Tool, dispatch_uid="reviews_purge_tool")
def purge_tool(sender, instance: Tool, **kwargs) -> None:
    """A save covers publish, unpublish and every edit; the lists show the tool too."""
    purge_on_commit(tool_tag(instance.pk), LISTING_TAG)


@receiver([post_save, post_delete], sender=Review, dispatch_uid="reviews_purge_review")
def purge_review(sender, instance: Review, **kwargs) -> None:
    purge_on_commit(tool_tag(instance.tool_id), LISTING_TAG)


@receiver([post_save, post_delete], sender=Persona, dispatch_uid="reviews_purge_persona")
@receiver([post_save, post_delete], sender=Category, dispatch_uid="reviews_purge_category")
def purge_site(sender, **kwargs) -> None:
    purge_on_commit(SITE_TAG)
