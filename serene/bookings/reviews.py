"""Reviews: after a completed session its customer rates it 1 to 5, with optional words, once. The
expert's average and count are computed here from these real reviews (never typed in), under the
expert's row lock, so two reviews at once both count, and written by the experts app
(experts.services.expert_rating_set), which owns them. Each review is published as
signals.booking_reviewed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Avg, Count
from django.utils import timezone

from serene.accounts.models import User
from serene.core.errors import Conflict, Forbidden, InvalidInput
from serene.core.locking import retry_on_lock_conflict
from serene.core.text import plain_text
from serene.core.pagination import Page, keyset_page
from serene.experts.models import Expert
from serene.experts.services import expert_rating_set

from .locks import lock_booking
from . import signals
from .lifecycle import CUSTOMER
from .models import Booking, BookingStatus
from .moves import actor_for

REVIEW_MAX = 2000


class AlreadyReviewed(Conflict):
    code = "already_reviewed"


@dataclass(frozen=True)
class Rating:
    average: Decimal
    count: int


def review_allowed(*, booking: Booking, user: User) -> bool:
    """Whether a page offers the review form: the customer's completed session, not yet reviewed."""
    return (booking.customer_id == user.pk and booking.status == BookingStatus.COMPLETED
            and booking.reviewed_at is None)


@retry_on_lock_conflict
@transaction.atomic
def booking_review(*, booking_id: int, by: User, rating: int, review: str = "", at: datetime | None = None) -> Booking:
    """Record the customer's rating of a completed session, once, refresh the expert's average, and
    publish the review (signals.booking_reviewed). `at` is now, unless the demo data write the past."""
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise InvalidInput("Please choose a rating from 1 to 5 stars.", field="rating")
    review = plain_text(review, multiline=True)
    if len(review) > REVIEW_MAX:
        raise InvalidInput(f"Please keep the review under {REVIEW_MAX} characters.", field="review")
    locked = lock_booking(booking_id=booking_id)  # the expert first: its average is rewritten below
    booking = locked.booking
    if actor_for(user=by, booking=booking) != CUSTOMER:
        raise Forbidden("Only the customer who took the session reviews it.")
    if booking.reviewed_at is not None:
        raise AlreadyReviewed("You have already reviewed this session.")
    if booking.status != BookingStatus.COMPLETED:
        raise InvalidInput("A session can be reviewed once it has taken place.", code="not_completed")
    booking.rating, booking.review, booking.reviewed_at = rating, review, at or timezone.now()
    booking.save(update_fields=["rating", "review", "reviewed_at", "updated_at"])
    expert_rating_refresh(expert=locked.expert)
    signals.booking_reviewed.send(sender=Booking, review=signals.BookingReview(
        booking=booking, rating=rating, at=booking.reviewed_at, history=signals.is_recording_history()))
    return booking


def expert_rating_of(*, expert_id: int) -> Rating:
    figures = Booking.objects.filter(expert_id=expert_id, reviewed_at__isnull=False).aggregate(
        average=Avg("rating"), count=Count("pk"))
    average = Decimal(str(figures["average"] or 0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Rating(average=average, count=figures["count"])


def expert_rating_refresh(*, expert: Expert) -> Expert:
    """Have the expert's average and count set from their reviews (call it holding the expert's lock)."""
    rating = expert_rating_of(expert_id=expert.pk)
    return expert_rating_set(expert=expert, average=rating.average, count=rating.count)


PROFILE_REVIEWS = 10
REVIEWS_PAGE = 20


def _reviews_of(expert: Expert):
    return Booking.objects.select_related("customer").filter(expert=expert, reviewed_at__isnull=False)


def review_list_for_expert(*, expert: Expert, limit: int = PROFILE_REVIEWS) -> list[Booking]:
    """The expert's latest reviews, newest first, for the profile (only the first name of the reviewer
    shows); the rest are on the reviews pages (review_page_for_expert)."""
    return list(_reviews_of(expert).order_by("-reviewed_at", "-pk")[:limit])


def review_page_for_expert(*, expert: Expert, cursor: str | None = None, limit: int = REVIEWS_PAGE) -> Page[Booking]:
    """One page of the expert's reviews, newest first (keyset on reviewed_at)."""
    return keyset_page(_reviews_of(expert), key="reviewed_at", newest_first=True, cursor=cursor, limit=limit)
