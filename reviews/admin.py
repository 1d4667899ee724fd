import pghistory
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from reviews.models import Persona, Review
from reviews.revisions import tool_revisions
from tools import logos
from tools.models import PublicationState, Tool
from tools.previews import preview_path
from tools.services import set_logo
from tools.standing import refresh_standings
from tools.verdicts import PanelVerdict


class RevisionContextAdmin(admin.ModelAdmin):
    """Every write made through these pages is signed with the editor in the revisions
    that PostgreSQL's history triggers write (who changed a review, and where)."""

    def _signed(self, request: HttpRequest):
        return pghistory.context(user=request.user.pk, via="admin")

    def changeform_view(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with self._signed(request):
            return super().changeform_view(request, *args, **kwargs)

    def changelist_view(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Bulk actions and list edits run from the change list.
        with self._signed(request):
            return super().changelist_view(request, *args, **kwargs)

    def delete_view(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with self._signed(request):
            return super().delete_view(request, *args, **kwargs)


@admin.register(Persona)
class PersonaAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "lens", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug", "lens"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Review)
class ReviewAdmin(RevisionContextAdmin):
    list_display = ["tool", "persona", "score", "verdict", "status", "published_at"]
    list_filter = ["verdict", "status", "persona", "tool__category"]
    search_fields = ["tool__name", "persona__name", "body"]
    list_select_related = ["tool", "persona"]
    autocomplete_fields = ["tool"]

    # A review's change moves its tool's verdict and maybe its award: both follow at once.
    def save_model(self, request, obj: Review, form, change) -> None:
        super().save_model(request, obj, form, change)
        refresh_standings(tool_ids=[obj.tool_id])

    def delete_model(self, request, obj: Review) -> None:
        super().delete_model(request, obj)
        refresh_standings(tool_ids=[obj.tool_id])

    def delete_queryset(self, request, queryset: QuerySet) -> None:
        tool_ids = list(queryset.values_list("tool_id", flat=True))
        super().delete_queryset(request, queryset)
        refresh_standings(tool_ids=tool_ids)


class ReviewInline(admin.TabularInline):
    """One row per active persona: the panel is edited where the tool is."""

    model = Review
    fields = ["persona", "score", "verdict", "status", "body"]
    extra = 0
    classes = ["review-panel"]

    def get_extra(self, request, obj=None, **kwargs):
        active = Persona.objects.active().count()
        reviewed = obj.reviews.count() if obj else 0
        return max(active - reviewed, 0)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        reviewed = set(obj.reviews.values_list("persona_id", flat=True)) if obj else set()
        missing = [
            {"persona": persona.pk}
            for persona in Persona.objects.active()
            if persona.pk not in reviewed
        ]

        class PrefilledFormSet(formset):
            def __init__(self, *args, **formset_kwargs):
                formset_kwargs.setdefault("initial", missing)
                super().__init__(*args, **formset_kwargs)

        return PrefilledFormSet


class PanelVerdictFilter(admin.SimpleListFilter):
    title = "panel verdict"
    parameter_name = "verdict"

    def lookups(self, request, model_admin):
        return PanelVerdict.choices

    def queryset(self, request, queryset):
        if self.value() in PanelVerdict.values:
            return queryset.filter(panel_verdict=self.value())
        return queryset


class ToolAdminForm(forms.ModelForm):
    """The tool's own fields plus its logo, which is checked and redrawn before saving."""

    logo_upload = forms.FileField(
        label="New logo",
        required=False,
        help_text=f"PNG, JPEG or WebP, at most {logos.MAX_BYTES // (1024 * 1024)} MB and "
        f"{logos.MAX_SIDE} pixels a side; shown square on a transparent background. "
        "SVG is not accepted.",
    )
    remove_logo = forms.BooleanField(
        label="Remove the logo", required=False, help_text="The tool shows its initials."
    )

    class Meta:
        model = Tool
        # The admin's fieldsets choose what is shown; these are the fields it may save.
        fields = [
            "name",
            "slug",
            "tagline",
            "category",
            "vendor",
            "website",
            "entry_price",
            "pricing",
            "best_for",
            "description",
            "status",
            "published_at",
        ]

    def clean_logo_upload(self) -> logos.RenderedLogo | None:
        upload = self.cleaned_data.get("logo_upload")
        if not upload:
            return None
        upload.seek(0)
        return logos.read_logo(upload, size=upload.size)

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("logo_upload") and cleaned.get("remove_logo"):
            self.add_error("remove_logo", "Upload a new logo or remove it, not both.")
        return cleaned


@admin.register(Tool)
class ToolAdmin(RevisionContextAdmin):
    form = ToolAdminForm
    list_display = [
        "name",
        "category",
        "verdict_column",
        "ships_skips_column",
        "ship_percent_column",
        "community_column",
        "status",
        "published_at",
    ]
    list_filter = ["status", PanelVerdictFilter, "category", "entry_price"]
    search_fields = ["name", "slug", "tagline", "vendor"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = [
        "logo_preview",
        "created_at",
        "updated_at",
        "certified_since",
        "certified_lost_at",
    ]
    date_hierarchy = "published_at"
    list_select_related = ["category"]
    inlines = [ReviewInline]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "tagline", "category", "vendor", "website"]}),
        ("Verdict page", {"fields": ["entry_price", "pricing", "best_for", "description"]}),
        ("Logo", {"fields": ["logo_preview", "logo_upload", "remove_logo"]}),
        ("Publication", {"fields": ["status", "published_at", "created_at", "updated_at"]}),
        ("Certified Ship", {"fields": ["certified_since", "certified_lost_at"]}),
    ]

    class Media:
        css = {"all": ["css/admin.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).with_stats()

    @admin.display(description="Current logo")
    def logo_preview(self, tool: Tool) -> str:
        if not tool.logo_id:
            return "None: pages show the tool's initials."
        return format_html(
            '<img src="{}" alt="{} logo" width="64" height="64">',
            logos.logo_url(tool.logo_id, logos.rendition_for(64)),
            tool.name,
        )

    @admin.display(description="Panel verdict", ordering="panel_verdict")
    def verdict_column(self, tool: Tool) -> str:
        return tool.panel.label

    @admin.display(description="Ships · skips")
    def ships_skips_column(self, tool: Tool) -> str:
        return tool.panel.counts_line

    @admin.display(description="Panel ship %")
    def ship_percent_column(self, tool: Tool) -> str:
        value = tool.panel.ship_percent
        return "—" if value is None else f"{value}%"

    @admin.display(description="Community")
    def community_column(self, tool: Tool) -> str:
        return tool.community.line

    def save_model(self, request, obj: Tool, form, change) -> None:
        if obj.status == PublicationState.PUBLISHED:
            obj.publish()  # stamps the publication time if the editor left it empty
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("logo_upload"):
            set_logo(tool=obj, logo=form.cleaned_data["logo_upload"])
        elif form.cleaned_data.get("remove_logo"):
            set_logo(tool=obj, logo=None)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # After the inline reviews are saved: the verdict and award follow them at once.
        refresh_standings(tool_ids=[form.instance.pk])

    def get_urls(self):
        revisions = self.admin_site.admin_view(self.revisions_view)
        return [
            path("<int:object_id>/revisions/", revisions, name="tools_tool_revisions"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context |= {
                "revisions_url": reverse("admin:tools_tool_revisions", args=[obj.pk]),
                # A fresh signed link each time the form is shown; it expires by itself.
                "preview_url": request.build_absolute_uri(preview_path(obj)),
                "preview_days": settings.SHIPORSKIP_PREVIEW_LINK_MAX_AGE // 86400,
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def revisions_view(self, request: HttpRequest, object_id: int) -> TemplateResponse:
        """The tool's and its reviews' revisions, newest first, each change before and after."""
        tool = get_object_or_404(Tool, pk=object_id)
        if not self.has_view_permission(request, tool):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": tool,
            "title": f"Revisions of {tool.name}",
            "revisions": tool_revisions(tool),
            "change_url": reverse("admin:tools_tool_change", args=[tool.pk]),
        }
        return TemplateResponse(request, "admin/tools/tool/revisions.html", context)

    # Both actions save tool by tool rather than queryset.update(): saving is what tells the
    # badges (badges.signals) to drop their cached verdict, so an unpublished tool's badge
    # turns neutral at once instead of saying SHIP until the cache expires.
    @admin.action(description="Publish selected tools", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        with transaction.atomic():
            for tool in queryset.filter(status=PublicationState.DRAFT):
                tool.publish()
                tool.save(update_fields=["status", "published_at", "updated_at"])
                count += 1
        self.message_user(request, f"Published {count} tool{pluralize(count)}.", messages.SUCCESS)

    @admin.action(description="Unpublish selected tools", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        with transaction.atomic():
            for tool in queryset.filter(status=PublicationState.PUBLISHED):
                tool.unpublish()
                tool.save(update_fields=["status", "updated_at"])
                count += 1
        self.message_user(request, f"Unpublished {count} tool{pluralize(count)}.", messages.SUCCESS)
