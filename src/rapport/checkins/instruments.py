"""The instrument ids check-ins refer to, in one place (the ids come from the registry).

Always resolve them through :func:`rapport.measures.registry.get_instrument`.
"""

from __future__ import annotations

__all__ = [
    "COMMENT_ITEM",
    "DEFAULT_AFTER",
    "DEFAULT_BEFORE",
    "GOALS",
    "PHQ9",
    "PHQ9_RISK_ITEM",
    "PUSHED_ITEM",
    "SESSION_CHECKIN",
]

PHQ9 = "phq9"
SESSION_CHECKIN = "session-checkin"
# PHQ-9 item 9 ("thoughts that you would be better off dead..."): any non-zero answer is a
# risk notice (Kroenke, Spitzer & Williams 2001); the threshold lives in phq9.json.
PHQ9_RISK_ITEM = "phq9_9"
# The session check-in's "did you feel pushed or overridden in this session?" item
# (0 no, 1 a little, 2 yes).
PUSHED_ITEM = "pushed"
COMMENT_ITEM = "differently"
# The "Your goals" page: up to three goals in the client's own words, each stored as a
# clinic Goal written by the client (services.checkin_submit); never scored or scheduled.
GOALS = "goals"

# Issue 3: by default the PHQ-9 before each appointment and the session check-in after it.
DEFAULT_BEFORE = PHQ9
DEFAULT_AFTER = SESSION_CHECKIN
