"""Reading a matplotlib SVG in tests: what was drawn, not how it looks."""

from __future__ import annotations

import re

from rapport.lib.charts import PALETTE


def data_line(svg: str, color: str = PALETTE[0]) -> tuple[list[list[str]], int]:
    """The first line drawn in ``color`` inside the plot: its pieces (each a list of
    points) and how many markers it has. The legend's sample line is outside the plot
    (no clip path), so it is skipped."""
    for group in re.findall(r'<g id="line2d_\d+">(.*?)\n   </g>', svg, re.DOTALL):
        path = re.search(r'<path d="([^"]*)" clip-path="[^"]*" style="[^"]*' + color, group)
        if path:
            pieces = [re.findall(r"[\d.]+ [\d.]+", piece) for piece in path.group(1).split("M")[1:]]
            return pieces, group.count("<use ")
    raise AssertionError(f"no line drawn in {color}")
