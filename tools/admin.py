"""Categories. The Tool admin lives in reviews/admin.py: editors edit a tool's panel of
reviews inline, so it stands where both tools and reviews are known."""

from django.contrib import admin

from tools.models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    list_editable = ["order"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
