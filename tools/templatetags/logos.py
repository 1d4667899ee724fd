from django import template

from tools.logos import logo_url, monogram, rendition_for

register = template.Library()

# The sizes, in CSS pixels, that the stylesheets have a class for (.logo-32 and so on).
DISPLAY_SIZES = (32, 40, 64)


@register.inclusion_tag("includes/tool_logo.html")
def tool_logo(tool, size: int) -> dict:
    """A tool's logo at ``size`` CSS pixels, sharp on dense screens, or its monogram.

    ``tool`` is anything with ``name`` and ``logo_id`` (a Tool, or a badge's facts). The
    logo sits beside the tool's name wherever it is shown, so it is decorative: empty alt.
    """
    if size not in DISPLAY_SIZES:
        raise template.TemplateSyntaxError(f"tool_logo size must be one of {DISPLAY_SIZES}")
    context = {"size": size, "monogram": monogram(tool.name)}
    if tool.logo_id:
        context |= {
            "src": logo_url(tool.logo_id, rendition_for(size)),
            "src_2x": logo_url(tool.logo_id, rendition_for(2 * size)),
        }
    return context
