"""The coder's linear model at run time, in numpy alone (no scikit-learn import).

The coder is trained with scikit-learn (``TfidfVectorizer`` and ``LogisticRegression``,
see ``scripts/coder_model.py``), but importing scikit-learn costs over a second before a
single turn is coded (its import pulls in much of scipy), which a web worker or a
``rapport analyze`` run pays on its first transcript. Both models are simple once fitted:
a vocabulary with idf weights, and a weight matrix. This module holds exactly those, read
off the fitted scikit-learn objects (``from_sklearn``), and reproduces their ``transform``
and ``predict_proba``; ``tests/transcripts/test_linear.py`` checks both against
scikit-learn's own output.

Pure module: no Django import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["LinearClassifier", "TfidfFeatures"]

# scikit-learn's whitespace normalisation before character n-grams (text.py, _white_spaces).
_WHITE_SPACES = re.compile(r"\s\s+")


class TfidfFeatures:
    """A fitted TF-IDF vectoriser: ``word`` n-grams over a token pattern, or ``char_wb``
    n-grams inside word boundaries; lower-cased, optionally sublinear tf, l2-normalised."""

    def __init__(
        self,
        *,
        analyzer: str,
        ngram_range: tuple[int, int],
        vocabulary: dict[str, int],
        idf: np.ndarray,
        token_pattern: str | None = None,
        sublinear_tf: bool = True,
    ) -> None:
        if analyzer not in ("word", "char_wb"):
            raise ValueError(f"unsupported analyzer {analyzer!r}")
        if analyzer == "word" and not token_pattern:
            raise ValueError("a word analyzer needs a token pattern")
        self.analyzer = analyzer
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))
        self.vocabulary = vocabulary
        self.idf = np.asarray(idf, dtype=np.float32)
        self.token_pattern = token_pattern
        self.sublinear_tf = sublinear_tf
        self._tokens = re.compile(token_pattern) if token_pattern else None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_tokens")  # compiled on load, not pickled
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        pattern = state.get("token_pattern")
        self._tokens = re.compile(pattern) if pattern else None

    @classmethod
    def from_sklearn(cls, vectorizer: Any) -> TfidfFeatures:
        """The run-time copy of a fitted ``TfidfVectorizer``; refuses settings it would not
        reproduce exactly (a wrong copy would code silently wrong, never fail)."""
        expected = {
            "lowercase": True,
            "strip_accents": None,
            "stop_words": None,
            "preprocessor": None,
            "tokenizer": None,
            "norm": "l2",
            "use_idf": True,
            "binary": False,
            "input": "content",
        }
        for name, value in expected.items():
            if getattr(vectorizer, name) != value:
                raise ValueError(
                    f"TfidfVectorizer.{name}={getattr(vectorizer, name)!r} unsupported"
                )
        return cls(
            analyzer=vectorizer.analyzer,
            ngram_range=vectorizer.ngram_range,
            vocabulary={str(k): int(v) for k, v in vectorizer.vocabulary_.items()},
            idf=vectorizer.idf_,
            token_pattern=vectorizer.token_pattern if vectorizer.analyzer == "word" else None,
            sublinear_tf=bool(vectorizer.sublinear_tf),
        )

    def analyse(self, text: str) -> list[str]:
        """The n-grams of ``text``, as scikit-learn's analyzer yields them."""
        text = text.lower()
        if self.analyzer == "char_wb":
            return self._char_wb_ngrams(text)
        assert self._tokens is not None
        return self._word_ngrams(self._tokens.findall(text))

    def _word_ngrams(self, tokens: list[str]) -> list[str]:
        low, high = self.ngram_range
        out = list(tokens) if low == 1 else []
        for n in range(max(low, 2), min(high, len(tokens)) + 1):
            out += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        return out

    def _char_wb_ngrams(self, text: str) -> list[str]:
        out: list[str] = []
        for word in _WHITE_SPACES.sub(" ", text).split():
            out += self._word_char_ngrams(word)
        return out

    def _word_char_ngrams(self, word: str) -> list[str]:
        low, high = self.ngram_range
        padded = f" {word} "
        out: list[str] = []
        for n in range(low, high + 1):
            out += [padded[i : i + n] for i in range(max(1, len(padded) - n + 1))]
            if len(padded) <= n:
                break  # a word shorter than n is counted once, as scikit-learn does
        return out

    def _columns(self, text: str, words: dict[str, list[int]]) -> list[int]:
        """The vocabulary columns of ``text``'s n-grams, one entry per occurrence.

        Character n-grams never cross a word boundary, so a text's columns are its words'
        columns put together: ``words`` remembers them for the rest of one ``transform``
        call (words repeat: a few hundred make up most of a session). Only for that call:
        nothing of a transcript's text outlives the call that reads it."""
        vocabulary = self.vocabulary
        if self.analyzer != "char_wb":
            grams = self.analyse(text)
            return [c for c in map(vocabulary.get, grams) if c is not None]
        out: list[int] = []
        for word in _WHITE_SPACES.sub(" ", text.lower()).split():
            columns = words.get(word)
            if columns is None:
                grams = self._word_char_ngrams(word)
                columns = words[word] = [c for c in map(vocabulary.get, grams) if c is not None]
            out += columns
        return out

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        """The l2-normalised TF-IDF rows of ``texts`` (float32, sorted column indices)."""
        indices: list[int] = []
        counts: list[int] = []
        indptr = [0]
        words: dict[str, list[int]] = {}
        for text in texts:
            row: dict[int, int] = {}
            for column in self._columns(text, words):
                row[column] = row.get(column, 0) + 1
            for column in sorted(row):
                indices.append(column)
                counts.append(row[column])
            indptr.append(len(indices))
        data = np.asarray(counts, dtype=np.float32)
        columns = np.asarray(indices, dtype=np.int32)
        if self.sublinear_tf:
            data = np.log(data) + np.float32(1.0)
        data *= self.idf[columns]
        starts = np.asarray(indptr, dtype=np.int32)
        rows = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=len(starts) - 1))
        norms[norms == 0] = 1.0  # an empty row stays empty, as in scikit-learn
        data /= norms[rows].astype(np.float32)
        return sp.csr_matrix((data, columns, starts), shape=(len(starts) - 1, len(self.idf)))


class LinearClassifier:
    """A fitted logistic regression: ``classes_`` and ``predict_proba`` as scikit-learn's
    (softmax over classes; for two classes, the logistic of the one decision value)."""

    def __init__(self, classes: Sequence[str], coef: np.ndarray, intercept: np.ndarray) -> None:
        self.classes_ = np.asarray([str(c) for c in classes], dtype=object)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        binary = len(self.classes_) == 2
        if self.coef.shape[0] != (1 if binary else len(self.classes_)):
            raise ValueError("coefficients do not match the classes")

    @classmethod
    def from_sklearn(cls, clf: Any) -> LinearClassifier:
        """The run-time copy of a fitted ``LogisticRegression``."""
        return cls(list(clf.classes_), clf.coef_, clf.intercept_)

    def predict_proba(self, features: Any) -> np.ndarray:
        decision = np.asarray(features @ self.coef.T) + self.intercept
        if decision.shape[1] == 1:
            positive = 1.0 / (1.0 + np.exp(-decision[:, 0]))
            return np.column_stack([1.0 - positive, positive])
        decision -= decision.max(axis=1, keepdims=True)
        np.exp(decision, out=decision)
        return np.asarray(decision / decision.sum(axis=1, keepdims=True))
