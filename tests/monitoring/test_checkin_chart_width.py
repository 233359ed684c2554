"""The check-in panel's charts (checkin.css ``.chart``) size as the monitoring charts beside
them on the client page (monitoring.css ``.charts img``): the full column up to 34rem. They
stayed at their drawn width (``max-width: 100%`` only), smaller than the monitoring chart of
the same scores."""

from __future__ import annotations

import re
from pathlib import Path

import rapport

STATIC = Path(rapport.__file__).parent


def declarations(css: Path, selector: str) -> dict[str, str]:
    text = re.sub(r"/\*.*?\*/", "", css.read_text(), flags=re.DOTALL)
    (body,) = re.findall(rf"(?m)^{re.escape(selector)}\s*\{{([^}}]*)\}}", text)
    return {
        name.strip(): value.strip()
        for name, value in (d.split(":", 1) for d in body.split(";") if d.strip())
    }


def test_the_checkin_charts_grow_like_the_monitoring_charts():
    checkin = declarations(STATIC / "static/rapport/checkin.css", ".chart")
    monitoring = declarations(STATIC / "monitoring/static/monitoring/monitoring.css", ".charts img")
    assert checkin["width"] == "100%" and checkin["max-width"] == "34rem"
    assert {k: checkin[k] for k in ("width", "max-width", "height")} == {
        k: monitoring[k] for k in ("width", "max-width", "height")
    }
