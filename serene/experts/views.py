"""The expert's picture when they uploaded none: initials, or a demo expert's drawn portrait. The API
and every page name it by URL (experts:avatar)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from .avatars import initials_svg, portrait_svg
from .models import Expert


@require_GET
@cache_control(max_age=86400, public=True)
def avatar(request: HttpRequest, slug: str) -> HttpResponse:
    found = Expert.objects.filter(slug=slug).values_list("user__name", "generated_portrait").first()
    if found is None:
        return HttpResponse(status=404)
    name, portrait = found
    return HttpResponse(portrait_svg(slug, name) if portrait else initials_svg(name), content_type="image/svg+xml")
