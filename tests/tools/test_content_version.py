"""The content version moves with every change the reading pages show, and only then."""

from __future__ import annotations

import datetime
import time

import pytest
from django.db import connection
from django.utils import timezone

from comparisons.models import FeaturedComparison
from reviews.models import Persona
from reviews.versions import content_version
from tests.factories import ToolFactory
from tools.models import Category, ContentVersion, Tool

pytestmark = pytest.mark.django_db


def moved(change) -> bool:
    before = content_version()
    change()
    return content_version() != before


def test_each_kind_of_change_moves_it(catalogue):
    tool = catalogue[0]
    review = tool.reviews.first()
    pair = ToolFactory(), ToolFactory()

    def edit_tool():
        tool.tagline = "Sharper than before"
        tool.save()

    def rename_category():
        Category.objects.filter(pk=tool.category_id).update(name="Renamed")

    def rename_critic():
        Persona.objects.filter(pk=review.persona_id).update(name="Someone else")

    def edit_review():
        review.body = "A fresh take"
        review.save()

    def delete_review():
        review.delete()

    def feature_pair():
        FeaturedComparison.objects.create(tool_a=pair[0], tool_b=pair[1])

    def add_tool():
        ToolFactory()

    for change in (
        edit_tool,
        rename_category,
        rename_critic,
        edit_review,
        delete_review,
        feature_pair,
        add_tool,
    ):
        assert moved(change), change.__name__


def test_an_update_that_changes_nothing_does_not_move_it(catalogue):
    tool = catalogue[0]
    assert not moved(lambda: Tool.objects.filter(pk=tool.pk).update(name=tool.name))
    assert not moved(lambda: Tool.objects.filter(pk=-1).update(name="nobody"))


def test_a_scheduled_publication_moves_it_when_its_time_comes(catalogue):
    soon = ToolFactory()
    soon.publish()
    soon.published_at = timezone.now() + datetime.timedelta(seconds=1)
    soon.save()
    before = content_version()
    # No write at all: only the clock passes the publication time.
    time.sleep(1.2)
    assert content_version() != before


def test_it_survives_its_table_being_emptied(catalogue):
    before = content_version()
    ContentVersion.objects.all().delete()
    ToolFactory()
    after = content_version()
    assert after[0] is not None and after[0] > before[0]


def version_writes() -> int:
    """Writes to the version row in this transaction so far."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd), 0) FROM pg_stat_xact_user_tables"
            " WHERE relname = %s",
            [ContentVersion._meta.db_table],
        )
        return cursor.fetchone()[0]


def test_a_statement_bumps_it_once_however_many_rows_it_changes(catalogue):
    before = version_writes()
    Category.objects.bulk_create([Category(name=f"Bulk {n}", slug=f"bulk-{n}") for n in range(300)])
    assert version_writes() == before + 1
    Category.objects.filter(slug__startswith="bulk-").update(name="Bulk renamed")
    assert version_writes() == before + 2
