from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from reviews.models import Persona, Review
from tools.views import page_suffix

REVIEWS_PER_PAGE = 20


@require_safe
def persona_index(request: HttpRequest) -> HttpResponse:
    personas = Persona.objects.active().with_record()
    return render(
        request,
        "reviews/persona_index.html",
        {
            "personas": personas,
            "page_title": "The panel: seven critics, seven lenses — ShipOrSkip",
            "page_description": "Meet the ShipOrSkip critics: what each one judges, how often "
            "they say ship and how they score.",
        },
    )


@require_safe
def persona(request: HttpRequest, slug: str) -> HttpResponse:
    critic = get_object_or_404(Persona.objects.with_record(), slug=slug)
    reviews = Review.objects.filter(persona=critic).for_persona_page()
    page = Paginator(reviews, REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/persona.html",
        {
            "persona": critic,
            "page": page,
            "reviews": page.object_list,
            "page_title": f"The {critic.name}: reviews and ship rate — ShipOrSkip"
            + page_suffix(page),
            "page_description": f"Every ShipOrSkip review by the {critic.name}. {critic.lens}",
            "og_type": "profile",
        },
    )
