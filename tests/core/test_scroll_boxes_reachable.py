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
