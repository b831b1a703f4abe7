"""The header's notifications badge: the signed-in user's notice counts, read only if a page shows them."""
from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from .notices import notice_counts


def notices(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: pages that never show the header (the admin, JSON) never pay for the query.
    return {"notice_counts": SimpleLazyObject(lambda: notice_counts(user=user))}
