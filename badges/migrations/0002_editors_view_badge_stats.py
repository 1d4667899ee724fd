"""Editors read the badge stats (they answer vendors' questions); nobody edits them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant_view(apps, schema_editor):
    app_config = apps.get_app_config("badges")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    editors = apps.get_model("auth", "Group").objects.filter(name="editors").first()
    if editors is None:
        return
    editors.permissions.add(
        *apps.get_model("auth", "Permission").objects.filter(
            content_type__app_label="badges", codename="view_dailycount"
        )
    )


def revoke_view(apps, schema_editor):
    editors = apps.get_model("auth", "Group").objects.filter(name="editors").first()
    if editors is not None:
        editors.permissions.remove(
            *apps.get_model("auth", "Permission").objects.filter(
                content_type__app_label="badges", codename="view_dailycount"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("badges", "0001_initial"),
        ("tools", "0002_editors_group"),
    ]

    operations = [migrations.RunPython(grant_view, revoke_view)]
