"""Avatars for experts without a photo, as SVG: initials on a calm colour, or an illustrated portrait."""
from __future__ import annotations

import hashlib
import unicodedata
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


# --- Illustrated portraits -------------------------------------------------------------------------
# A friendly drawn head and shoulders, chosen from the slug's hash: the same expert always gets the
# same portrait, and nothing is fetched from anywhere. Used for demo experts without a photo.

BACKGROUNDS = ("#dfe9e4", "#e8f0f6", "#f3e6d8", "#ece4f3", "#f6e3e6", "#e4efe0", "#f4ecd2", "#e0ecef")
SKIN_TONES = ("#f3d2b8", "#e8b894", "#d29b72", "#b97c55", "#8f5b3c", "#6e4530")
HAIR_COLOURS = ("#2b1d16", "#3b2a20", "#5a3a22", "#1f1f24", "#7a4b2a", "#a8a39c", "#4a3426")
CLOTHES = ("#2f6f62", "#3d6b8c", "#7a5c99", "#a35f4a", "#5c7d3a", "#8a6d1f", "#3f5f73", "#9b4f6b")


def _hair_back(style: int, colour: str) -> str:
    """Hair drawn behind the face (long styles)."""
    if style == 1:  # long, past the shoulders
        return f'<path d="M30 58 C30 24 90 24 90 58 L94 104 L26 104 Z" fill="{colour}"/>'
    if style == 3:  # bob
        return f'<path d="M32 56 C32 26 88 26 88 56 L90 80 C80 86 40 86 30 80 Z" fill="{colour}"/>'
    if style == 4:  # bun on top
        return f'<circle cx="60" cy="22" r="11" fill="{colour}"/>'
    return ""


def _hair_front(style: int, colour: str) -> str:
    """Hair over the top of the face."""
    if style == 0:  # short
        return f'<path d="M38 52 C36 30 50 24 60 24 C72 24 86 30 82 52 C78 40 68 36 58 37 C48 38 42 42 38 52 Z" fill="{colour}"/>'
    if style == 2:  # curly
        curls = "".join(f'<circle cx="{x}" cy="{y}" r="8" fill="{colour}"/>'
                        for x, y in ((40, 40), (48, 31), (60, 28), (72, 31), (80, 40), (37, 50), (83, 50)))
        return curls
    if style == 5:  # short with a side parting
        return f'<path d="M37 54 C35 30 52 23 63 24 C78 25 86 35 83 54 C80 44 74 38 64 37 L52 44 C46 46 40 49 37 54 Z" fill="{colour}"/>'
    # long, bob and bun share a fringe swept to one side
    return f'<path d="M37 54 C36 32 50 25 61 25 C75 25 85 34 83 54 C76 42 62 36 48 40 C43 42 39 47 37 54 Z" fill="{colour}"/>'


def portrait_svg(seed: str, name: str = "") -> str:
    """An illustrated portrait (face, hair, shoulders, background) determined by `seed` (the slug)."""
    digest = hashlib.sha256(seed.encode()).digest()
    background = BACKGROUNDS[digest[0] % len(BACKGROUNDS)]
    skin = SKIN_TONES[digest[1] % len(SKIN_TONES)]
    hair = HAIR_COLOURS[digest[2] % len(HAIR_COLOURS)]
    clothes = CLOTHES[digest[3] % len(CLOTHES)]
    style = digest[4] % 6
    glasses = digest[5] % 4 == 0
    collar = digest[6] % 2 == 0
    # XML has no place for control characters, surrogates or U+FFFE/U+FFFF.
    name = "".join(char for char in name if unicodedata.category(char) not in ("Cc", "Cs") and char not in "\ufffe\uffff")
    label = escape(f"Illustrated portrait of {name}" if name else "Illustrated portrait")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120" role="img" aria-label="{label}">',
        '<defs><clipPath id="frame"><circle cx="60" cy="60" r="60"/></clipPath></defs>',
        '<g clip-path="url(#frame)">',
        f'<rect width="120" height="120" fill="{background}"/>',
        _hair_back(style, hair),
        # shoulders and neck
        f'<path d="M14 120 C16 96 34 86 60 86 C86 86 104 96 106 120 Z" fill="{clothes}"/>',
        f'<path d="M51 72 L69 72 L70 90 C64 95 56 95 50 90 Z" fill="{skin}"/>',
        ('<path d="M48 88 L60 100 L72 88" fill="none" stroke="#ffffff" stroke-opacity=".55" stroke-width="3" '
         'stroke-linejoin="round"/>' if collar else
         f'<path d="M50 89 C55 95 65 95 70 89" fill="none" stroke="{skin}" stroke-width="3"/>'),
        # face and ears
        f'<ellipse cx="38.5" cy="58" rx="4" ry="6" fill="{skin}"/>',
        f'<ellipse cx="81.5" cy="58" rx="4" ry="6" fill="{skin}"/>',
        f'<ellipse cx="60" cy="56" rx="22" ry="25" fill="{skin}"/>',
        _hair_front(style, hair),
        # eyes, brows, cheeks and a smile
        '<circle cx="51" cy="57" r="2.4" fill="#2b2522"/><circle cx="69" cy="57" r="2.4" fill="#2b2522"/>',
        f'<path d="M46 50 Q51 47 56 50 M64 50 Q69 47 74 50" fill="none" stroke="{hair}" stroke-width="2" '
        'stroke-linecap="round"/>',
        '<circle cx="46" cy="65" r="4" fill="#e0736b" fill-opacity=".22"/>'
        '<circle cx="74" cy="65" r="4" fill="#e0736b" fill-opacity=".22"/>',
        '<path d="M52 68 Q60 75 68 68" fill="none" stroke="#7a3b32" stroke-width="2.2" stroke-linecap="round"/>',
    ]
    if glasses:
        parts.append('<g fill="none" stroke="#2b2522" stroke-width="1.6"><circle cx="51" cy="57" r="6"/>'
                     '<circle cx="69" cy="57" r="6"/><path d="M57 57 L63 57"/></g>')
    parts.append("</g></svg>")
    return "".join(parts)
