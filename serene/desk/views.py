"""The expert's dashboard (what waits for an answer, today's agenda, what is ahead and behind, and
earnings) and the session lists behind it. Its buttons go to the answer pages in actions.py."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from serene.accounts.requests import AuthenticatedHttpRequest
from serene.core.pagination import page_after

from serene.bookings.agenda import expert_actions_for, expert_agenda, expert_of, expert_sessions_page
from serene.bookings.earnings import earnings_for_expert, month_split_for_expert
from serene.bookings.selectors import has_booked

CHART_MONTHS = 6


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    expert = expert_of(user=request.user)
    now = timezone.now()
    agenda = expert_agenda(expert=expert, now=now)
    earnings = earnings_for_expert(expert=expert, months=CHART_MONTHS, now=now)
    peak = earnings.peak_net_minor
    chart = [{"month": month, "percent": round(month.net_minor * 100 / peak) if peak else 0}
             for month in earnings.months]
    actions = {booking.pk: expert_actions_for(booking=booking, now=now)
               for booking in [*agenda.awaiting, *agenda.today, *agenda.upcoming, *agenda.past]}
    return render(request, "desk/dashboard.html", {
        "expert": expert, "agenda": agenda, "earnings": earnings, "chart": chart, "actions": actions,
        "split": month_split_for_expert(expert=expert, now=now),
        "viewer_zone": expert.time_zone, "approval_deadline_hours": settings.APPROVAL_DEADLINE_HOURS,
        "recent_earnings": earnings.sessions[:10],
        "booked_as_client": has_booked(user=request.user),
    })


SESSIONS_TITLES = {"later": "Upcoming sessions", "past": "Past sessions"}


@login_required
@require_GET
def sessions(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every session of the expert after today (?when=later) or before (?when=past), a page at a time."""
    expert = expert_of(user=request.user)
    when = request.GET.get("when", "later")
    if when not in SESSIONS_TITLES:
        when = "later"
    now = timezone.now()
    listed = page_after(lambda cursor: expert_sessions_page(expert=expert, when=when, cursor=cursor, now=now),
                        request.GET.get("cursor"))
    return render(request, "desk/sessions.html", {
        "expert": expert, "when": when, "title": SESSIONS_TITLES[when], "page": listed.page, "error": listed.error,
        "first_page": listed.first_page,
        "actions": {booking.pk: expert_actions_for(booking=booking, now=now) for booking in listed.page.items},
        "viewer_zone": expert.time_zone,
    }, status=listed.status)
