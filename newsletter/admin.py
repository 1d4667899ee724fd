from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override

from newsletter.digest import build_digest, digest_context
from newsletter.models import DigestSend, Subscriber

# Emails carry inline styles (mail clients drop stylesheets), so the preview of one allows
# them; it still runs no script and loads nothing from elsewhere.
EMAIL_PREVIEW_CSP = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.NONE],
}


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "status", "created_at", "confirmed_at", "unsubscribed_at"]
    list_filter = [
        ("confirmed_at", admin.EmptyFieldListFilter),
        ("unsubscribed_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["email"]
    readonly_fields = ["created_at", "confirmed_at", "unsubscribed_at"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Addresses join only through double opt-in; an editor cannot consent for someone.
        return False


@admin.register(DigestSend)
class DigestSendAdmin(admin.ModelAdmin):
    change_list_template = "admin/newsletter/digestsend/change_list.html"
    list_filter = ["week"]
    list_select_related = ["subscriber"]
    readonly_fields = ["subscriber", "week", "sent_at"]

    def get_list_display(self, request: HttpRequest) -> list[str]:
        # Editors preview the digest and see that it went out; only those allowed to see
        # the subscriber list see whole addresses.
        if request.user.has_perm("newsletter.view_subscriber"):
            return ["week", "sent_at", "subscriber"]
        return ["week", "sent_at", "masked_recipient"]

    @admin.display(description="recipient")
    def masked_recipient(self, send: DigestSend) -> str:
        local, _, domain = send.subscriber.email.partition("@")
        return f"{local[:1]}…@{domain}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("preview/", preview, name="newsletter_digest_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """This week's digest as subscribers would see it; ``?format=text`` for plain text."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return render_preview(request)


@csp_override(EMAIL_PREVIEW_CSP)
def render_preview(request: HttpRequest) -> HttpResponse:
    digest = build_digest()
    sample = Subscriber(pk=0, email="reader@example.com")
    context = digest_context(digest) | {"subscriber": sample, "unsubscribe_url": "#unsubscribe"}
    if request.GET.get("format") == "text":
        text = render_to_string("newsletter/email/digest.txt", context)
        return HttpResponse(f"Subject: {digest.subject}\n\n{text}", content_type="text/plain")
    return HttpResponse(render_to_string("newsletter/email/digest.html", context))
