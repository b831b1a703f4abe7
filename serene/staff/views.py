"""The staff operations page: what is in flight or stuck, at a glance. Staff only; anyone else
signed in hears 404, as if there were no such page."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from serene.core.errors import NotFound

from .selectors import operations_overview


@login_required
@require_GET
def operations(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise NotFound()
    sections = operations_overview()
    return render(request, "staff/operations.html", {
        "sections": sections, "checked_at": timezone.now(),
        "viewer_zone": request.user.time_zone or "UTC",
        "problems": sum(section.count for section in sections if section.level != "info"),
    })
