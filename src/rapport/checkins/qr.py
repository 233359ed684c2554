"""QR codes for check-in links (segno), as data: URIs so the strict CSP still holds.

The raw token exists only while the therapist's page is being rendered, so the codes are
made then and embedded; nothing is stored or served from a second URL.
"""

from __future__ import annotations

import segno

__all__ = ["qr_images"]


def qr_images(url: str) -> tuple[str, str]:
    """Return ``(svg_data_uri, png_data_uri)`` for ``url``."""
    code = segno.make(url, error="m")
    svg = code.svg_data_uri(scale=6, border=4, dark="#000", light="#fff", omitsize=False)
    png = code.png_data_uri(scale=8, border=4)
    return svg, png
