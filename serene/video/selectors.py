"""Reads of the video room, scoped to the booking's two participants (staff included, are not)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from serene.accounts.models import User
from serene.bookings.models import Booking
from serene.core.errors import NotFound
from serene.experts.avatars import initials_for

from .models import RoomRole, RoomVisit


@dataclass(frozen=True)
class RoomSeat:
    booking: Booking
    role: str  # RoomRole
    peer_name: str  # the other participant's name, as this one knows them
    peer_initials: str = "?"  # shown in place of their picture while their camera is off

    @property
    def polite(self) -> bool:
        """WebRTC perfect negotiation needs one polite side: the customer yields on a clash of offers."""
        return self.role == RoomRole.CUSTOMER


def room_seat_for(*, user: User, public_id: str) -> RoomSeat:
    """The user's place in the booking's room; the same 404 for anyone else and for an unknown id."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound("There is no session with that id.") from None
    booking = Booking.objects.select_related("expert__user", "expert__category", "customer").filter(
        public_id=key).first()
    if booking is None or not user.is_authenticated:
        raise NotFound("There is no session with that id.")
    if booking.customer_id == user.pk:
        return RoomSeat(booking=booking, role=RoomRole.CUSTOMER, peer_name=booking.expert.name,
                        peer_initials=initials_for(booking.expert.name))
    if booking.expert.user_id == user.pk:
        return RoomSeat(booking=booking, role=RoomRole.EXPERT, peer_name=booking.customer.name or "your client",
                        peer_initials=initials_for(booking.customer.name or ""))
    raise NotFound("There is no session with that id.")


def room_booking_status(*, booking_id: int) -> str | None:
    """The booking's status as committed now (None if it is gone): the room reads it again once its
    socket listens for moves."""
    return Booking.objects.filter(pk=booking_id).values_list("status", flat=True).first()


def room_visits_for(*, booking: Booking) -> list[RoomVisit]:
    return list(RoomVisit.objects.filter(booking=booking).select_related("user"))
