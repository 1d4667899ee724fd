"""Editors may preview the weekly digest and see that it went out (not the address list)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    app_config = apps.get_app_config("newsletter")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    editors, _ = group_model.objects.get_or_create(name="editors")
    editors.permissions.add(
        *permission_model.objects.filter(
            content_type__app_label="newsletter", codename="view_digestsend"
        )
    )


def revoke(apps, schema_editor):
    permission_model = apps.get_model("auth", "Permission")
    group_model = apps.get_model("auth", "Group")
    for editors in group_model.objects.filter(name="editors"):
        editors.permissions.remove(
            *permission_model.objects.filter(
                content_type__app_label="newsletter", codename="view_digestsend"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0001_initial"),
        ("tools", "0002_editors_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
