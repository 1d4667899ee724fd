from django import template

register = template.Library()


@register.filter
def choice_for(votes_by_tool: object, tool: object) -> str:
    """``my_votes|choice_for:tool``: the visitor's choice on ``tool``, "" if none.

    ``my_votes`` comes from ``Vote.objects.choices_by_tool``; pages that did not look votes
    up simply show every tool as not yet voted on.
    """
    if not isinstance(votes_by_tool, dict):
        return ""
    return votes_by_tool.get(getattr(tool, "pk", None), "")
