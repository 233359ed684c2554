"""Explainable flags on a coded session: moments the literature links to weaker rapport.

Pure module: no Django import. Each :class:`Flag` points at one turn, quotes the span that
triggered it, says why it matters and cites where the rule comes from, because a flag a
clinician cannot check is a flag they cannot learn from.

Two kinds of evidence are used:

* **lexicons** (``lexicons/*.json``, data with their own comment and source): precise
  phrases for judgmental language, medical and religious advice, self-disclosure and
  small talk. Each is checked one sentence at a time, and skipped when the phrase is
  negated or attributed to someone else earlier in the sentence ("it's *not* your
  fault", "*you said* the weather was awful"), when it is a question (where the lexicon
  says so), or when it echoes what the client just said. False positives cost trust,
  so the phrases are narrow on purpose.
* **codes** from the utterance coder (``coding.py``): advice, interventions without a
  reflection first, runs of closed questions, change vs sustain talk. Without codes
  (``codes=None``) only the lexicon and word-count flags are raised.

Only therapist speech is checked for the therapist's behaviour: a client talking about a
film is not the therapist's small talk.
"""

from __future__ import annotations

import json
import re
import re._constants as _sre
import re._parser as _parser
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Protocol

from .parsing import CLIENT, THERAPIST, Turn

__all__ = [
    "FLAG_KINDS",
    "SOURCES",
    "CodeLike",
    "Flag",
    "FlagSettings",
    "detect_flags",
    "load_lexicon",
    "names_medical_role",
]

FLAG_KINDS: tuple[str, ...] = (
    "judgmental_language",
    "advice",
    "medical_advice",
    "religious_advice",
    "self_disclosure",
    "off_topic_small_talk",
    "intervention_without_reflection",
    "closed_question_run",
    "client_quiet",
    "change_sustain_balance",
)

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"

# Rapport's own practice guide (the team's PRACTICES.md), cited beside the literature.
PRACTICES = "Rapport's relationship practices"
MITI = "Moyers, Manuel & Ernst (2016) Motivational Interviewing Treatment Integrity 4.2.1"
MI3 = "Miller & Rollnick (2013) Motivational Interviewing: Helping People Change, 3rd ed."
NORCROSS = "Norcross & Lambert (2019) Psychotherapy Relationships That Work, 3rd ed."
SOURCES: dict[str, str] = {
    "intervention_without_reflection": (
        f"{MI3}, ch. 5 and 11 (reflective listening; ask-offer-ask); "
        f"{PRACTICES}, 'a reflection before advice or information'"
    ),
    "closed_question_run": (
        f"{MITI} (open vs closed questions); {MI3}, ch. 6 (the question-answer trap)"
    ),
    "client_quiet": (
        f"{NORCROSS} (rupture and repair); {PRACTICES}, 'When a client goes quiet, do not "
        "label them difficult: make the space safer'"
    ),
    "change_sustain_balance": (
        f"{MI3}, ch. 12-13 (evoking change talk, responding to sustain talk); "
        "Magill et al. (2018) J Consult Clin Psychol 86(2):140-157"
    ),
}


class CodeLike(Protocol):
    """What flags need from a code (``coding.Code`` satisfies it)."""

    code: str
    subcode: str | None


@dataclass(frozen=True)
class Flag:
    """One explainable observation.

    ``utterance`` is the index of the turn it points at (for session-wide flags, the turn
    where the pattern shows first). ``text`` is the span that triggered it, ``start`` and
    ``end`` its timing in seconds when known.
    """

    kind: str
    utterance: int
    start: float | None
    end: float | None
    text: str
    explanation: str
    source: str


@dataclass(frozen=True)
class FlagSettings:
    """Thresholds, with why each is where it is."""

    # The opening of a session is for greetings; PRACTICES.md objects to small talk that
    # fills the session, not to "lovely day, isn't it?" at the door. Timed turns: the
    # first three minutes from the first turn's start (transcripts may carry wall-clock
    # times). Untimed turns: the first ten turns, about three minutes of conversation.
    opening_seconds: float = 180.0
    opening_turns: int = 10
    # Goodbyes at the door ("any plans for the summer?") are courtesy too: the last six
    # turns. Counted in turns even when timed, because a closing is a few short
    # exchanges however long the session ran.
    closing_turns: int = 6
    # Three closed questions in a row is the start of the question-answer trap (MI3 ch. 6).
    closed_question_run: int = 3
    # A client answering in a few words four times in a row has stopped elaborating.
    quiet_streak: int = 4
    quiet_words: int = 4
    # Client's share of words in the last third below half its share in the first third.
    quiet_share_drop: float = 0.5
    quiet_min_turns: int = 9
    # A therapist turn this long near the end is a summary, left out of the comparison.
    summary_words: int = 30
    # A change/sustain balance needs a few client statements before it means anything.
    min_change_sustain: int = 3
    # The clinician's role includes medication information (a nurse, pharmacist, GP or
    # psychiatrist): then the medical-advice flag is not raised, since telling a patient
    # how to take their paracetamol or antibiotics is their job, not outside their role.
    # A therapist label that names such a role ("Nurse:", "Pharmacist:") sets it too
    # (:func:`_medical_role`); callers that know the clinician's profession pass it.
    medical_role: bool = False
    # An announced role-play (rehearsing the client's feared conversation, CBT for social
    # anxiety, assertiveness practice) lasts at most this many turns without a marker of
    # its end: "Any plans for the weekend?" in it is the rehearsal, not the therapist's
    # small talk (:func:`_role_play`).
    role_play_turns: int = 16


# ---------------------------------------------------------------------------------------
# Lexicons
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lexicon:
    """A compiled lexicon file."""

    kind: str
    explanation: str
    source: str
    patterns: re.Pattern[str] | None
    skip_before: re.Pattern[str] | None
    skip_sentence: re.Pattern[str] | None
    skip_questions: bool
    lists: Mapping[str, _Searcher]
    # ``skip_sentence`` also looks at the sentence right after the phrase's: "How was your
    # holiday? Did the anxiety come with you?" ties the holiday to the client's concern.
    skip_sentence_after: bool = False
    # ``patterns`` with the words that rule each of them out of a sentence (_Prefiltered).
    prefiltered: _Prefiltered | None = None


def _compile(patterns: Sequence[str] | None) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return _alternation(tuple(patterns))


