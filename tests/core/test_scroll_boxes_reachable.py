"""Every table scroll box in the templates can be reached and scrolled by keyboard, and
says what it holds (WCAG 2.1.1 keyboard, 4.1.2 name): a wide table on a phone is otherwise
cut off for anyone without a pointer."""

from __future__ import annotations

import re
from pathlib import Path

import rapport

TEMPLATES = Path(rapport.__file__).parent / "templates"
SCROLL_BOX = re.compile(r"<div\b[^>]*\bclass=\"table-wrap\"[^>]*>")


def test_every_scroll_box_is_a_focusable_named_region():
    boxes = [
        (path.relative_to(TEMPLATES), tag)
        for path in TEMPLATES.rglob("*.html")
        for tag in SCROLL_BOX.findall(path.read_text(encoding="utf-8"))
    ]
    assert len(boxes) >= 10  # the check finds them
    unreachable = [
        (str(path), tag)
        for path, tag in boxes
        if 'tabindex="0"' not in tag
        or 'role="region"' not in tag
        or not ("aria-label=" in tag or "aria-labelledby=" in tag)
    ]
    assert unreachable == []


SECTION_LABELLED_BY = re.compile(r"<section\b[^>]*\baria-labelledby=\"([^\"]+)\"")
LABELLED_BY = re.compile(r"\baria-labelledby=\"([^\"]+)\"")
TRANSLATED_LABEL = re.compile(r"\baria-label=\"\{% translate '([^']+)' %\}\"")


def _heading_text(template: str, heading_id: str) -> str | None:
    found = re.search(
        rf"\bid=\"{re.escape(heading_id)}\"[^>]*>\{{% translate \"([^\"]+)\" %\}}", template
    )
    return found.group(1) if found else None


def test_no_scroll_box_takes_the_name_of_the_section_around_it():
    # A labelled <section> and a role="region" box are both landmarks: a box labelled by
    # its section's heading gives two landmarks one name, and a screen reader's landmark
    # list shows the same entry twice (axe 'landmark-unique', WCAG 1.3.1 / ARIA 1.2).
    clashes = []
    for path in TEMPLATES.rglob("*.html"):
        template = path.read_text(encoding="utf-8")
        section_ids = set(SECTION_LABELLED_BY.findall(template))
        section_names = {_heading_text(template, i) for i in section_ids} - {None}
        for tag in SCROLL_BOX.findall(template):
            labelled_by = LABELLED_BY.search(tag)
            label = TRANSLATED_LABEL.search(tag)
            if (labelled_by and labelled_by.group(1) in section_ids) or (
                label and label.group(1) in section_names
            ):
                clashes.append((str(path.relative_to(TEMPLATES)), tag))
    assert clashes == []
