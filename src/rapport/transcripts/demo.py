"""Two synthetic analysed sessions for the demo clinic (``rapport demo``).

Written for the demo, not taken from any dataset: one warm session (reflections, open
questions, the client talking about change) and one that shows what the flags catch
(unsolicited and medical advice, a run of closed questions, small talk after the opening,
a client who goes quiet). Registered with :func:`rapport.demo.register_demo_extension`.
"""

from __future__ import annotations

import logging
import random

from rapport.transcripts.parsing import parse_transcript

__all__ = ["DEMO_SESSIONS", "add_demo_transcripts", "demo_vtt"]

logger = logging.getLogger(__name__)

T, C = "Alex Rivera (Therapist)", "Ada"

WARM_SESSION: tuple[tuple[str, str, float], ...] = (
    (T, "Hi Ada, good to see you. What would you like to focus on today?", 6),
    (C, "I wanted to talk about the evenings. That's when the worrying starts.", 7),
    (T, "The evenings are when it gets hard. What happens then?", 5),
    (C, "I get home, I sit down, and my head just starts going over everything at work.", 8),
    (T, "Your body stops but your mind keeps working.", 4),
    (C, "Exactly. And then I'm lying awake at two in the morning, still going.", 7),
    (T, "And that leaves you exhausted the next day, which makes work feel even heavier.", 6),
    (C, "Yes. I really want to break that cycle. I can't keep going like this.", 7),
    (T, "You're ready for something to change. What have you noticed helps, even a little?", 7),
    (C, "Last week I wrote a list before leaving the office and it was a bit easier.", 8),
    (T, "Putting the worries on paper let you leave some of them at work.", 5),
    (C, "I think so. I'd like to do that every day, and maybe go for a walk after.", 8),
    (T, "You have a plan taking shape: the list, and a walk to mark the end of the day.", 7),
    (C, "I could start tomorrow. My sister said she'd come with me on Thursdays.", 7),
    (T, "How confident do you feel about giving it a try this week?", 5),
    (C, "Fairly confident. Seven out of ten, maybe. It feels doable.", 6),
    (T, "Seven out of ten. What makes it a seven and not a four?", 5),
    (C, "I've already done it once, and I know how much better I slept that night.", 8),
    (T, "You've seen it work, and you want more nights like that one.", 5),
    (C, "I do. I'm going to try it. Thanks, this helped.", 5),
)

DIRECTIVE_SESSION: tuple[tuple[str, str, float], ...] = (
    (T, "Hello Ada. Come in, sit down.", 4),
    (C, "Hi. Thanks.", 2),
    (T, "So, how was your week?", 3),
    (
        C,
        "Not great. The sleep is still bad and work is piling up again. My manager moved two "
        "deadlines forward, so I stayed late on Monday and Tuesday, and by Wednesday I was "
        "so tired I made a mistake in the report that I then had to fix on Thursday. I kept "
        "thinking about it all weekend. I did write the list a couple of times, like we "
        "said, but then I stopped. I don't really know why. I suppose it felt like one more "
        "thing to do. My sister asked if I wanted to go walking on Saturday and I said no, "
        "which I regretted afterwards.",
        180,
    ),
    (T, "Lovely weather out there today, isn't it? Did you get out at the weekend?", 40),
    (C, "Not really. I stayed in most of the time.", 30),
    (T, "I just watched a brilliant film at the weekend, you should see it.", 30),
    (C, "Maybe.", 3),
    (
        T,
        "I would recommend that you stop using your phone after nine. You need to go to bed "
        "at the same time every night.",
        8,
    ),
    (C, "I have tried that before, it didn't really work for me.", 6),
    (T, "Maybe just take some melatonin, it works for most people.", 6),
    (C, "Okay.", 2),
    (T, "Do you drink coffee in the afternoon?", 3),
    (C, "Sometimes.", 2),
    (T, "Do you have a TV in your bedroom?", 2),
    (C, "Not much.", 2),
    (T, "Is your bedroom dark?", 2),
    (C, "Yes.", 2),
    (T, "Are you still writing your list?", 2),
    (C, "No.", 2),
    (T, "Right. You need to be stricter with yourself about the routine.", 5),
    (C, "Okay.", 2),
)

DEMO_SESSIONS = (("warm-session.vtt", WARM_SESSION), ("directive-session.vtt", DIRECTIVE_SESSION))


def _stamp(seconds: float) -> str:
    whole = int(seconds)
    millis = int(round((seconds - whole) * 1000))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}.{millis:03d}"


def demo_vtt(session: tuple[tuple[str, str, float], ...]) -> bytes:
    """A WebVTT file (Teams-style voice tags) for a scripted session."""
    lines = ["WEBVTT", ""]
    clock = 1.0
    for number, (speaker, text, seconds) in enumerate(session, start=1):
        lines += [
            str(number),
            f"{_stamp(clock)} --> {_stamp(clock + seconds)}",
            f"<v {speaker}>{text}</v>",
            "",
        ]
        clock += seconds + 0.5
    return "\n".join(lines).encode("utf-8")


def add_demo_transcripts(clinic, rng: random.Random) -> None:
    """Attach the two sessions to the demo client Ada's two most recent attended sessions."""
    # Imported here so the scripted sessions above stay importable without Django.
    from rapport.clinic.models import Appointment, Attendance
    from rapport.transcripts import services

    client = next(
        (c for c in clinic.clients.order_by("pk") if c.display_name.startswith("Ada ")), None
    )
    if client is None:
        return
    appointments = list(
        Appointment.objects.filter(episode__client=client, attendance=Attendance.ATTENDED).order_by(
            "-starts_at"
        )[: len(DEMO_SESSIONS)]
    )
    if len(appointments) < len(DEMO_SESSIONS):
        return
    try:
        coder = services.get_coder()
    except services.CoderUnavailable:
        logger.warning("demo transcripts skipped: the utterance coder is not installed")
        return
    # Oldest appointment gets the first session, so the trend reads in order.
    for appointment, (filename, session) in zip(reversed(appointments), DEMO_SESSIONS, strict=True):
        parsed = parse_transcript(demo_vtt(session), filename)
        transcript = services.transcript_upload(
            actor=None, appointment=appointment, parsed=parsed, filename=filename
        )
        roles = {name: ("therapist" if name == T else "client") for name in parsed.speakers}
        services.transcript_set_roles(actor=None, transcript=transcript, roles=roles, coder=coder)
