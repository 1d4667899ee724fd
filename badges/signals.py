"""Drop a tool's cached badge facts when editors change the tool or its panel.

Deletion waits for the commit: dropping earlier would let a badge request re-cache the
old figures from a transaction that has not committed yet.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from badges.data import forget
from reviews.models import Review
from tools.models import Tool


@receiver([post_save, post_delete], sender=Tool, dispatch_uid="badges_forget_tool")
def forget_tool(sender, instance: Tool, **kwargs) -> None:
    slug = instance.slug
    transaction.on_commit(lambda: forget(slug))


@receiver([post_save, post_delete], sender=Review, dispatch_uid="badges_forget_review")
def forget_review(sender, instance: Review, **kwargs) -> None:
    if Review.tool.is_cached(instance):
        slug = instance.tool.slug
    else:
        slug = Tool.objects.filter(pk=instance.tool_id).values_list("slug", flat=True).first()
    if slug:
        transaction.on_commit(lambda: forget(slug))
