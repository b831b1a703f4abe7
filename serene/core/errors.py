"""One root for the errors Serene expects: each carries an HTTP status and a stable code.

The JSON API renders them as {"success": false, "error": {"code", "message"}}; pages render the
same status with a friendly message. An expected failure is never a 500.
"""
from __future__ import annotations


class AppError(Exception):
    status = 400
    code = "invalid"
    default_message = "The request could not be handled."

    @property
    def retry_after_seconds(self) -> int | None:
        """Sent as Retry-After when set (a 503 that will pass); None for most errors."""
        return None

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 status: int | None = None, field: str | None = None) -> None:
        self.message = message or self.default_message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.field = field
        super().__init__(self.message)

    def as_dict(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        return {"success": False, "error": error}


class InvalidInput(AppError):
    status = 400
    code = "invalid"
    default_message = "Some of the values sent are not valid."


class NotAuthenticated(AppError):
    status = 401
    code = "not_authenticated"
    default_message = "Please sign in first."


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    default_message = "You are not allowed to do that."


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    default_message = ("The CSRF check failed. Fetch a token from GET /api/v1/auth/csrf and send it back in the "
                       "X-CSRFToken header, with the csrftoken cookie.")


class NotFound(AppError):
    status = 404
    code = "not_found"
    default_message = "We could not find what you asked for."


class Conflict(AppError):
    status = 409
    code = "conflict"
    default_message = "That conflicts with the current state."


class SlotTaken(Conflict):
    code = "slot_taken"
    default_message = "Sorry, someone has just taken that time. Please choose another."


class HoldExpired(AppError):
    status = 410
    code = "hold_expired"
    default_message = "Your hold on this time has run out. Please choose a time again."


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"
    default_message = "The request body is too large."


class TooManyAttempts(AppError):
    status = 429
    code = "too_many_attempts"
    default_message = "Too many attempts. Please wait a little and try again."


class ServiceUnavailable(AppError):
    status = 503
    code = "unavailable"
    default_message = "That service is busy right now. Please try again in a moment."
