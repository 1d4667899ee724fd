"""One content version for the page cache, kept by triggers on the catalogue's tables."""

from django.db import migrations, models

from tools import content_version

TABLES = ("tools_tool", "tools_category")


class Migration(migrations.Migration):
    dependencies = [("tools", "0007_tool_logo")]

    operations = [
        migrations.CreateModel(
            name="ContentVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunSQL(
            [
                content_version.CREATE_FUNCTION,
                *(content_version.watch(table) for table in TABLES),
                "INSERT INTO tools_contentversion (id, version) VALUES (1, 1);",
            ],
            [
                *(content_version.unwatch(table) for table in TABLES),
                content_version.DROP_FUNCTION,
            ],
        ),
    ]
