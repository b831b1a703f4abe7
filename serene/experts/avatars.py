"""Initials avatars: a calm coloured circle with up to two initials, as SVG."""
from __future__ import annotations

import hashlib
from html import escape

PALETTE = ("#2f6f62", "#3d6b8c", "#7a5c99", "#a35f4a", "#5c7d3a", "#8a6d1f", "#3f5f73", "#9b4f6b")


def initials_for(name: str) -> str:
    parts = [part for part in name.replace("Dr.", "").split() if part[:1].isalpha()]
    if not parts:
        return "?"
    if len(parts) == 1:
        return parts[0][0].upper()
    return (parts[0][0] + parts[-1][0]).upper()


def initials_svg(name: str) -> str:
    colour = PALETTE[int(hashlib.sha256(name.encode()).hexdigest(), 16) % len(PALETTE)]
    letters = escape(initials_for(name))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120" role="img" '
        f'aria-label="{escape(name)}"><rect width="120" height="120" rx="60" fill="{colour}"/>'
        '<text x="60" y="60" dy="0.35em" text-anchor="middle" fill="#ffffff" '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="46" '
        f'font-weight="600">{letters}</text></svg>'
    )
