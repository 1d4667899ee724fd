"""Featured comparisons are listed on /compare/: they bump the content version too."""

from django.db import migrations

from tools import content_version

TABLE = "comparisons_featuredcomparison"


class Migration(migrations.Migration):
    dependencies = [("comparisons", "0001_initial"), ("tools", "0008_content_version")]

    operations = [
        migrations.RunSQL(content_version.watch(TABLE), content_version.unwatch(TABLE)),
    ]
