"""Code each utterance of a therapy conversation (MI-style behaviour codes).

Therapist utterances get one of ``reflection``, ``question``, ``therapist_input`` or
``other``, with a sub-code for the first three (open/closed question, simple/complex
reflection, information/advice/negotiation/options input). Client utterances get
``change``, ``neutral`` or ``sustain`` talk. The scheme follows the AnnoMI annotation
of motivational-interviewing sessions (Wu et al., ICASSP 2022; Future Internet 15(3):110,
2023), which the shipped model was trained on; see ``docs/coder.md`` for its accuracy.

Pure module: no Django import. The model is a bundle stored with joblib: TF-IDF blocks for
the utterance *and its neighbours* and a linear classifier per task, trained with
scikit-learn but shipped as numpy arrays (``rapport.transcripts.linear``), so loading a coder
never imports scikit-learn. Context
matters clinically as much as statistically: whether "You want to stop." is a reflection
or advice depends on what the client just said, and a client's answer tells whether the
therapist's previous turn was an open or a closed question.

The bundle may also carry small fine-tuned sentence encoders (MiniLM, int8 ONNX; the shipped
one reads each utterance, then the whole conversation in order) whose main-code
probabilities are averaged with the linear model's. It runs with onnxruntime and
tokenizers (no torch). Without those packages the coder still works, on the linear model
alone, and says so in ``Coder.meta["encoder_active"]``.

Only load model files you trust: joblib files are pickles and can run code when loaded.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import os
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = [
    "CLIENT_CODES",
    "Code",
    "Coder",
    "CoderError",
    "DEFAULT_MODEL_PATH",
    "ENCODER_LABELS",
    "QUESTION_STEM_FEATURES",
    "ROLES",
    "SUBCODES",
    "SUB_LABELS",
    "THERAPIST_CODES",
    "Utterance",
    "adapt_to_session",
    "chain_marginals",
    "CODED_CHARS",
    "coded_text",
    "conversation_features",
    "encoder_context",
    "encoder_input",
    "head_and_tail",
    "question_stem",
    "load_coder",
]

THERAPIST_CODES: tuple[str, ...] = ("reflection", "question", "therapist_input", "other")
CLIENT_CODES: tuple[str, ...] = ("change", "neutral", "sustain")
# Which sub-codes belong to which main code; ``other`` and client codes have none.
SUBCODES: dict[str, tuple[str, ...]] = {
    "question": ("open", "closed"),
    "reflection": ("simple", "complex"),
    "therapist_input": ("information", "advice", "negotiation", "options"),
}
ROLES: tuple[str, ...] = ("therapist", "client")

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "model" / "coder.joblib"
# Bumped whenever the feature layout below changes, so an old model file fails loudly
# instead of silently coding with misaligned features.
FEATURE_VERSION = 3
# Order of the encoder's output logits (therapist codes, then client codes).
ENCODER_LABELS: tuple[str, ...] = THERAPIST_CODES + CLIENT_CODES
# Order of the optional second output, the sub-code logits ("parent/sub"), of an encoder
# trained with a sub-code head (scripts/finetune_coder.py --aux-weight).
SUB_LABELS: tuple[str, ...] = tuple(f"{p}/{s}" for p, subs in SUBCODES.items() for s in subs)
# Width of one encoder's logits in Coder._encoder_logits: main codes, then sub-codes.
ENCODER_WIDTH = len(ENCODER_LABELS) + len(SUB_LABELS)

log = logging.getLogger(__name__)


class CoderError(Exception):
    """The coder cannot run: model file missing or corrupt, or bad input (unknown role)."""


@dataclass(frozen=True)
class Code:
    """The code of one utterance."""

    code: str  # reflection|question|therapist_input|other|change|neutral|sustain
    subcode: str | None  # open|closed|simple|complex|information|advice|negotiation|options|None
    confidence: float  # probability of the main code, 0-1


@dataclass(frozen=True)
class Utterance:
    """One utterance with the context the classifiers look at (all strings may be empty)."""

    role: str
    text: str
    prev_text: str  # the turn just before, whoever spoke it
    prev_other: str  # the last turn of the other speaker before this one
    next_text: str  # the turn just after, whoever speaks it
    numeric: tuple[float, ...]
    prev_role: str = ""  # who spoke ``prev_text`` ("" at the start)
    next_role: str = ""  # who speaks ``next_text`` ("" at the end)


def _normalise_role(role: object, index: int) -> str:
    if not isinstance(role, str) or role.strip().lower() not in ROLES:
        raise CoderError(f"turn {index}: unknown role {role!r}; expected one of {', '.join(ROLES)}")
    return role.strip().lower()


def _clean(text: object) -> str:
    return coded_text(text.strip()) if isinstance(text, str) else ""


# The coder reads a turn's first CODED_CHARS characters. Every turn of a real session is
# far shorter (AnnoMI's longest is 1,212 characters; a one-hour session is 50-100 kB in
# all), and the encoder reads only a turn's first 64 tokens anyway, but the word and
# character n-grams read all of it: a 2 MB upload of a few punctuation-free turns of
# distinct words took most of a request's 60 s and 300 MB there. A longer turn is coded
# from its start (analysis.analyze notes it on the report), cut at the last space before
# the limit so no word is cut in two.
CODED_CHARS = 5_000


def coded_text(text: str) -> str:
    """The part of ``text`` the coder reads: all of it up to CODED_CHARS characters, else
    its start up to the last whitespace before the limit."""
    if len(text) <= CODED_CHARS:
        return text
    head = text[:CODED_CHARS]
    if not text[CODED_CHARS].isspace():
        words = head.rsplit(None, 1)
        if len(words) == 2:
            head = words[0]
    return head.rstrip()


# How the turn's last question starts tells an open question from a closed one: MITI 4
# (Moyers et al. 2016) calls a question closed when it can be answered yes/no or with a
# short fact ("Do you exercise?", "How many drinks?"), open when it invites the client to
# tell more ("What would you like to change?"). Word n-grams alone cannot see that the
# auxiliary verb comes first. Leading fillers ("So, ...", "And ...") are skipped.
_WORD = re.compile(r"[a-z][a-z']*")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_FILLERS = _words("so and but okay ok well now then um uh oh right alright yeah yes hm hmm")
_CLOSED_STARTS = _words(
    "do does did is are was were am can could will would have has had should shall may might "
    "must don't doesn't didn't isn't aren't wasn't weren't can't couldn't won't wouldn't "
    "haven't hasn't shouldn't"
)
_OPEN_STARTS = _words("what why how where when who which tell describe")
_HOW_MUCH = _words("many much often long old far")
# question_stem's features come last in Utterance.numeric.
QUESTION_STEM_FEATURES = 3


def _last_question(text: str) -> str | None:
    """The turn's last question: from just after the sentence end (".", "!" or "?") before
    its last "?" up to and including that "?"; ``None`` when there is no "?".

    The model was trained on ``re.findall(r"[^.!?]*\\?", text)[-1]``, which is exactly
    this, but that regex retries from every character of a run without punctuation, so a
    long unpunctuated turn took quadratic time (20 s for 100 kB). Reverse scans are
    linear and give the same string for every input
    (tests/transcripts/test_coding_question_features.py).
    """
    end = text.rfind("?")
    if end < 0:
        return None
    start = max(text.rfind(stop, 0, end) for stop in ".!?") + 1
    return text[start : end + 1]


def question_stem(text: str) -> tuple[float, float, float]:
    """(closed start, open start, how-many start) of the turn's last question; 0s if none."""
    question = _last_question(text.lower())
    if question is None:
        return (0.0, 0.0, 0.0)
    # Skip the fillers by index: popping them one by one off the front of the list was
    # quadratic too, for a long question made of fillers.
    words = _WORD.findall(question)
    skip = next((i for i, word in enumerate(words) if word not in _FILLERS), len(words))
    words = words[skip : skip + 2]
    if not words:
        return (0.0, 0.0, 0.0)
    first = words[0]
    second = words[1] if len(words) > 1 else ""
    how_much = first == "how" and second in _HOW_MUCH
    return (
        1.0 if first in _CLOSED_STARTS else 0.0,
        1.0 if first in _OPEN_STARTS and not how_much else 0.0,
        1.0 if how_much else 0.0,
    )


