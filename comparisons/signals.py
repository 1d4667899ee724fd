"""Purge the lists that show featured pairs (home, the comparisons index) when editors
change them. The pair's own page does not show whether it is featured."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from comparisons.models import FeaturedComparison
from core.purge import purge_on_commit
from reviews.versions import LISTING_TAG


@receiver(
    [post_save, post_delete], sender=FeaturedComparison, dispatch_uid="comparisons_purge_featured"
)
def purge_featured(sender, **kwargs) -> None:
    purge_on_commit(LISTING_TAG)