@lru_cache(maxsize=1024)
def _alternation(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# A lexicon's patterns are one alternation, and Python's ``re`` tries every alternative at
# every character: on a long punctuation-free turn (one "sentence") that cost 5-25 µs per
# character per lexicon on a loaded 2-core host, most of a request's 60 s for a 2 MB upload.
# Most alternatives name a word that any text they match contains ("stupid", "pray",
# "medication"), so a sentence without it cannot match them, and the alternation of the
# others finds exactly the same matches: at every position the alternatives that cannot
# match there fail, whether they are tried or not (the patterns hold no back-reference,
# whose group numbers would shift; a lexicon with one is not filtered). The words are read
# off the parsed patterns, not written by hand, so they cannot drift from the lexicon.
# Only ASCII sentences are filtered: there, a case-insensitive match of an ASCII word is
# the same as finding it in the lower-cased sentence; elsewhere ("ſ" matches "s" in
# ``re``) the whole alternation runs, as before.


def _literal_sets(items: Any) -> list[frozenset[str]]:
    """Sets of lower-case ASCII strings such that any text a parsed sequence ``items``
    matches contains one string of each set (runs of literal characters: one-string sets;
    a group, a repeat of at least once, or an alternation whose every branch has one)."""
    out: list[frozenset[str]] = []
    run: list[str] = []

    def close() -> None:
        if run:
            out.append(frozenset({"".join(run)}))
            run.clear()

    for op, av in items:
        if op is _sre.LITERAL and isinstance(av, int) and av < 128:
            run.append(chr(av).lower())
            continue
        close()
        inner: list[frozenset[str]] = []
        if op is _sre.SUBPATTERN:
            inner = _literal_sets(av[-1])
        elif op is _sre.ATOMIC_GROUP:
            inner = _literal_sets(av)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            low, _high, body = av
            inner = _literal_sets(body) if low >= 1 else []
        elif op is _sre.BRANCH:
            branches = [_best(_literal_sets(branch)) for branch in av[1]]
            known = [b for b in branches if b is not None]
            if len(known) == len(branches):
                inner = [frozenset().union(*known)]
        out.extend(inner)
    close()
    return out


def _best(sets: list[frozenset[str]]) -> frozenset[str] | None:
    """The most selective set: the longest shortest string, then the fewest strings."""
    usable = [s for s in sets if s and all(s)]
    if not usable:
        return None
    return max(usable, key=lambda s: (min(map(len, s)), -len(s)))


def _has_group_reference(items: Any) -> bool:
    for op, av in items:
        if op in (_sre.GROUPREF, _sre.GROUPREF_EXISTS):
            return True
        for value in av if isinstance(av, (tuple, list)) else (av,):
            children = value if isinstance(value, (tuple, list)) else (value,)
            for child in children:
                if isinstance(child, _parser.SubPattern) and _has_group_reference(child):
                    return True
    return False


@dataclass(frozen=True)
class _Prefiltered:
    """A lexicon's alternation and, for each pattern, the strings one of which any text it
    matches contains (``None``: no such string known, always tried)."""

    patterns: tuple[str, ...]
    needs: tuple[frozenset[str] | None, ...]

    @classmethod
    def of(cls, patterns: Sequence[str]) -> _Prefiltered:
        parsed = [_parser.parse(f"(?:{p})", re.IGNORECASE) for p in patterns]
        if any(_has_group_reference(p) for p in parsed):
            return cls(tuple(patterns), tuple(None for _ in patterns))
        return cls(tuple(patterns), tuple(_best(_literal_sets(p)) for p in parsed))

    def for_text(self, text: str) -> re.Pattern[str] | None:
        """The alternation of the patterns that can match in ``text`` (same matches as the
        whole one), or None when none can."""
        kept = self.kept(text)
        return _alternation(kept) if kept else None

    def kept(self, text: str) -> tuple[str, ...]:
        """The patterns that can match in ``text``: all of them unless it is ASCII."""
        if not text.isascii():
            return self.patterns
        lowered = text.lower()
        return tuple(
            pattern
            for pattern, need in zip(self.patterns, self.needs, strict=True)
            if need is None or any(word in lowered for word in need)
        )


class _Searcher:
    """A list of a lexicon's patterns, searched as their alternation (``re.search``), each
    pattern only where its words are (:class:`_Prefiltered`): the same first match."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.prefiltered = _Prefiltered.of(patterns)

    def search(self, string: str) -> re.Match[str] | None:
        pattern = self.prefiltered.for_text(string)
        return None if pattern is None else pattern.search(string)


@cache
def load_lexicon(name: str) -> Lexicon:
    """Load ``lexicons/<name>.json`` (cached)."""
    data = json.loads((LEXICON_DIR / f"{name}.json").read_text(encoding="utf-8"))
    named = ("patterns", "skip_before", "skip_sentence")
    lists = {
        key: _Searcher(value)
        for key, value in data.items()
        if isinstance(value, list) and key not in named and value
    }
    return Lexicon(
        kind=data["kind"],
        explanation=data["explanation"],
        source=data["source"],
        patterns=_compile(data.get("patterns")),
        skip_before=_compile(data.get("skip_before")),
        skip_sentence=_compile(data.get("skip_sentence")),
        skip_questions=bool(data.get("skip_questions", False)),
        lists=lists,
        skip_sentence_after=bool(data.get("skip_sentence_after", False)),
        prefiltered=_Prefiltered.of(data["patterns"]) if data.get("patterns") else None,
    )


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\s+(?=[-–—]{1,2}\s)")
# Words that carry no topic: an echo of the client needs a shared word beyond these.
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "so",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "with",
        "about",
        "you",
        "your",
        "you're",
        "i",
        "i'm",
        "me",
        "my",
        "it",
        "it's",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "have",
        "has",
        "had",
        "do",
        "did",
        "does",
        "that",
        "that's",
        "this",
        "those",
        "these",
        "there",
        "what",
        "who",
        "how",
        "just",
        "really",
        "very",
        "so",
        "too",
        "not",
        "no",
        "yes",
        "ever",
        "seen",
        "see",
        "saw",
        "watch",
        "watched",
        "new",
        "last",
        "any",
        "much",
        "more",
        "some",
        "one",
        "out",
        "today",
        # Time and motion words: "Last week I went twice" shares no topic with "I went
        # to Italy last summer".
        "went",
        "go",
        "going",
        "gone",
        "got",
        "get",
        "week",
        "month",
        "year",
        "day",
        "days",
        "night",
        "nights",
        "time",
        "anything",
        "nice",
        "next",
        "like",
    ]
)
_WORD = re.compile(r"[a-z][a-z'’-]+")


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 2}


# "Stop taking them, okay?" is a directive with a tag asking for agreement, not a
# question exploring what the client thinks.
_TAG_QUESTION = re.compile(
    r",?\s*(?:okay|ok|alright|all right|yeah|yes|right|don't you think|won't you|will you|"
    r"can you|agreed|deal)\s*\?+\s*$",
    re.IGNORECASE,
)


# "Why don't you pray about it?", "Have you tried praying?" and "Have you thought about
# going back to church?" are suggestions in the form of a question (MITI 4.2.1 codes them
# by what they do: Persuade).
_SUGGESTION_QUESTION = re.compile(
    r"^\W*(?:(?:so|and|well|maybe|okay|ok|then),?\s+)?(?:why (?:don't|do not|not)|"
    r"have you (?:ever )?(?:tried|thought about|thought of|considered)|how about|what about)\b",
    re.IGNORECASE,
)


def _is_question(sentence: str) -> bool:
    """True for a question that asks; false for a directive with a tag or a suggestion
    phrased as a question."""
    sentence = sentence.strip()
    return (
        sentence.endswith("?")
        and _TAG_QUESTION.search(sentence) is None
        and _SUGGESTION_QUESTION.search(sentence) is None
    )


# Where the search for a skip phrase before a lexicon match resumes at the next match of the
# same sentence: this many characters before the previous match. A position further back
# that held no skip phrase before the previous match holds none before the next either
# (the text there is the same); one closer may, when a skip phrase runs on into the
# previous match ("you're calling yourself | lazy"). Skip phrases are a few words long.
_STRADDLE = 80
# How far before a lexicon match its negation or attribution is looked for, in characters
# (about 350 words): a "not" further back in the same sentence is in another clause, and
# only a punctuation-free caption turn makes a sentence this long (AnnoMI's longest is
# under 600 characters). Bounds the work per match, so the scan is linear in the turn.
_SKIP_WINDOW = 2000


def _lexicon_hit(
    lexicon: Lexicon, text: str, echo_of: str = "", *, any_echo: bool = False
) -> tuple[str, str] | None:
    """First ``(sentence, phrase)`` in ``text`` that the lexicon flags, if any.

    ``echo_of`` is what the client just said: a phrase whose topic words all come from
    it is the therapist following the client, not introducing the topic ("you feel lazy"
    after "I'm so lazy"). With ``any_echo``, one shared topic word is enough (small talk:
    the client mentioned the match). A shared word alone is not an echo otherwise: "stop
    taking your sertraline" after "my sertraline makes me numb" is advice about it.
    """
    if lexicon.patterns is None:
        return None
    echo_words = _content_words(echo_of)
    sentences = _sentences(text)
    for i, sentence in enumerate(sentences):
        if lexicon.skip_questions and _is_question(sentence):
            continue
        if lexicon.skip_sentence is not None:
            after = sentences[i + 1 : i + 2] if lexicon.skip_sentence_after else []
            if any(lexicon.skip_sentence.search(s) for s in [sentence, *after]):
                continue
        # The skip phrases are looked for in the sentence before the match, read in place
        # (``endpos``: the search sees the sentence as if it ended there, as a slice would,
        # without copying it), within _SKIP_WINDOW characters of it. The search for the
        # next match resumes where this one left off, less _STRADDLE, instead of reading
        # the sentence again from its start: that made a long punctuation-free turn full of
        # negated phrases quadratic (a 54 kB turn of "you pray about it" took 85 s).
        resume = 0
        patterns = (
            lexicon.patterns
            if lexicon.prefiltered is None
            else lexicon.prefiltered.for_text(sentence)
        )
        if patterns is None:
            continue
        for match in patterns.finditer(sentence):
            cut = match.start()
            if lexicon.skip_before is not None:
                resume = max(resume, cut - _SKIP_WINDOW)
                skip = lexicon.skip_before.search(sentence, resume, cut)
                resume = max(resume, min(cut if skip is None else skip.start(), cut - _STRADDLE))
                if skip is not None:
                    continue
            topic = _content_words(match.group(0))
            if topic and echo_words and (topic & echo_words if any_echo else topic <= echo_words):
                continue
            return sentence.strip(), match.group(0)
    return None


# ---------------------------------------------------------------------------------------
# Helpers over turns
# ---------------------------------------------------------------------------------------


def _role(turn: Turn, roles: Mapping[str, str]) -> str:
    return roles.get(turn.speaker, CLIENT)


def _code(codes: Sequence[CodeLike | None] | None, index: int) -> CodeLike | None:
    if codes is None or index >= len(codes):
        return None
    return codes[index]


def _previous_client_text(turns: Sequence[Turn], roles: Mapping[str, str], index: int) -> str:
    for turn in reversed(turns[:index]):
        if _role(turn, roles) == CLIENT:
            return turn.text
    return ""


def _session_start(turns: Sequence[Turn]) -> float | None:
    return next((t.start for t in turns if t.start is not None), None)


def _in_opening(turn: Turn, session_start: float | None, settings: FlagSettings) -> bool:
    """Within the first ``opening_seconds`` of the session when the turn is timed, else
    within the first ``opening_turns`` turns."""
    if turn.start is not None and session_start is not None:
        return turn.start - session_start < settings.opening_seconds
    return turn.index < settings.opening_turns


def _in_closing(turn: Turn, turns: Sequence[Turn], settings: FlagSettings) -> bool:
    return turn.index >= len(turns) - settings.closing_turns


def _flag(kind: str, turn: Turn, text: str, explanation: str, source: str) -> Flag:
    return Flag(kind, turn.index, turn.start, turn.end, _clip(text), explanation, source)


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _words(text: str) -> int:
    return len(text.split())


# ---------------------------------------------------------------------------------------
# Lexicon flags
# ---------------------------------------------------------------------------------------

_LEXICON_FLAGS = (
    ("judgmental_language", "judgmental"),
    ("medical_advice", "medical_advice"),
    ("religious_advice", "religious_advice"),
    ("self_disclosure", "self_disclosure"),
    ("off_topic_small_talk", "small_talk"),
)


# A therapist label naming a role whose work includes medication: nurses (RN, RMN, CPN,
# nurse practitioner), midwives, pharmacists, GPs, physicians, psychiatrists, prescribers.
# Not "Dr" or "Doctor": a psychologist is a doctor too, and gives no medication advice.
_MEDICAL_ROLE_LABEL = re.compile(
    r"\b(?:nurse|rn|rmn|cpn|np|midwife|pharmacist|gp|physician|psychiatrist|"
    r"(?:nurse )?prescriber|health visitor)\b",
    re.IGNORECASE,
)


def names_medical_role(name: str) -> bool:
    """Whether a therapist's speaker label ("Nurse", "Jess (RN)") names a role whose work
    includes medication information."""
    return _MEDICAL_ROLE_LABEL.search(name) is not None


def _medical_role(turns: Sequence[Turn], roles: Mapping[str, str], settings: FlagSettings) -> bool:
    """Whether the clinician's role includes medication information: said by the caller
    (``FlagSettings.medical_role``) or by the therapist's speaker label ("Nurse")."""
    if settings.medical_role:
        return True
    therapists = {t.speaker for t in turns if _role(t, roles) == THERAPIST}
    return any(names_medical_role(name) for name in therapists)


# A therapist turn that sets up a role-play ("I'll play a colleague at the drinks",
# "Let's role-play it", "Pretend I'm your boss"), one that ends it ("Let's pause the
# role-play there", "Okay, pause.", "Out of role now") and, once a role-play has been
# played, one that starts it again ("Let's do it once more").
_ROLE_PLAY_START = re.compile(
    r"\brole[- ]?play|\bi(?:['’]ll| will) (?:play|be) (?:a|an|your|the|him|her|them)\b|"
    r"\bpretend (?:that )?i(?:['’]m| am)\b|\b(?:let['’]s|we(?:['’]ll| will| could| can)) "
    r"(?:rehearse|act (?:it|this|that) out)\b",
    re.IGNORECASE,
)
_ROLE_PLAY_END = re.compile(
    r"\b(?:pause|stop|end|finish|leave|step out of|come out of)\b(?: (?:the|that|our) "
    r"role[- ]?play| (?:it )?(?:there|here)\b)|^\W*(?:(?:okay|ok|right|and|so),?\s+)?"
    r"(?:let['’]s )?(?:pause|stop|cut)\b|\bout of (?:role|character)\b",
    re.IGNORECASE,
)
_ROLE_PLAY_AGAIN = re.compile(
    r"\b(?:do|try|run|play|practise|practice) (?:it|that|this|the (?:scene|conversation)) "
    r"(?:again|once more|one more time)\b",
    re.IGNORECASE,
)


def _role_play(
    turns: Sequence[Turn], roles: Mapping[str, str], settings: FlagSettings
) -> frozenset[int]:
    """The turns of a role-play the therapist announced: from the turn after the one
    setting it up to the turn before the therapist ends it, ``role_play_turns`` at most.

    Rehearsing the conversation the client fears (CBT for social anxiety, assertiveness
    training: Clark & Wells 1995; Hofmann & Otto 2008) has the therapist speak a
    colleague's small talk ("Any plans for the weekend? Did you watch the match?") and
    ask the closed questions that colleague would ask: the rehearsal, not the therapist's
    small talk or an interview. The announcement and the debrief after it stay in the
    therapist's own voice and are read as usual.
    """
    inside: set[int] = set()
    played = False
    end = -1
    for turn in turns:
        in_play = turn.index <= end
        if _role(turn, roles) == THERAPIST:
            if in_play and _ROLE_PLAY_END.search(turn.text):
                end = -1
                continue
            if not in_play and (
                _ROLE_PLAY_START.search(turn.text)
                or (played and _ROLE_PLAY_AGAIN.search(turn.text))
            ):
                end = turn.index + settings.role_play_turns
                played = True
                continue
        if in_play:
            inside.add(turn.index)
    return frozenset(inside)


def _lexicon_flags(
    turns: Sequence[Turn],
    roles: Mapping[str, str],
    codes: Sequence[CodeLike | None] | None,
    settings: FlagSettings,
) -> Iterator[Flag]:
    session_start = _session_start(turns)
    medical_role = _medical_role(turns, roles, settings)
    role_play = _role_play(turns, roles, settings)
    for turn in turns:
        if _role(turn, roles) != THERAPIST:
            continue
        courtesy = _in_opening(turn, session_start, settings) or _in_closing(turn, turns, settings)
        client_said = _previous_client_text(turns, roles, turn.index)
        code = _code(codes, turn.index)
        is_reflection = code is not None and code.code == "reflection"
        for kind, name in _LEXICON_FLAGS:
            if kind == "off_topic_small_talk" and (courtesy or turn.index in role_play):
                continue
            # In a role-play the therapist speaks as someone else ("I went to Italy last
            # summer" as the colleague at the coffee machine): not their own life.
            if kind == "self_disclosure" and turn.index in role_play:
                continue
            if kind == "medical_advice" and medical_role:
                continue
            lexicon = load_lexicon(name)
            hit = _lexicon_hit(
                lexicon,
                turn.text,
                echo_of=client_said if _echo_counts(kind, is_reflection) else "",
                any_echo=kind == "off_topic_small_talk",
            )
            if hit is not None:
                sentence, phrase = hit
                explanation = f'"{phrase}": {lexicon.explanation}'
                yield _flag(kind, turn, sentence, explanation, lexicon.source)


def _echo_counts(kind: str, is_reflection: bool) -> bool:
    """Whether repeating the client's words exempts a turn from ``kind``.

    Small talk: any topic the client raised. Judgement and medical or religious advice:
    only in a turn coded as a reflection, and only when the phrase is all the client's own
    ("you're being lazy" after "I've been so lazy" voices the client's view of themselves,
    which MITI 4.2.1 codes as a reflection, not Confront). Not every reflection-coded turn:
    the coder reads most "you're ..." sentences as reflections, "You're being lazy about
    this" after "I skipped the gym" included. Never self-disclosure: a therapist speaking of
    their own life ("I went through a divorce myself") is not reflecting, whatever the
    client said before.
    """
    if kind == "off_topic_small_talk":
        return True
    return is_reflection and kind != "self_disclosure"


# ---------------------------------------------------------------------------------------
# Code-based flags
# ---------------------------------------------------------------------------------------

_INTERVENTION_SUBCODES = frozenset({"advice", "information", "options", None})


# In a session with two or more clients (couples or family work), the therapist directs
# the people in the room to speak to each other: "Tell him what you just told me.", "Turn
# to Maya and tell her that.", "Can you ask her about it?", "Talk to each other about it."
# This is an enactment (Emotionally Focused Therapy: Johnson 2004; Gottman's couple
# therapy), the work of the session, not advice about the client's life: "tell him" is
# then the partner across the room, not a third party to confront. Only with two client
# speakers; with one, "tell him" is someone outside the room and stays advice.
_ENACTMENT = re.compile(
    r"^\W*(?:(?:so|okay|ok|now|and|then|maybe|right|well|just|please),?\s+){0,3}"
    r"(?:[a-z]+,\s+)?(?:(?:can|could|would|will) you\s+)?(?:(?:just|please|now)\s+)?"
    r"(?:turn (?:to|towards) (?:him|her|them|each other|your partner|[a-z]+)(?: now)?,?"
    r"\s+and\s+)?(?:tell|ask|talk to|speak to|say (?:that|this|it) to)\s+"
    r"(?:him|her|them|each other|one another|your (?:partner|wife|husband))\b",
    re.IGNORECASE,
)


def _several_clients(turns: Sequence[Turn], roles: Mapping[str, str]) -> bool:
    """Two or more client speakers: a couple or a family in the room."""
    return len({t.speaker for t in turns if _role(t, roles) != THERAPIST}) >= 2


def _without_enactment(text: str) -> str:
    """The turn without its sentences directing the clients to speak to each other."""
    kept = [s for s in _sentences(text) if _ENACTMENT.search(s.strip()) is None]
    return " ".join(s.strip() for s in kept)


def _is_advice(
    turn: Turn,
    code: CodeLike | None,
    *,
    coder_advice: bool = True,
    several_clients: bool = False,
    medical_role: bool = False,
) -> bool:
    """Whether a therapist turn gives advice.

    The coder's advice sub-code is its weakest call (F1 about .35, docs/coder.md: most
    advice is coded information), so the wording counts too: advice wording ("you should",
    "I'd recommend") in therapist input whatever its sub-code, and wording that can only be
    advice ("my advice is", "if I were you", "what you should do is") in a turn coded as a
    reflection, as "If I were you, I'd move out" often is. Negotiation (agreeing a plan or
    goal together) and options (offering choices) are how MI gives the choice to the client
    (MI3 ch. 16-17), but "I think you should move out" coded negotiation is still the
    therapist deciding for them: MITI 4.2.1 codes Persuade by what is said.

    With ``coder_advice=False`` only the wording counts, not the coder's advice sub-code:
    the goodbye ("Let's talk about it more next week. Take care.") is often coded advice.
    Safety information and the session's business are never advice
    (:func:`_is_safety_or_session_business`). With ``several_clients`` (a couple or a
    family), a sentence directing the clients to speak to each other is an enactment
    (:data:`_ENACTMENT`) and is left out of the reading; the coder's advice sub-code, which
    cannot say which sentence it took for advice, no longer counts for such a turn. With
    ``medical_role``, so are the clinician's examination findings, the narration of the
    care they are giving and an instruction to take a medicine as prescribed
    (:func:`_within_the_clinical_role`), in the same way.
    """
    if code is None or code.code not in ("therapist_input", "reflection", "question"):
        return False
    if _is_repair(turn.text) or _is_safety_or_session_business(turn.text):
        return False
    text = turn.text
    if several_clients:
        text = _without_enactment(turn.text)
        if not text:
            return False
        coder_advice = coder_advice and text == " ".join(s.strip() for s in _sentences(turn.text))
    if medical_role:
        kept = " ".join(
            s.strip() for s in _sentences(text) if not _within_the_clinical_role(s.strip())
        )
        if not kept:
            return False
        coder_advice = coder_advice and kept == " ".join(s.strip() for s in _sentences(text))
        text = kept
    lists = load_lexicon("advice").lists
    if code.code == "question":
        return _tells_before_asking(text, lists.get("unmistakable_advice"))
    # A turn that announces a summary ("Let's summarise. ... this week you'll practise
    # sitting in the car three times.") recaps what the client said and agreed: MI3 ch. 5
    # and MITI 4.2.1 treat a summary as a reflection, so it is read as one here, whatever
    # the coder made of the plan it recaps (often advice in a CBT session's closing).
    if code.code == "reflection" or _opens_with_summary(text):
        strong = lists.get("unmistakable_advice")
        return strong is not None and strong.search(text) is not None
    if code.subcode == "advice" and coder_advice:
        return True
    # Wording that is advice even in a turn coded as a reflection is advice in therapist
    # input of any sub-code too: "And pour everything in the house down the sink tonight."
    # coded information is still an instruction (MITI 4.2.1 codes Persuade by what is said).
    strong = lists.get("unmistakable_advice")
    if strong is not None and strong.search(text) is not None:
        return True
    phrases = lists.get("advice_phrases")
    return (
        phrases is not None
        and phrases.search(text) is not None
        and not _starts_with_reflection(text)
    )


# A sentence that starts with what the client has to do, before a question, often sets out
# their circumstances for the question: "You have to be up at six. What time do you go to
# bed?" Left out of the advice read in a turn coded as a question; "you should", "you
# ought to", "you'd better" and instructions ("Just ignore him.") stay.
_OBLIGATION_OPENER = re.compile(
    r"^\W*(?:(?:so|well|okay|ok|now|and|but|honestly),?\s+)?"
    r"you(?:['’]ve got to| (?:need to|have to|got to))\b",
    re.IGNORECASE,
)


def _tells_before_asking(text: str, strong: _Searcher | None) -> bool:
    """A turn coded as a question that also tells the client what to do: "You should just
    ignore him. Did you try that?" The coder gives each utterance one code, and a question
    beside advice is coded a question, so the advice sentence was never read. Only a
    sentence that is not itself a question counts (a tag question or a suggestion phrased
    as one, "Just stop, okay?", is not: :func:`_is_question`), with wording that can only
    be advice (``unmistakable_advice``, as for a turn coded a reflection): "What do you
    think you should do?" and "Do you feel you need to stop?" ask; "You should feel proud
    of that. How did it go?" affirms (the lexicon leaves it out)."""
    if strong is None:
        return False
    return any(
        strong.search(sentence) is not None
        for sentence in (s.strip() for s in _sentences(text))
        if not _is_question(sentence) and _OBLIGATION_OPENER.search(sentence) is None
    )


def _has_advice_wording(sentence: str) -> bool:
    lists = load_lexicon("advice").lists
    return any(
        p is not None and p.search(sentence) is not None
        for p in (lists.get("advice_phrases"), lists.get("unmistakable_advice"))
    )


def _is_clinical_care(sentence: str) -> bool:
    """A sentence reporting what the clinician finds on examination or measures ("The
    wound edges look pink and healthy.", "It's 9.2, a bit high but not worrying.") or
    narrating the care they are giving ("I'm just going to clean around it now."):
    ``clinical_findings`` and ``procedure_narration`` in ``advice.json``, with no advice
    wording beside it ("The wound looks fine, but you should stop smoking.").

    Read only for a clinician whose role includes it (``FlagSettings.medical_role``): a
    nurse telling the patient what she sees and does is the session's own procedure, which
    consent and good care ask her to say aloud, not an intervention in the patient's life
    (as the session's business is not: :func:`_is_safety_or_session_business`). In a
    counselling session "it looks like ..." is a reflection, and none of this is read.
    """
    lists = load_lexicon("advice").lists
    care = (lists.get("clinical_findings"), lists.get("procedure_narration"))
    if not any(p is not None and p.search(sentence) is not None for p in care):
        return False
    return not _has_advice_wording(sentence)


def _takes_as_prescribed(sentence: str) -> bool:
    """An instruction to take a prescribed medicine as prescribed ("Try to take the
    metformin with each meal as prescribed."): ``as_prescribed`` with a verb of taking
    (``as_prescribed_taking``) and no change to the medicine (``medicine_changes``: "take
    it as prescribed but skip the evening dose" changes it).

    Supporting the prescriber's plan is a nurse's or pharmacist's job (the reason for
    ``FlagSettings.medical_role``), so it is not unsolicited advice from them. It is still
    information for the intervention rule: PRACTICES.md asks for a reflection before
    information in nursing care too.
    """
    lists = load_lexicon("advice").lists
    phrase, taking = lists.get("as_prescribed"), lists.get("as_prescribed_taking")
    changes = lists.get("medicine_changes")
    return (
        phrase is not None
        and taking is not None
        and phrase.search(sentence) is not None
        and taking.search(sentence) is not None
        and (changes is None or changes.search(sentence) is None)
    )


def _within_the_clinical_role(sentence: str) -> bool:
    """A sentence that is no advice from a clinician whose role includes medication."""
    return _is_clinical_care(sentence) or _takes_as_prescribed(sentence)


# "Good." before the finding ("Good. I'm going to clean it with saline now."): a word of
# acknowledgement, no sentence of its own.
_ACKNOWLEDGEMENT = re.compile(r"\W*(?:good|great|lovely|fine|perfect|brilliant)\W*", re.I)


def _only_clinical_care(text: str) -> bool:
    """A turn made only of examination findings and narration of the care being given
    (:func:`_is_clinical_care`), with at most an "okay" or "good" beside them."""
    filler = load_lexicon("risk").lists.get("fillers")
    found = False
    for sentence in (s.strip() for s in _sentences(text)):
        if filler is not None and filler.search(sentence) is not None:
            continue
        if _ACKNOWLEDGEMENT.fullmatch(sentence) is not None:
            continue
        if not _is_clinical_care(sentence):
            return False
        found = True
    return found


def _is_safety_or_session_business(text: str) -> bool:
    """A turn made only of safety information ("If you ever feel unsafe, call 999 or go
    straight to A&E.", ``safety_information`` in ``risk.json``) and of the session's
    business (confidentiality, when and where you meet: ``session_business`` in
    ``advice.json``), with at most an "okay" beside them.

    Telling a client where to find help in a crisis must never be discouraged (NICE NG225
    1.6), and "everything you say here is confidential" or "we'll meet on Thursday
    instead" is about the therapy, not an intervention in the client's life: neither is
    advice nor an intervention without a reflection. Any other sentence in the turn
    ("You should stop drinking.") keeps it what it is.
    """
    risk = load_lexicon("risk").lists
    safety, filler = risk.get("safety_information"), risk.get("fillers")
    business = load_lexicon("advice").lists.get("session_business")
    found = False
    for sentence in (s.strip() for s in _sentences(text)):
        if filler is not None and filler.search(sentence) is not None:
            continue
        if not any(p is not None and p.search(sentence) for p in (safety, business)):
            return False
        found = True
    return found


def _was_solicited(
    turns: Sequence[Turn], roles: Mapping[str, str], index: int, lookback: int = 4
) -> bool:
    """True when the client's last turn asked for advice, or the therapist asked
    permission or stressed choice.

    Looks at the advice turn itself and the few turns before it for permission:
    ask-offer-ask often spans "Would it be OK if I shared an idea?" / "Sure." / the idea.
    """
    lists = load_lexicon("advice").lists
    permission, autonomy = lists.get("permission"), lists.get("autonomy")
    own = turns[index].text
    if autonomy is not None and autonomy.search(own):
        return True
    if permission is not None and permission.search(own):
        return True
    if _client_requested(_previous_client_text(turns, roles, index)):
        return True
    return any(
        _role(turn, roles) == THERAPIST and _asks_permission(turn.text)
        for turn in turns[max(0, index - lookback) : index]
    )


def _client_requested(text: str) -> bool:
    """The client asked for advice ("what should I do?"). A "?" alone is not a request:
    "... since I lost my job, you know?" or "can we finish early?" ask for no advice."""
    requests = load_lexicon("advice").lists.get("client_requests")
    return requests is not None and requests.search(text) is not None


def _client_asked(text: str) -> bool:
    requests = load_lexicon("advice").lists.get("client_requests")
    return "?" in text or (requests is not None and requests.search(text) is not None)


def _advice_flags(
    turns: Sequence[Turn],
    roles: Mapping[str, str],
    codes: Sequence[CodeLike | None],
    settings: FlagSettings,
) -> Iterator[Flag]:
    lexicon = load_lexicon("advice")
    goodbye = len(turns) - _GOODBYE_TURNS
    several = _several_clients(turns, roles)
    medical_role = _medical_role(turns, roles, settings)
    for turn in turns:
        # In the goodbye, only advice wording counts, not the coder's advice sub-code.
        by_coder = turn.index < goodbye
        code = _code(codes, turn.index)
        if _role(turn, roles) != THERAPIST or not _is_advice(
            turn, code, coder_advice=by_coder, several_clients=several, medical_role=medical_role
        ):
            continue
        if _was_solicited(turns, roles, turn.index):
            continue
        yield _flag("advice", turn, turn.text, lexicon.explanation, lexicon.source)


# Words a repair sentence may run on after its matched phrase: "I'd like to slow down *and
# follow your lead more*" is still about the way of working; "Thank you for telling me
# that, *the guideline is fourteen units a week*" has moved on to information.
_REPAIR_TAIL_WORDS = 6


def _is_repair(text: str) -> bool:
    """A turn made of thanks for the client's feedback and of the therapist's own way of
    working with them ("Thank you for telling me that. I'd like to slow down and follow
    your lead more.", ``repair_statements`` in ``advice.json``), and nothing else but an
    "okay" (``repair_fillers``).

    The coder reads such a turn as information, but it is the therapist repairing the
    relationship after the client said something was wrong (acknowledge your part, change
    course: Eubanks, Muran & Safran 2018), not information or advice about the client's
    life. Advice wording anywhere in the turn ("I'm sorry, but you need to stop") keeps it
    advice.
    """
    lists = load_lexicon("advice").lists
    repair = lists.get("repair_statements")
    sentences = _sentences(text)
    if repair is None or not sentences:
        return False
    for advice in (lists.get("advice_phrases"), lists.get("unmistakable_advice")):
        if advice is not None and advice.search(text) is not None:
            return False
    filler = lists.get("repair_fillers")
    repaired = False
    for sentence in (s.strip() for s in sentences):
        if filler is not None and filler.search(sentence) is not None:
            continue  # "Okay." beside the repair, not a repair on its own
        match = repair.search(sentence)
        if match is None or not _continues_the_repair(sentence[match.end() :]):
            return False
        repaired = True
    return repaired


# A new clause after the repair phrase: "Thanks for letting me know*, take* your
# medication", "we could slow down *and you could* quit smoking" have moved on to the client.
_NEW_CLAUSE = re.compile(
    r"[,;:\u2013\u2014]|\s-\s|\byou(?:['\u2019]d|['\u2019]ll)?\s+(?:could|can|might|may|will|"
    r"would|should|must|need|have|ought|try|go|take|stop|start)\b",
    re.IGNORECASE,
)


def _continues_the_repair(tail: str) -> bool:
    """The rest of a repair sentence is still about the way of working: short, and no new
    clause (a comma, or the client as the one who should do something)."""
    return _words(tail) <= _REPAIR_TAIL_WORDS and _NEW_CLAUSE.search(tail) is None


def _starts_with_reflection(text: str) -> bool:
    openers = load_lexicon("advice").lists.get("reflection_openers")
    sentences = _sentences(text)
    if openers is None or not sentences or sentences[0].rstrip().endswith("?"):
        return False
    return openers.search(sentences[0].strip()) is not None or _opens_with_summary(text)


def _opens_with_summary(text: str) -> bool:
    """A turn that opens by announcing a summary ("Let's summarise.", "To sum up, ...",
    ``summary_openers`` in ``advice.json``): a collecting reflection (MI3 ch. 5)."""
    openers = load_lexicon("advice").lists.get("summary_openers")
    return openers is not None and openers.search(text.lstrip()) is not None


# A reply of this many words or more is a new statement even when it opens with "yes".
_AGREEMENT_MAX_WORDS = 8


def _agrees(text: str) -> bool:
    """A short "yes, that's it" / "sure, go ahead" reply."""
    agreement = load_lexicon("advice").lists.get("client_agreement")
    short = _words(text) <= _AGREEMENT_MAX_WORDS
    return short and agreement is not None and agreement.search(text.strip()) is not None


def _assents(text: str) -> bool:
    """A short reply agreeing to what was just proposed and committing to it, with
    nothing else in it ("Okay. I think I can do that.", ``client_assent`` in
    ``advice.json``)."""
    assent = load_lexicon("advice").lists.get("client_assent")
    return (
        _words(text) <= _AGREEMENT_MAX_WORDS
        and assent is not None
        and (assent.search(text.strip()) is not None)
    )


def _asks_permission(text: str) -> bool:
    permission = load_lexicon("advice").lists.get("permission")
    return permission is not None and permission.search(text) is not None


_GOODBYE_TURNS = 2


def _intervention_flags(
    turns: Sequence[Turn],
    roles: Mapping[str, str],
    codes: Sequence[CodeLike | None],
    settings: FlagSettings,
) -> Iterator[Flag]:
    """Advice/information right after a substantive client statement, with no reflection.

    "What the client just said" is the last client turn of at least ``quiet_words``
    words: after a "mm-hmm" the therapist is still answering the earlier statement. A
    client question asks for the information, so answering it directly is fine. So is
    information the therapist asked permission to give (ask-offer-ask, MI3 ch. 11), and
    a client's "yes, that's exactly it" to a reflection or "sure" to a permission question
    confirms rather than raising something new to reflect. Nor is a repair (thanks for the
    client's feedback, the therapist's own way of working: :func:`_is_repair`) an
    intervention, nor, from a clinician whose role includes medication, a turn of
    examination findings and narration of the care being given
    (:func:`_only_clinical_care`). Only the first intervention after each client
    statement is flagged, not
    every sentence of it, and none in the goodbye (the last two turns).
    """
    reflected = True  # nothing to reflect before the client has spoken
    invited = False  # the last therapist turn reflected or asked permission
    several = _several_clients(turns, roles)
    medical_role = _medical_role(turns, roles, settings)
    for turn in turns:
        code = _code(codes, turn.index)
        if _role(turn, roles) == CLIENT:
            # "Okay. I think I can do that." to the plan just proposed raises nothing to
            # reflect, whatever the therapist's turn before it (_assents).
            agreed = (invited and _agrees(turn.text)) or _assents(turn.text)
            if _words(turn.text) >= settings.quiet_words and not agreed:
                reflected = _client_asked(turn.text)
            continue
        if _asks_permission(turn.text):
            reflected = invited = True
            continue
        if code is None:
            invited = False
            continue
        advice = _is_advice(turn, code, several_clients=several)
        # A turn coded as a reflection whose wording is advice ("What you should do is
        # apologise to her tonight.") reflects nothing.
        if _starts_with_reflection(turn.text) or (code.code == "reflection" and not advice):
            reflected = invited = True
            continue
        invited = False
        if (
            (advice or (code.code == "therapist_input" and code.subcode in _INTERVENTION_SUBCODES))
            and not reflected
            and not _is_safety_or_session_business(turn.text)
            # A nurse's examination findings and narration of the care she is giving ("The
            # wound edges look pink and healthy.", "I'm just going to clean around it
            # now.") are the session's own procedure: like its business, they leave the
            # client's statement still to be reflected.
            and not (medical_role and _only_clinical_care(turn.text))
            # Thanking the client for their feedback and changing course is a repair, not
            # an intervention: it leaves the client's statement still to be reflected.
            and not _is_repair(turn.text)
            # Directing a couple to speak to each other ("Tell him what you just told
            # me.") is the session's enactment, not an intervention in their lives.
            and not (several and not _without_enactment(turn.text))
            # The goodbye ("Let's pick this up next week. Take care.") is coded information
            # and is no intervention. Only the last two turns: the whole closing stretch
            # is a third of a short session, where interventions do happen. Advice by its
            # wording ("You should just stop drinking.") is advice there too.
            and (
                turn.index < len(turns) - _GOODBYE_TURNS
                or _is_advice(turn, code, coder_advice=False, several_clients=several)
            )
        ):
            yield _flag(
                "intervention_without_reflection",
                turn,
                turn.text,
                "Advice or information came straight after the client spoke, without first "
                "reflecting what they said. Showing understanding before intervening helps "
                "the client feel heard and makes the information easier to take in.",
                SOURCES["intervention_without_reflection"],
            )
            reflected = True  # one flag per client statement


def _asks_about_risk(text: str) -> bool:
    """A question about suicide, self-harm, the client's safety or a safety plan
    (``risk_questions`` in ``risk.json``)."""
    risk = load_lexicon("risk").lists.get("risk_questions")
    return risk is not None and risk.search(text) is not None


def _risk_assessment(
    turns: Sequence[Turn],
    roles: Mapping[str, str],
    codes: Sequence[CodeLike | None] | None,
) -> frozenset[int]:
    """The therapist turns that assess risk: a question about risk or safety
    (:func:`_asks_about_risk`) and the closed questions and reflections that follow it
    ("Have you thought about how you would do it?", "Would you be willing to give them to
    your partner?"), up to the therapist's next turn of another kind.

    A risk assessment asks direct closed questions one after another (thoughts, plan,
    means, intent, who could help: NICE NG225 1.5, Joiner et al. 2007) and the client
    answers "No." or "My sister.": neither is a question-answer trap nor a client going
    quiet. Shared by the closed-question and the quiet-client rules.
    """
    assessing = False
    inside: set[int] = set()
    for turn in turns:
        if _role(turn, roles) != THERAPIST:
            continue
        code = _code(codes, turn.index)
        asks = code.code == "question" if code is not None else "?" in turn.text
        if asks and _asks_about_risk(turn.text):
            assessing = True
        elif assessing and not (
            _asks_closed_question(turn, code)
            or (code is not None and code.code == "reflection")
            or (code is None and _starts_with_reflection(turn.text))
        ):
            assessing = False
        if assessing:
            inside.add(turn.index)
    return frozenset(inside)


def _closed_question_flags(
    turns: Sequence[Turn],
    roles: Mapping[str, str],
    codes: Sequence[CodeLike | None],
    settings: FlagSettings,
) -> Iterator[Flag]:
    """Runs of closed questions by the therapist; client answers do not break a run.

    A risk assessment (:func:`_risk_assessment`) is no run: direct closed questions are
    best practice there. The closed questions before it still make a run of their own.
    """
    run: list[Turn] = []
    # The closed questions of a role-play are the part the therapist plays.
    assessment = _risk_assessment(turns, roles, codes) | _role_play(turns, roles, settings)

    def close_run() -> Iterator[Flag]:
        if len(run) >= settings.closed_question_run:
            first, last = run[0], run[-1]
            yield Flag(
                "closed_question_run",
                first.index,
                first.start,
                last.end if last.end is not None else last.start,
                _clip(" / ".join(t.text for t in run)),
                f"{len(run)} closed questions in a row (turns {first.index + 1}-"
                f"{last.index + 1}). A run of closed questions turns the session into an "
                "interview and leaves the client answering rather than exploring; an open "
                "question or a reflection invites them to say more.",
                SOURCES["closed_question_run"],
            )

    for turn in turns:
        if _role(turn, roles) != THERAPIST:
            continue
        code = _code(codes, turn.index)
        closed = code is not None and code.code == "question" and code.subcode == "closed"
        if closed and turn.index not in assessment:
            run.append(turn)
            continue
        yield from close_run()
        run = []
    yield from close_run()


# Without codes, a question opening with an auxiliary verb ("Do you...?", "Have you
# had...?", "Any thoughts of...?") asks for a yes or a no.
_CLOSED_QUESTION = re.compile(
    r"^\W*(?:(?:and|so|okay|ok|right|now),?\s+)?(?:do|does|did|are|is|was|were|have|has|had|"
    r"can|could|will|would|should|shall|may|might|any|anything|anyone|ever)\b",
    re.IGNORECASE,
)


def _asks_closed_question(turn: Turn, code: CodeLike | None) -> bool:
    if code is not None and code.code == "question":
        return code.subcode == "closed"
    sentences = _sentences(turn.text)
    last = sentences[-1].strip() if sentences else ""
    return last.endswith("?") and _CLOSED_QUESTION.search(last) is not None


def _short_answers_counted(
    turns: Sequence[Turn],
    roles: Mapping[str, str],
    codes: Sequence[CodeLike | None] | None,
    settings: FlagSettings,
) -> Iterator[Turn | None]:
    """Client turns for the quiet streak: a short turn, or ``None`` for one that breaks it.

    Greetings and a "No." to a closed question (a risk screen asks for exactly that) say
    nothing about engagement, so they neither count nor break a streak; nor does "My
    sister." to "Who could you call?" in a risk assessment (:func:`_risk_assessment`), open
    question or not, nor the client's goodbye in the last ``_GOODBYE_TURNS`` turns
    ("Okay.", "Thanks, bye.": :func:`_says_goodbye`). The greetings are the short turns in
    the opening before the client first says something of ``quiet_words`` or more: after
    it, "I don't know." to "What goes through your mind?" is an answer, within the first
    ten turns or not.
    """
    session_start = _session_start(turns)
    assessment = _risk_assessment(turns, roles, codes)
    goodbye = len(turns) - _GOODBYE_TURNS
    greeting = True
    previous: Turn | None = None
    for turn in turns:
        if _role(turn, roles) != CLIENT:
            previous = turn
            continue
        if _words(turn.text) >= settings.quiet_words:
            greeting = False
            yield None
            continue
        if turn.index >= goodbye and _says_goodbye(turn.text):
            continue
        answers_closed = previous is not None and (
            _asks_closed_question(previous, _code(codes, previous.index))
            or previous.index in assessment
        )
        in_greeting = greeting and _in_opening(turn, session_start, settings)
        if not (answers_closed or in_greeting or _confirms_reflection(previous, turn, codes)):
            yield turn


def _says_goodbye(text: str) -> bool:
    """An "okay" or a farewell ("Thanks, bye.", ``client_farewell`` in ``advice.json``)."""
    farewell = load_lexicon("advice").lists.get("client_farewell")
    return _agrees(text) or (farewell is not None and farewell.search(text) is not None)


def _confirms_reflection(
    previous: Turn | None, turn: Turn, codes: Sequence[CodeLike | None] | None
) -> bool:
    """ "Yes, exactly." to a reflection: the client confirming they were understood
    (``client_agreement`` in ``advice.json``), not going quiet."""
    if previous is None or not _agrees(turn.text):
        return False
    code = _code(codes, previous.index)
    return (code is not None and code.code == "reflection") or _starts_with_reflection(
        previous.text
    )


def _quiet_streaks(
    turns: Sequence[Turn],
    roles: Mapping[str, str],
    codes: Sequence[CodeLike | None] | None,
    settings: FlagSettings,
) -> list[list[Turn]]:
    """Runs of at least ``quiet_streak`` short client turns, in session order."""
    streaks: list[list[Turn]] = []
    streak: list[Turn] = []
    for short in _short_answers_counted(turns, roles, codes, settings):
        if short is not None:
            streak.append(short)
            continue
        if len(streak) >= settings.quiet_streak:
            streaks.append(streak)
        streak = []
    if len(streak) >= settings.quiet_streak:
        streaks.append(streak)
    return streaks


def _streak_flag(streak: Sequence[Turn], settings: FlagSettings, drop: str = "") -> Flag:
    """The flag for one quiet streak; ``drop`` is the share rule's finding about the same
    stretch (:func:`_share_drop_sentence`), said in the same flag."""
    first, last = streak[0], streak[-1]
    return Flag(
        "client_quiet",
        first.index,
        first.start,
        last.end if last.end is not None else last.start,
        _clip(" / ".join(t.text for t in streak)),
        f"The client answered in fewer than {settings.quiet_words} words "
        f"{len(streak)} times in a row.{' ' + drop if drop else ''} A client who goes quiet "
        "may be disengaging or feeling pushed; make the space safer (a reflection, an open "
        "question, asking how the session feels) rather than pressing on.",
        SOURCES["client_quiet"],
    )


def _client_share(turns: Sequence[Turn], roles: Mapping[str, str]) -> float | None:
    client = sum(_words(t.text) for t in turns if _role(t, roles) == CLIENT)
    total = sum(_words(t.text) for t in turns)
    return client / total if total else None


def _without_closing(
    turns: Sequence[Turn], roles: Mapping[str, str], settings: FlagSettings
) -> Sequence[Turn]:
    """The session without its closing: the last long therapist turn (a summary) in the
    final third and what follows it, or else the goodbye (the last ``_GOODBYE_TURNS``
    turns, when the client's turns there say goodbye: :func:`_says_goodbye`) and trailing
    therapist turns.

    A closing summary is the therapist's turn to talk (MI3 ch. 5, summaries), and the
    "yes, that's it" and goodbyes after it are not the client going quiet; nor is "Thanks,
    bye." after "Let's talk about it more next week. Take care."
    """
    tail_start = len(turns) - len(turns) // 3
    for i in range(len(turns) - 1, tail_start - 1, -1):
        turn = turns[i]
        if _role(turn, roles) == THERAPIST and _words(turn.text) >= settings.summary_words:
            return turns[:i]
    end = len(turns)
    goodbye = [t for t in turns[end - _GOODBYE_TURNS :] if _role(t, roles) == CLIENT]
    if goodbye and all(_says_goodbye(t.text) for t in goodbye):
        end -= _GOODBYE_TURNS
    while end and _role(turns[end - 1], roles) == THERAPIST:
        end -= 1
    return turns[:end]


@dataclass(frozen=True)
class _ShareDrop:
    """The client's share of words fell: in ``last_turns``, the last third of the session
    without its closing."""

    first_share: float
    last_share: float
    last_turns: Sequence[Turn]


def _quiet_share_drop(
    turns: Sequence[Turn],
    roles: Mapping[str, str],
    codes: Sequence[CodeLike | None] | None,
    settings: FlagSettings,
) -> _ShareDrop | None:
    """The client's share of words in the last third under half of the first third's.

    A risk assessment's questions and the client's answers to them are left out: "No." and
    "My sister." are what it asks for (:func:`_risk_assessment`).
    """
    assessment = _risk_assessment(turns, roles, codes)
    if assessment:
        answers = {
            turn.index
            for previous, turn in zip(turns, turns[1:], strict=False)
            if previous.index in assessment and _role(turn, roles) == CLIENT
        }
        turns = [t for t in turns if t.index not in assessment and t.index not in answers]
    turns = _without_closing(turns, roles, settings)
    if len(turns) < settings.quiet_min_turns:
        return None
    third = len(turns) // 3
    first_share = _client_share(turns[:third], roles)
    last_turns = turns[len(turns) - third :]
    last_share = _client_share(last_turns, roles)
    if not first_share or last_share is None:
        return None
    if last_share < first_share * settings.quiet_share_drop:
        return _ShareDrop(first_share, last_share, last_turns)
    return None


def _share_drop_sentence(drop: _ShareDrop, *, also: bool = False) -> str:
    fell = "also fell" if also else "fell"
    return (
        f"The client's share of the words {fell} from {drop.first_share:.0%} in the first "
        f"third of the session to {drop.last_share:.0%} in the last third."
    )


def _quiet_flags(
    turns: Sequence[Turn],
    roles: Mapping[str, str],
    codes: Sequence[CodeLike | None] | None,
    settings: FlagSettings,
) -> Iterator[Flag]:
    """A flag per quiet streak, and one for a falling share of the client's words.

    One stretch of quiet gives one flag: when a streak lies (partly) in the last third
    whose share fell, the two rules have seen the same thing, and the first such streak's
    flag says both (a therapist shown two flags for it counted two problems). The share
    rule flags on its own when no streak reaches into the last third: a client whose
    answers shrink from paragraphs to one sentence never answers in three words.
    """
    streaks = _quiet_streaks(turns, roles, codes, settings)
    drop = _quiet_share_drop(turns, roles, codes, settings)
    merged: list[Turn] | None = None
    if drop is not None:
        last_third = {turn.index for turn in drop.last_turns}
        merged = next((s for s in streaks if any(turn.index in last_third for turn in s)), None)
    for streak in streaks:
        if streak is merged and drop is not None:
            yield _streak_flag(streak, settings, _share_drop_sentence(drop, also=True))
        else:
            yield _streak_flag(streak, settings)
    if drop is not None and merged is None:
        anchor = next((t for t in drop.last_turns if _role(t, roles) == CLIENT), drop.last_turns[0])
        yield _flag(
            "client_quiet",
            anchor,
            anchor.text,
            f"{_share_drop_sentence(drop)} A client who talks less and less may be "
            "disengaging; check in with them about how the session is going.",
            SOURCES["client_quiet"],
        )


def _change_sustain_flags(
    turns: Sequence[Turn],
    roles: Mapping[str, str],
    codes: Sequence[CodeLike | None],
    settings: FlagSettings,
) -> Iterator[Flag]:
    client_codes = [
        (turn, code)
        for turn in turns
        if _role(turn, roles) == CLIENT
        for code in [_code(codes, turn.index)]
        if code is not None and code.code in ("change", "sustain")
    ]
    change = sum(1 for _t, c in client_codes if c.code == "change")
    sustain = len(client_codes) - change
    if len(client_codes) < settings.min_change_sustain or sustain <= change:
        return
    first_sustain = next(t for t, c in client_codes if c.code == "sustain")
    yield _flag(
        "change_sustain_balance",
        first_sustain,
        first_sustain.text,
        f"The client voiced more sustain talk ({sustain}) than change talk ({change}) over "
        "the session. The balance of the client's own arguments for and against change "
        "predicts what they do next; evoking and reflecting change talk, and not arguing "
        "with sustain talk, tilts it.",
        SOURCES["change_sustain_balance"],
    )


def _without_small_talk_advice(flags: list[Flag], turns: Sequence[Turn]) -> list[Flag]:
    """Leave out the advice and intervention flags of a turn made only of small talk: "I
    just watched a brilliant film at the weekend, you should see it." recommends a film,
    not a course of action in the client's life. The small-talk flag says what is wrong
    with it (time taken from the client's concerns); three flags would read as three
    problems, and the advice flag's "invites the client to argue back" does not fit. A
    turn with any other sentence ("Did you see the match? A daily walk would do you good.")
    keeps all its flags.
    """
    chat = {f.utterance for f in flags if f.kind == "off_topic_small_talk"}
    if not chat:
        return flags
    small_talk = load_lexicon("small_talk")

    def all_small_talk(turn: Turn) -> bool:
        return all(_lexicon_hit(small_talk, sentence) for sentence in _sentences(turn.text))

    by_index = {turn.index: turn for turn in turns}
    drop = {index for index in chat if all_small_talk(by_index[index])}
    advice_kinds = ("advice", "intervention_without_reflection")
    return [f for f in flags if not (f.utterance in drop and f.kind in advice_kinds)]


# ---------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------


def detect_flags(
    turns: Sequence[Turn],
    roles: Mapping[str, str],
    codes: Sequence[CodeLike | None] | None = None,
    settings: FlagSettings | None = None,
) -> list[Flag]:
    """All flags for a session, ordered by turn then by :data:`FLAG_KINDS`.

    ``roles`` maps each speaker to ``"therapist"``/``"client"`` (unknown speakers count
    as clients); ``codes`` is aligned with ``turns`` (one code per turn) or ``None``.
    """
    settings = settings or FlagSettings()
    turns = list(turns)
    flags: list[Flag] = list(_lexicon_flags(turns, roles, codes, settings))
    flags.extend(_quiet_flags(turns, roles, codes, settings))
    if codes is not None:
        flags.extend(_advice_flags(turns, roles, codes, settings))
        flags.extend(_intervention_flags(turns, roles, codes, settings))
        flags.extend(_closed_question_flags(turns, roles, codes, settings))
        flags.extend(_change_sustain_flags(turns, roles, codes, settings))
    flags = _without_small_talk_advice(flags, turns)
    order = {kind: i for i, kind in enumerate(FLAG_KINDS)}
    return sorted(flags, key=lambda f: (f.utterance, order[f.kind]))
