"""The expert's desk, above the domain apps: the dashboard (agenda and earnings), the session lists,
the answer pages (accept, decline, cancel, no-show) and the availability editor."""