def conversation_features(turns: Sequence[tuple[str, str]]) -> list[Utterance]:
    """Attach to each turn of ONE conversation the context used for coding it.

    Shared by training and run time so that both see exactly the same features.
    """
    roles = [_normalise_role(role, i) for i, (role, _text) in enumerate(turns)]
    texts = [_clean(text) for _role, text in turns]
    n = len(texts)
    out: list[Utterance] = []
    last_by_role: dict[str, str] = {"therapist": "", "client": ""}
    for i, (role, text) in enumerate(zip(roles, texts, strict=True)):
        other = "client" if role == "therapist" else "therapist"
        prev_role = roles[i - 1] if i > 0 else ""
        next_role = roles[i + 1] if i + 1 < n else ""
        next_text = texts[i + 1] if i + 1 < n else ""
        words = len(text.split())
        numeric = (
            # Position: openings are full of greetings and agenda-setting questions,
            # endings of summaries and plans.
            i / max(n - 1, 1),
            1.0 if i < 3 else 0.0,
            1.0 if i >= n - 3 else 0.0,
            math.log1p(words) / 4.0,
            min(text.count("?"), 3) / 3.0,
            1.0 if text.endswith("?") else 0.0,
            # Same speaker again: a split turn, usually the continuation of the previous code.
            1.0 if prev_role == role else 0.0,
            1.0 if next_role == role else 0.0,
            # A very short reply from the other speaker often follows a closed question.
            math.log1p(len(next_text.split())) / 4.0 if next_role == other else 0.0,
            *question_stem(text),
        )
        out.append(
            Utterance(
                role=role,
                text=text,
                prev_text=texts[i - 1] if i > 0 else "",
                prev_other=last_by_role[other],
                next_text=next_text,
                numeric=numeric,
                prev_role=prev_role,
                next_role=next_role,
            )
        )
        last_by_role[role] = text
    return out


