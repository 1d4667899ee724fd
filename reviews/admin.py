from django.contrib import admin

from reviews.models import Persona, Review


@admin.register(Persona)
class PersonaAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "lens", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug", "lens"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["tool", "persona", "score", "verdict", "status", "published_at"]
    list_filter = ["verdict", "status", "persona", "tool__category"]
    search_fields = ["tool__name", "persona__name", "body"]
    list_select_related = ["tool", "persona"]
    autocomplete_fields = ["tool"]
