"""Count each visitor once per tool per hour, and keep every request as the raw figure.

The stored figures so far counted every request, so they become ``raw_*``. The visitor
figures of those days were never measured: they stay NULL rather than guessed.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("badges", "0002_editors_view_badge_stats"),
        ("tools", "0007_tool_logo"),
    ]

    operations = [
        migrations.RenameField("dailycount", "impressions", "raw_impressions"),
        migrations.RenameField("dailycount", "clicks", "raw_clicks"),
        migrations.AlterField(
            model_name="dailycount",
            name="raw_impressions",
            field=models.PositiveBigIntegerField(default=0, help_text="Every badge load."),
        ),
        migrations.AlterField(
            model_name="dailycount",
            name="raw_clicks",
            field=models.PositiveBigIntegerField(default=0, help_text="Every badge click."),
        ),
        # Added without a default, so the days already stored read NULL ("not measured").
        migrations.AddField(
            model_name="dailycount",
            name="impressions",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="dailycount",
            name="clicks",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.AlterField(
            model_name="dailycount",
            name="impressions",
            field=models.PositiveBigIntegerField(
                default=0,
                help_text="Visitors who saw the badge, each once per hour.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="dailycount",
            name="clicks",
            field=models.PositiveBigIntegerField(
                default=0,
                help_text="Visitors who followed the badge, each once per hour.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="pendinghit",
            name="first_this_hour",
            field=models.BooleanField(default=False),
        ),
        migrations.CreateModel(
            name="SeenVisitor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("hour", models.DateTimeField()),
                (
                    "kind",
                    models.CharField(
                        choices=[("impression", "Impression"), ("click", "Click")],
                        max_length=10,
                    ),
                ),
                ("visitor", models.CharField(max_length=32)),
                (
                    "tool",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tools.tool",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("hour", "tool", "kind", "visitor"),
                        name="one_seen_visitor_per_hour",
                    )
                ],
            },
        ),
    ]