def _matrix(blocks: dict[str, Any], rows: Sequence[Utterance]) -> sp.csr_matrix:
    """Stack the TF-IDF blocks and numeric features of ``rows`` into one sparse matrix.

    The context blocks share the utterance's word vectoriser, and a turn is also its
    neighbours' context, so each vectoriser reads each distinct text once and its rows are
    picked for every block (a row depends on its text alone: the same matrix, less work)."""
    fields = {name: name.split(":", 1)[0] for name in blocks}
    # Per vectoriser: each distinct text it reads -> its row in that vectoriser's matrix.
    row_of: dict[int, dict[str, int]] = {}
    for name, vectorizer in blocks.items():
        distinct = row_of.setdefault(id(vectorizer), {})
        for u in rows:
            distinct.setdefault(getattr(u, fields[name]), len(distinct))
    matrices: dict[int, sp.csr_matrix] = {}
    parts: list[sp.spmatrix] = []
    for name, vectorizer in blocks.items():
        key = id(vectorizer)
        if key not in matrices:
            matrices[key] = sp.csr_matrix(vectorizer.transform(list(row_of[key])))
        parts.append(matrices[key][[row_of[key][getattr(u, fields[name])] for u in rows]])
    parts.append(sp.csr_matrix(np.asarray([u.numeric for u in rows], dtype=np.float64)))
    return sp.hstack(parts, format="csr")


def encoder_input(role: str, text: str) -> str:
    """The text the fine-tuned encoder reads: the speaker role, then the utterance."""
    return f"{role}: {text}"


# How much of the neighbouring turns the context encoder reads. The end of the turn
# before (the question a client answers, the statement a therapist reflects) and the
# start of the turn after (a bare "yes" marks a closed question) carry the signal.
CONTEXT_WORDS_BEFORE = 40
CONTEXT_WORDS_AFTER = 16


def encoder_context(u: Utterance) -> str:
    """The second segment the context encoder reads: the tail of the turn before and the
    head of the turn after, each with its speaker's role."""
    before = " ".join(u.prev_text.split()[-CONTEXT_WORDS_BEFORE:])
    after = " ".join(u.next_text.split()[:CONTEXT_WORDS_AFTER])
    parts = []
    if u.prev_role:
        parts.append(f"before, {u.prev_role}: {before}")
    if u.next_role:
        parts.append(f"after, {u.next_role}: {after}")
    return " | ".join(parts) or "(no other turn)"


def head_and_tail(ids: Sequence[int], max_length: int) -> list[int]:
    """Token ids cut to ``max_length`` by keeping the start and the end of the turn.

    A long turn often ends where its behaviour is: advice after a preamble, a question
    after a reflection, "but I don't think I'll stop" after an account. Keeping the head
    and the tail beats keeping the head alone for long texts (Sun et al., "How to
    fine-tune BERT for text classification?", CCL 2019). The first id ([CLS]) and the last
    ([SEP]) are kept either way.
    """
    if len(ids) <= max_length:
        return list(ids)
    head = max_length // 2
    return list(ids[:head]) + list(ids[len(ids) - (max_length - head) :])


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def _coder_threads() -> int:
    """Worker threads for the encoders: ``RAPPORT_CODER_THREADS``, else every core."""
    threads = os.environ.get("RAPPORT_CODER_THREADS", "").strip()
    if threads.isdigit() and int(threads) > 0:
        return int(threads)
    return max(1, os.cpu_count() or 1)


