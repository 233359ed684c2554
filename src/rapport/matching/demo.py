"""Matching profiles for the demo clinic's clinicians (``rapport demo``), registered with
:func:`rapport.demo.register_demo_extension`: Alex and Sam work with different things and
in different styles, so "Find a better-matched colleague" has reasons to show."""

from __future__ import annotations

import random

from rapport.accounts.models import User
from rapport.matching.models import TherapistProfile

__all__ = ["DEMO_PROFILES", "add_demo_profiles"]

DEMO_PROFILES: dict[str, dict] = {
    "alex@demo.test": {
        "focus_areas": ["anxiety", "depression", "work_stress", "sleep"],
        "approaches": ["cbt", "act"],
        "languages": ["en", "es"],
        "style_directiveness": -1,
        "style_emotional_intensity": 1,
        "style_past_orientation": 1,
        "style_warm_support": -1,
        "accepting_referrals": True,
        "capacity": 30,
    },
    "sam@demo.test": {
        "focus_areas": ["trauma", "grief", "relationships", "self_esteem"],
        "approaches": ["person_centred", "emotion_focused"],
        "languages": ["en", "fr"],
        "style_directiveness": 1,
        "style_emotional_intensity": -1,
        "style_past_orientation": -1,
        "style_warm_support": 2,
        "accepting_referrals": True,
        "capacity": 25,
    },
}


def add_demo_profiles(clinic, rng: random.Random) -> None:
    for email, fields in DEMO_PROFILES.items():
        user = User.objects.filter(clinic=clinic, email=email).first()
        if user is not None:
            TherapistProfile.objects.update_or_create(user=user, defaults=fields)
