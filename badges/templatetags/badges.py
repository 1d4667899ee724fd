from django import template

from badges.embed_codes import EmbedCodes, embed_codes
from tools.models import Tool

register = template.Library()


@register.simple_tag(name="embed_codes")
def embed_codes_tag(tool: Tool, style: str = "", theme: str = "") -> EmbedCodes:
    """``{% embed_codes tool style theme as codes %}``: snippets with the chosen options."""
    return embed_codes(tool, style, theme)