class _Encoder:
    """The fine-tuned MiniLM classifier, run with onnxruntime (no torch)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        import onnxruntime as ort  # optional at run time: see the module docstring
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        # Parallel across utterances, not inside one: a 20-token turn is too small to split
        # over cores, but several turns run side by side keep every core busy.
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = 1
        self._workers = _coder_threads()
        self._session = ort.InferenceSession(
            spec["onnx"], options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_str(spec["tokenizer"])
        self._tokenizer.no_padding()
        self._max_length = int(spec["max_length"])
        # How a turn longer than max_length was cut in training: its end dropped (the
        # tokenizer's own truncation), or its middle (head_and_tail).
        self._head_tail = spec.get("truncation", "end") == "head_tail"
        if self._head_tail:
            self._tokenizer.no_truncation()
        else:
            self._tokenizer.enable_truncation(self._max_length)
        # Encoders trained with dialogue context read (utterance, context) pairs.
        self._context = bool(spec.get("context", False))
        # A session encoder's first graph turns each utterance into a vector and a second,
        # small graph reads a conversation's vectors in order (scripts/finetune_session_coder.py).
        self._conversation_model = None
        self._vector_width = 0
        if spec.get("session"):
            self._conversation_model = ort.InferenceSession(
                spec["session"], options, providers=["CPUExecutionProvider"]
            )
            width = self._session.get_outputs()[0].shape[-1]
            if not isinstance(width, int):
                raise CoderError("session encoder: utterance vectors have no fixed width")
            self._vector_width = width
        # Encoders trained with a sub-code head also output sub-code logits (SUB_LABELS):
        # from the classifier itself, or from a session encoder's conversation graph.
        final = self._conversation_model or self._session
        outputs = [o.name for o in final.get_outputs()]
        self.has_subcodes = outputs[1:2] == ["sub_logits"]
        self.width = len(ENCODER_LABELS) + (len(SUB_LABELS) if self.has_subcodes else 0)
        if tuple(spec["labels"]) != ENCODER_LABELS:
            raise CoderError("encoder labels do not match the coding scheme")

    @property
    def reads_sessions(self) -> bool:
        """True for a session encoder: it needs every turn of a conversation, in order."""
        return self._conversation_model is not None

    def logits(
        self, rows: Sequence[Utterance], conversation: np.ndarray | None = None
    ) -> np.ndarray:
        """Encoder logits in ``ENCODER_LABELS`` order (then ``SUB_LABELS`` for an encoder
        with a sub-code head: ``self.width`` columns), one utterance per run.

        A session encoder needs ``rows`` to be whole conversations in order, with
        ``conversation`` (one id per row) telling them apart; None means one conversation.

        One at a time on purpose: dynamic int8 quantisation scales activations per batch,
        so batching would make a turn's code depend on which other turns it was batched
        with. Unbatched, a transcript always gets the same codes (and it is still fast:
        no padding, short inputs, and turns run side by side on every core).
        """
        inputs: list[Any] = [encoder_input(u.role, u.text) for u in rows]
        if self._context:
            inputs = [(t, encoder_context(u)) for t, u in zip(inputs, rows, strict=True)]
        # Backchannels ("Mm-hmm.", "Yeah.") repeat: about one turn in six in AnnoMI repeats
        # an earlier turn of its session. Each distinct input runs once; a turn's result
        # depends on its input alone, so this changes no code.
        distinct = list(dict.fromkeys(inputs))
        encodings = self._tokenizer.encode_batch(distinct)
        # A session encoder's first graph gives utterance vectors, read per conversation below.
        width = self._vector_width if self.reads_sessions else self.width
        results = np.zeros((len(distinct), width), dtype=np.float32)
        workers = min(self._workers, max(1, len(encodings)))

        if workers == 1:
            for i, encoding in enumerate(encodings):
                results[i] = self._run_one(encoding)
        else:
            # Longest turns first, each to whichever worker is free: the workers finish
            # together instead of one waiting on another's last long turn.
            order = sorted(range(len(encodings)), key=lambda i: -len(encodings[i].ids))
            with ThreadPoolExecutor(max_workers=workers) as pool:
                vectors = list(pool.map(self._run_one, [encodings[i] for i in order]))
            results[order] = np.stack(vectors)
        position = {key: i for i, key in enumerate(distinct)}
        out = results[[position[key] for key in inputs]]
        if self.reads_sessions:
            return self._read_conversations(out, conversation)
        return out

    def _read_conversations(
        self, vectors: np.ndarray, conversation: np.ndarray | None
    ) -> np.ndarray:
        """The conversation model's logits for each conversation's utterance vectors."""
        assert self._conversation_model is not None
        ids = np.zeros(len(vectors), dtype=int) if conversation is None else conversation
        out = np.zeros((len(vectors), self.width), dtype=np.float32)
        for conv in np.unique(ids):
            mask = ids == conv
            results = self._conversation_model.run(None, {"vectors": vectors[mask][None]})
            out[mask] = np.hstack(results[: 2 if self.has_subcodes else 1])
        return out

    def _run_one(self, encoding: Any) -> np.ndarray:
        ids, type_ids = encoding.ids, encoding.type_ids
        if self._head_tail:
            ids = head_and_tail(ids, self._max_length)
            type_ids = head_and_tail(type_ids, self._max_length)
        token_ids = np.asarray([ids], dtype=np.int64)
        feed = {
            "input_ids": token_ids,
            "attention_mask": np.ones_like(token_ids),
            "token_type_ids": np.asarray([type_ids], dtype=np.int64),
        }
        results = self._session.run(None, feed)
        return np.concatenate([np.asarray(r[0]) for r in results[: 2 if self.has_subcodes else 1]])


# How many turns of evidence a session needs before its own mix of codes moves halfway
# from the training mix. Fixed a priori (cross-validation over 10-100 moved therapist
# macro-F1 by under .005); see adapt_to_session.
SESSION_PRIOR_PSEUDOCOUNT = 30.0


def adapt_to_session(
    proba: np.ndarray,
    prior: np.ndarray,
    pseudocount: float = SESSION_PRIOR_PSEUDOCOUNT,
    iterations: int = 20,
) -> np.ndarray:
    """Re-weight one session's code probabilities towards that session's own mix of codes.

    A classifier trained on mostly good MI expects reflections at the training rate; in a
    session full of advice, an ambiguous "You need to cut down" then reads as a reflection,
    which inflates the reflection-to-question ratio exactly where it matters. This is the EM
    procedure of Saerens, Latinne & Decaestecker (Neural Computation 14(1), 2002) for a shifted
    class prior, with the session's prior estimate pulled towards the training prior by
    ``pseudocount`` turns (a Dirichlet prior), so short sessions stay near the training mix.
    """
    if len(proba) == 0:
        return proba
    prior = np.clip(prior, 1e-6, None)
    session = prior.copy()
    adjusted = proba
    for _ in range(iterations):
        adjusted = proba * (session / prior)
        adjusted = adjusted / adjusted.sum(axis=1, keepdims=True)
        session = (adjusted.sum(axis=0) + pseudocount * prior) / (len(proba) + pseudocount)
    return np.asarray(adjusted)


def chain_marginals(
    roles: Sequence[str],
    proba: Sequence[np.ndarray],
    lifts: dict[str, np.ndarray],
) -> list[np.ndarray]:
    """Each turn's code probabilities given the whole conversation's, by forward-backward.

    ``proba[t]`` are turn ``t``'s code probabilities (over its role's codes) from the
    classifiers. The chain's state after a turn is the pair (last therapist code, last
    client code), each with a last "none yet" value for the start of the conversation; a
    turn of role ``r`` whose state before it is (a, b) has its code ``y`` weighed by
    ``lifts[r][a, b, y]`` (how much likelier ``y`` is after (a, b) than overall, raised to
    the weight of the sequence term: see ``Coder._decode_sequences``). A lift of ones leaves
    that role's turns as they were. Returns the posterior marginals, one row per turn.
    """
    n = len(roles)
    n_t, n_c = lifts["therapist"].shape[0], lifts["client"].shape[1]
    forward = np.zeros((n_t, n_c))
    forward[-1, -1] = 1.0  # no code yet for either speaker
    before: list[np.ndarray] = []
    for role, p in zip(roles, proba, strict=True):
        before.append(forward)
        joint = forward[:, :, None] * lifts[role] * p
        forward = np.zeros((n_t, n_c))
        if role == "therapist":
            forward[:-1, :] = joint.sum(axis=0).T  # the new last therapist code is y
        else:
            forward[:, :-1] = joint.sum(axis=1)  # the new last client code is y
        forward /= forward.sum()
    out: list[np.ndarray] = [np.empty(0)] * n
    backward = np.ones((n_t, n_c))
    for t in range(n - 1, -1, -1):
        role = roles[t]
        # The state after the turn: (y, last client code) or (last therapist code, y).
        after = backward[:-1, :].T[None, :, :] if role == "therapist" else backward[:, None, :-1]
        weighed = lifts[role] * proba[t] * after
        marginal = (before[t][:, :, None] * weighed).sum(axis=(0, 1))
        out[t] = marginal / marginal.sum()
        backward = weighed.sum(axis=2)
        backward /= backward.sum()
    return out


def _sequence_lifts(
    bundle: dict[str, Any], classes: dict[str, list[str]]
) -> dict[str, np.ndarray] | None:
    """The bundle's sequence tables raised to their weights, in the classifiers' code order
    (None: no sequence decoding, as in model files made before it)."""
    spec = bundle.get("sequence")
    if not spec:
        return None
    order = {
        "therapist": [THERAPIST_CODES.index(c) for c in classes["therapist"]],
        "client": [CLIENT_CODES.index(c) for c in classes["client"]],
    }
    # States: the last therapist code, the last client code, each with "none yet" last.
    states = (order["therapist"] + [len(THERAPIST_CODES)], order["client"] + [len(CLIENT_CODES)])
    lifts: dict[str, np.ndarray] = {}
    try:
        for role in ROLES:
            ratio = np.asarray(spec["ratios"][role], dtype=np.float64)
            weight = float(spec["weights"][role])
            shape = (len(THERAPIST_CODES) + 1, len(CLIENT_CODES) + 1, len(order[role]))
            if ratio.shape != shape or not np.all(np.isfinite(ratio)) or np.any(ratio <= 0):
                raise ValueError(f"{role} table of shape {ratio.shape}, expected {shape} > 0")
            if not (weight >= 0 and math.isfinite(weight)):
                raise ValueError(f"{role} weight {weight} must be >= 0")
            lifts[role] = ratio[np.ix_(*states, order[role])] ** weight
    except (KeyError, TypeError, ValueError) as exc:
        raise CoderError(f"model bundle is malformed: sequence {exc}") from exc
    return lifts


def _encoder_specs(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """The bundle's encoders: a list under ``encoders``, or one under ``encoder`` (older files)."""
    specs = bundle.get("encoders")
    if specs is None:
        specs = [bundle["encoder"]] if bundle.get("encoder") else []
    if not isinstance(specs, list):
        raise CoderError("model bundle is malformed: 'encoders' is not a list")
    return specs


