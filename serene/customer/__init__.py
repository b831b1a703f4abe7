"""The customer's side, above the domain apps: the session page (which the expert and staff open too,
and which emails link to), the dashboard and session lists, cancel, reschedule and review, the
payment history and receipt, and the sessions API."""
