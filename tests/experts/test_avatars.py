"""Generated portraits: well-formed SVG with nothing fetched from elsewhere, fixed by the slug, varied across experts."""
from xml.etree import ElementTree

from hypothesis import given, settings, strategies as st

from serene.experts.avatars import portrait_svg
from serene.experts.management.commands.seed_demo import EXPERTS

SVG = "{http://www.w3.org/2000/svg}"


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=40), st.text(st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="\ufffe\uffff"), max_size=40))
def test_any_slug_and_name_make_a_well_formed_self_contained_portrait(slug, name):
    svg = portrait_svg(slug, name)
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-label") == (f"Illustrated portrait of {name}" if name else "Illustrated portrait")
    assert svg == portrait_svg(slug, name)
    assert all(not (element.get("href") or element.get("{http://www.w3.org/1999/xlink}href"))
               for element in root.iter())  # no external images


def test_the_demo_experts_do_not_share_one_face():
    portraits = {portrait_svg(row[2], row[1]).split('aria-label="')[1].split('"', 1)[1] for row in EXPERTS}
    assert len(portraits) >= len(EXPERTS) - 2


def test_control_characters_in_a_name_do_not_break_the_svg():
    ElementTree.fromstring(portrait_svg("x", "Bad\x00\x1b name"))
