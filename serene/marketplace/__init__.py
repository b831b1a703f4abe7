"""The public side, above the domain apps: browse, an expert's profile with the booking wizard, the
reviews page, and the wizard's failure page (retry on the same order)."""