def _task_weights(spec: dict[str, Any]) -> dict[str, float]:
    """An encoder's weight in the average for each main-code task (one number: both tasks)."""
    weights = spec.get("weights")
    if weights is None:
        return {role: float(spec["weight"]) for role in ROLES}
    return {role: float(weights[role]) for role in ROLES}


def _task_temperatures(spec: dict[str, Any]) -> dict[str, float]:
    """The temperature an encoder's logits are divided by before its vote on each main-code
    task: below 1 sharpens its probabilities, much like a heavier vote (1 if unset)."""
    temperatures = spec.get("temperatures") or {}
    out = {role: float(temperatures.get(role, 1.0)) for role in ROLES}
    if not all(t > 0 and math.isfinite(t) for t in out.values()):
        raise CoderError(f"model bundle is malformed: encoder temperatures {out} must be > 0")
    return out


class Coder:
    """Codes the utterances of conversations with a loaded model bundle.

    The bundle holds feature blocks shared by all tasks (so each utterance is vectorised
    once) and one classifier per task: ``therapist``, ``client`` and one per main code
    with sub-codes.
    """

    # How much of each turn it reads (analysis.analyze notes the turns cut).
    coded_chars = CODED_CHARS

    def __init__(self, bundle: dict[str, Any]) -> None:
        try:
            if bundle.get("feature_version") != FEATURE_VERSION:
                raise CoderError(
                    f"model feature version {bundle.get('feature_version')!r} does not match "
                    f"this code ({FEATURE_VERSION}); retrain with scripts/train_coder.py"
                )
            self._blocks: dict[str, Any] = dict(bundle["blocks"])
            self._tasks: dict[str, Any] = {}
            self._classes: dict[str, list[str]] = {}
            for task in ("therapist", "client", *SUBCODES):
                clf = bundle["tasks"][task]["clf"]
                self._tasks[task] = clf
                # Fail now, at load time, rather than in the middle of coding a session.
                self._classes[task] = [str(c) for c in clf.classes_]
        except (KeyError, AttributeError, TypeError) as exc:
            raise CoderError(f"model bundle is malformed: {exc!r}") from exc
        if set(self._classes["therapist"]) != set(THERAPIST_CODES) or set(
            self._classes["client"]
        ) != set(CLIENT_CODES):
            raise CoderError("model bundle codes do not match the coding scheme")
        self.meta: dict[str, Any] = dict(bundle.get("meta", {}))
        # Per-task class frequencies of the training data, in classifier order: the prior
        # that each session's own mix of codes is adapted from (see adapt_to_session).
        self._session_priors: dict[str, np.ndarray] = {}
        for task, freqs in dict(bundle.get("session_priors", {})).items():
            self._session_priors[task] = np.asarray(
                [float(freqs[c]) for c in self._classes[task]], dtype=np.float64
            )
        # Sequence decoding: the codes of the turns around each turn (see _decode_sequences).
        self._sequence_lifts = _sequence_lifts(bundle, self._classes)
        self._encoders: list[_Encoder] = []
        self._encoder_weights: list[dict[str, float]] = []
        self._encoder_temperatures: list[dict[str, float]] = []
        for spec in _encoder_specs(bundle):
            try:
                self._encoders.append(_Encoder(spec))
                self._encoder_weights.append(_task_weights(spec))
                self._encoder_temperatures.append(_task_temperatures(spec))
            except ImportError as exc:
                # Degrade rather than fail: the linear model alone is a working coder.
                log.warning("coder: %s; coding with the linear model alone", exc)
                self._encoders, self._encoder_weights, self._encoder_temperatures = [], [], []
                break
            except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own types
                raise CoderError(f"model encoder is unreadable: {exc}") from exc
        self._set_subcode_voters([e.has_subcodes for e in self._encoders])
        self.meta["encoder_active"] = bool(self._encoders)
        self.meta["encoder_subcodes"] = bool(self._subcode_voters)

    def _set_subcode_voters(self, has_subcodes: Sequence[bool]) -> None:
        """The encoders whose sub-code head votes on sub-codes: those that have one and
        vote on therapist codes. Each gets an equal vote with the linear sub-code model,
        fixed a priori like the main-code weights."""
        self._subcode_voters = [
            k
            for k, (has, weights) in enumerate(
                zip(has_subcodes, self._encoder_weights, strict=True)
            )
            if has and weights["therapist"] > 0
        ]

    def _encoder_logits(
        self, rows: Sequence[Utterance], conversation: np.ndarray | None = None
    ) -> np.ndarray | None:
        """Logits of every encoder, shape (rows, encoders, ``ENCODER_LABELS``), or None.

        ``conversation`` tells consecutive conversations apart (None: one conversation)."""
        if not self._encoders:
            return None
        out = np.zeros((len(rows), len(self._encoders), ENCODER_WIDTH), dtype=np.float32)
        for k, (encoder, weights) in enumerate(
            zip(self._encoders, self._encoder_weights, strict=True)
        ):
            if encoder.reads_sessions:
                # Reads every turn, whoever speaks: the context is the whole conversation.
                out[:, k, : encoder.width] = encoder.logits(rows, conversation)
                continue
            # An encoder that votes on one task only never reads the other role's turns.
            voting = [i for i, u in enumerate(rows) if weights[u.role] > 0]
            if voting:
                out[voting, k, : encoder.width] = encoder.logits([rows[i] for i in voting])
        return out

    def _fuse(self, task: str, proba: np.ndarray, logits: np.ndarray | None) -> np.ndarray:
        """Weighted average of the linear model's and each encoder's probabilities."""
        weights = [w[task] for w in self._encoder_weights]
        if logits is None or not any(weights):
            return proba
        columns = [ENCODER_LABELS.index(c) for c in self._classes[task]]
        fused = (1 - sum(weights)) * proba
        for k, w in enumerate(weights):
            if w > 0:
                temperature = self._encoder_temperatures[k][task]
                fused = fused + w * _softmax(logits[:, k, columns] / temperature)
        return np.asarray(fused)

    def _fuse_subcodes(
        self, parent: str, proba: np.ndarray, logits: np.ndarray | None
    ) -> np.ndarray:
        """Sub-code probabilities for turns coded ``parent``: the linear sub-code model and
        each encoder with a sub-code head, equal votes (the linear model alone if none)."""
        if logits is None or not self._subcode_voters:
            return proba
        columns = [
            len(ENCODER_LABELS) + SUB_LABELS.index(f"{parent}/{c}") for c in self._classes[parent]
        ]
        weight = 1.0 / (len(self._subcode_voters) + 1)
        fused = weight * proba
        for k in self._subcode_voters:
            fused = fused + weight * _softmax(logits[:, k, columns])
        return np.asarray(fused)

    def _subcode_proba(
        self, parent: str, features: sp.csr_matrix, logits: np.ndarray | None
    ) -> np.ndarray:
        return self._fuse_subcodes(parent, self._proba(parent, features), logits)

    def _features(self, rows: Sequence[Utterance]) -> sp.csr_matrix:
        return _matrix(self._blocks, rows)

    def _features_and_logits(
        self, rows: Sequence[Utterance], conversation: np.ndarray
    ) -> tuple[sp.csr_matrix, np.ndarray | None]:
        """The linear model's features and the encoders' logits, computed side by side.

        The encoders run on worker threads that release the GIL, while the TF-IDF features
        are Python that holds it; overlapping them keeps both cores busy (measured on AnnoMI:
        the features took a fifth of the time when they ran after the encoders)."""
        if not self._encoder_weights:  # no encoder votes (its logits may come from elsewhere)
            return self._features(rows), None
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(self._encoder_logits, rows, conversation)
            features = self._features(rows)
            return features, pending.result()

    def _proba(self, task: str, features: sp.csr_matrix) -> np.ndarray:
        return np.asarray(self._tasks[task].predict_proba(features))

    def _code_rows(self, rows: list[Utterance], sizes: Sequence[int] | None = None) -> list[Code]:
        """Code ``rows``: the turns of consecutive conversations of ``sizes`` turns (one
        conversation if None)."""
        sizes = [len(rows)] if sizes is None else sizes
        conversation = np.repeat(np.arange(len(sizes)), sizes)
        codes: list[Code | None] = [None] * len(rows)
        for i, u in enumerate(rows):
            if not u.text:
                # Nothing to read: say so with a uniform ("no information") confidence.
                if u.role == "therapist":
                    codes[i] = Code("other", None, 1.0 / len(THERAPIST_CODES))
                else:
                    codes[i] = Code("neutral", None, 1.0 / len(CLIENT_CODES))
        live = [i for i, u in enumerate(rows) if u.text]
        if live:
            features, logits = self._features_and_logits(
                [rows[i] for i in live], conversation[live]
            )
            positions: dict[str, np.ndarray] = {}
            probas: dict[str, np.ndarray] = {}
            for role in ROLES:
                pos = np.array([k for k, i in enumerate(live) if rows[i].role == role], dtype=int)
                if len(pos):
                    role_logits = logits[pos] if logits is not None else None
                    where = [live[k] for k in pos]
                    positions[role] = pos
                    probas[role] = self._role_proba(
                        role, features[pos], role_logits, conversation[where]
                    )
            self._decode_sequences([rows[i].role for i in live], conversation[live], probas)
            for role, pos in positions.items():
                role_logits = logits[pos] if logits is not None else None
                where = [live[k] for k in pos]
                self._assign_codes(role, probas[role], features[pos], role_logits, where, codes)
        return [c for c in codes if c is not None]

    def _role_proba(
        self,
        task: str,
        features: sp.csr_matrix,
        logits: np.ndarray | None,
        conversation: np.ndarray,
    ) -> np.ndarray:
        """One role's code probabilities: the fused vote, adapted to each session's mix."""
        proba = self._fuse(task, self._proba(task, features), logits)
        prior = self._session_priors.get(task)
        if prior is not None:
            for conv in np.unique(conversation):
                mask = conversation == conv
                proba[mask] = adapt_to_session(proba[mask], prior)
        return proba

    def _decode_sequences(
        self, roles: list[str], conversation: np.ndarray, probas: dict[str, np.ndarray]
    ) -> None:
        """Re-weigh each role's probabilities by the codes around each turn, in place.

        ``roles`` and ``conversation`` are the live (non-empty) turns in order;
        ``probas[role]`` holds that role's turns in the same order. For a role with a
        sequence weight above 0, each of its turns gets its posterior marginal in a chain
        over the whole conversation whose state is the last therapist and last client code
        (``chain_marginals``), the other role's turns weighed by their own probabilities
        alone. On AnnoMI a client turn's code hangs on the codes before it (change talk
        follows change talk and reflections of it) beyond what the classifiers read off
        the neighbouring turns' text: client macro-F1 .542 -> .554 in cross-validation
        (docs/coder.md). Therapist codes lost from it, so their weight is 0."""
        if self._sequence_lifts is None:
            return
        roles_arr = np.asarray(roles)
        index = np.zeros(len(roles), dtype=int)  # each turn's row in its role's probas
        for role in ROLES:
            mask = roles_arr == role
            index[mask] = np.arange(int(mask.sum()))
        # Each role's chain reads every turn's own probabilities, not the other role's
        # decoded ones (as in the cross-validation that chose the weights).
        given = {role: p.copy() for role, p in probas.items()}
        flat = {role: np.ones_like(lift) for role, lift in self._sequence_lifts.items()}
        for target in ROLES:
            lift = self._sequence_lifts[target]
            if target not in probas or np.all(lift == 1.0):
                continue
            lifts = {**flat, target: lift}
            for conv in np.unique(conversation):
                turns = np.flatnonzero(conversation == conv)
                chain_roles = [roles[t] for t in turns]
                marginals = chain_marginals(
                    chain_roles, [given[roles[t]][index[t]] for t in turns], lifts
                )
                for t, m in zip(turns, marginals, strict=True):
                    if roles[t] == target:
                        probas[target][index[t]] = m

    def _assign_codes(
        self,
        task: str,
        proba: np.ndarray,
        features: sp.csr_matrix,
        logits: np.ndarray | None,
        where: list[int],
        codes: list[Code | None],
    ) -> None:
        best = proba.argmax(axis=1)
        main = [self._classes[task][b] for b in best]
        subs: dict[int, str] = {}
        for parent in SUBCODES if task == "therapist" else ():
            pos = np.array([k for k, m in enumerate(main) if m == parent], dtype=int)
            if len(pos):
                sub_logits = logits[pos] if logits is not None else None
                sub_best = self._subcode_proba(parent, features[pos], sub_logits).argmax(axis=1)
                for k, b in zip(pos, sub_best, strict=True):
                    subs[int(k)] = self._classes[parent][b]
        for k, i in enumerate(where):
            codes[i] = Code(main[k], subs.get(k), float(proba[k, best[k]]))

    def code_conversation(self, turns: Sequence[tuple[str, str]]) -> list[Code]:
        """Code every turn of ONE conversation; ``turns`` are ``(role, text)`` in order."""
        return self._code_rows(conversation_features(turns))

    def subcodes_for(self, turns: Sequence[tuple[str, str]], parent: str) -> list[str | None]:
        """The sub-code each therapist turn would get if its main code were ``parent``.

        For evaluation (scoring sub-codes separately from the main code) and for callers that
        already know the main code, e.g. from a human coder.
        """
        proba = self.subcode_probabilities(turns, parent)
        return [SUBCODES[parent][int(np.argmax(p))] if p is not None else None for p in proba]

    def subcode_probabilities(
        self, turns: Sequence[tuple[str, str]], parent: str
    ) -> list[np.ndarray | None]:
        """For each turn, the probabilities of ``parent``'s sub-codes (in ``SUBCODES`` order)
        if the turn's main code were ``parent``; None for client and empty turns."""
        if parent not in SUBCODES:
            raise CoderError(f"{parent!r} has no sub-codes; expected one of {', '.join(SUBCODES)}")
        rows = conversation_features(turns)
        live = [i for i, u in enumerate(rows) if u.text]
        pos = [k for k, i in enumerate(live) if rows[i].role == "therapist"]
        idx = [live[k] for k in pos]
        out: list[np.ndarray | None] = [None] * len(rows)
        if idx:
            chosen = [rows[i] for i in idx]
            logits = None
            if self._subcode_voters:
                # Every live turn, not only the therapist's: a session encoder reads them all.
                logits = self._encoder_logits([rows[i] for i in live])[pos]  # type: ignore[index]
            proba = self._subcode_proba(parent, self._features(chosen), logits)
            order = [self._classes[parent].index(c) for c in SUBCODES[parent]]
            for i, p in zip(idx, proba[:, order], strict=True):
                out[i] = p
        return out

    def code_many(self, conversations: Sequence[Sequence[tuple[str, str]]]) -> list[list[Code]]:
        """Code several conversations, batching the classifier calls for speed."""
        rows: list[Utterance] = []
        sizes: list[int] = []
        for turns in conversations:
            conv = conversation_features(turns)
            rows.extend(conv)
            sizes.append(len(conv))
        flat = self._code_rows(rows, sizes)
        out: list[list[Code]] = []
        start = 0
        for size in sizes:
            out.append(flat[start : start + size])
            start += size
        return out


