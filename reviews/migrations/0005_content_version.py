"""Reviews and critics change what every reading page shows: they bump the content version."""

from django.db import migrations

from tools import content_version

TABLES = ("reviews_review", "reviews_persona")


class Migration(migrations.Migration):
    dependencies = [("reviews", "0004_review_revisions"), ("tools", "0008_content_version")]

    operations = [
        migrations.RunSQL(
            [content_version.watch(table) for table in TABLES],
            [content_version.unwatch(table) for table in TABLES],
        )
    ]
