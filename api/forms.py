"""The query parameters each endpoint reads. Error messages never repeat the input."""

from django import forms

from tools.verdicts import PanelVerdict

DEFAULT_PER_PAGE = 24
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
MAX_SLUG_LENGTH = 80


class ToolListParams(forms.Form):
    page = forms.IntegerField(min_value=1, max_value=MAX_PAGE, required=False)
    per_page = forms.IntegerField(min_value=1, max_value=MAX_PER_PAGE, required=False)
    category = forms.SlugField(max_length=MAX_SLUG_LENGTH, required=False)
    verdict = forms.ChoiceField(
        choices=PanelVerdict.choices,
        required=False,
        error_messages={
            "invalid_choice": f"Choose one of: {', '.join(PanelVerdict.values)}.",
        },
    )


MAX_URL_LENGTH = 2000
MAX_DIMENSION = 100_000


class OEmbedParams(forms.Form):
    # Not stripped: an address with stray blanks is simply not one of our tool pages (404).
    url = forms.CharField(max_length=MAX_URL_LENGTH, strip=False)
    maxwidth = forms.IntegerField(min_value=1, max_value=MAX_DIMENSION, required=False)
    maxheight = forms.IntegerField(min_value=1, max_value=MAX_DIMENSION, required=False)