_cache: dict[str, Coder] = {}
_lock = threading.Lock()


def load_coder(path: str | os.PathLike[str] | None = None) -> Coder:
    """Load a coder (default: the shipped model). Loaded models are cached per path."""
    target = Path(path) if path is not None else DEFAULT_MODEL_PATH
    key = str(target.resolve())
    with _lock:
        if key in _cache:
            return _cache[key]
        if not target.is_file():
            raise CoderError(f"coder model not found at {target}")
        import joblib  # deferred: importing it costs time the callers without a coder skip

        data = target.read_bytes()
        try:
            bundle = joblib.load(io.BytesIO(data))
        except Exception as exc:  # noqa: BLE001 - any unpickling failure means corrupt
            raise CoderError(f"coder model at {target} is unreadable: {exc}") from exc
        if not isinstance(bundle, dict):
            raise CoderError(f"coder model at {target} is not a coder bundle")
        coder = Coder(bundle)
        coder.meta["version"] = coder_version(data, coder.meta)
        _cache[key] = coder
        return coder


def coder_version(model_file: bytes, meta: dict[str, Any]) -> str:
    """Which coder made a set of codes: the model's training date and a digest of its file,
    marked when it runs without its encoders (other codes from the same file). Stored with
    every analysis, so codes from different models are never mixed unknowingly."""
    digest = hashlib.sha256(model_file).hexdigest()[:12]
    linear_only = "" if meta.get("encoder_active", True) else "+linear-only"
    return f"coder-{meta.get('date', 'undated')}-{digest}{linear_only}"
