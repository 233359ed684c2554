"""The coder's numpy linear model reproduces scikit-learn's, and loading it skips sklearn."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from rapport.transcripts.linear import LinearClassifier, TfidfFeatures

# Synthetic turns with the awkward cases: contractions, repeated words (counts > 1, so
# sublinear tf matters), runs of whitespace and tabs, accents, digits, punctuation only,
# one-letter words (shorter than the character n-grams), and empty text.
CORPUS = [
    "I don't know, I don't know if I can do it.",
    "So you're feeling torn   about\tmaking a change.",
    "Mm-hmm.",
    "What would be different if you walked to work twice a week?",
    "Café crème, naïve résumé; ÜBER straße.",
    "I smoke 20 a day, maybe 25 on weekends.",
    "a b c d e",
    "It's, it's hard. It's really hard.",
    "?!",
    "",
    "You want your kids to see you healthy, and you're worried that won't happen.",
    "Would it be okay if I shared what other people have tried?",
]
UNSEEN = [
    "I really don't think I can stop",
    "   ",
    "x",
    "Ünïcode and a word never seen: zyxwvut",
    "so so so so so so",
    "",
]


def _word() -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, 3),
        sublinear_tf=True,
        dtype=np.float32,
        token_pattern=r"(?u)\b\w[\w']*\b",  # noqa: S106 - a regex, not a password
    ).fit(CORPUS)


def _char() -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, dtype=np.float32
    ).fit(CORPUS)


@pytest.mark.parametrize("make", [_word, _char], ids=["word", "char_wb"])
def test_tfidf_matches_scikit_learn(make):
    fitted = make()
    ours = TfidfFeatures.from_sklearn(fitted).transform(CORPUS + UNSEEN)
    theirs = fitted.transform(CORPUS + UNSEEN)
    assert ours.shape == theirs.shape
    assert np.array_equal(ours.indptr, theirs.indptr)
    assert np.array_equal(ours.indices, theirs.indices)
    np.testing.assert_allclose(ours.data, theirs.data, rtol=1e-6)
    # The empty and whitespace-only turns have no features at all.
    assert ours[len(CORPUS) + 1].nnz == 0 and ours[-1].nnz == 0


def test_char_ngrams_worked_out_once_per_word_still_match_scikit_learn():
    # Every word of the repeated corpus is read from the call's memo the second time.
    fitted = _char()
    texts = CORPUS + UNSEEN + CORPUS
    ours = TfidfFeatures.from_sklearn(fitted).transform(texts)
    np.testing.assert_allclose(ours.toarray(), fitted.transform(texts).toarray(), rtol=1e-6)


def test_nothing_of_the_text_outlives_a_transform_call():
    features = TfidfFeatures.from_sklearn(_char())
    before = dict(vars(features))
    features.transform(["A name like Zebedee should not stay in memory."])
    assert vars(features).keys() == before.keys()
    assert "zebedee" not in repr(vars(features))


def test_word_ngrams_without_unigrams_match_scikit_learn():
    fitted = TfidfVectorizer(ngram_range=(2, 2), sublinear_tf=False).fit(CORPUS)
    ours = TfidfFeatures.from_sklearn(fitted).transform(UNSEEN + CORPUS)
    np.testing.assert_allclose(
        ours.toarray(), fitted.transform(UNSEEN + CORPUS).toarray(), rtol=1e-6
    )


def test_settings_it_cannot_reproduce_are_refused():
    fitted = TfidfVectorizer(stop_words="english").fit(CORPUS)
    with pytest.raises(ValueError, match="stop_words"):
        TfidfFeatures.from_sklearn(fitted)


def test_tfidf_survives_pickling():
    features = TfidfFeatures.from_sklearn(_word())
    copy = pickle.loads(pickle.dumps(features))  # noqa: S301 - our own bytes
    np.testing.assert_array_equal(
        copy.transform(UNSEEN).toarray(), features.transform(UNSEEN).toarray()
    )


@pytest.mark.parametrize("labels", [["open", "closed"], ["change", "neutral", "sustain"]])
def test_classifier_matches_scikit_learn(labels):
    features = _word().transform(CORPUS)
    y = [labels[i % len(labels)] for i in range(len(CORPUS))]
    fitted = LogisticRegression(C=4.0, max_iter=1000).fit(features, y)
    ours = LinearClassifier.from_sklearn(fitted)
    assert list(ours.classes_) == list(fitted.classes_)
    np.testing.assert_allclose(
        ours.predict_proba(features), fitted.predict_proba(features), rtol=1e-6, atol=1e-7
    )


def test_loading_the_shipped_coder_does_not_import_scikit_learn():
    # Importing scikit-learn costs over a second: loading the coder must not pay it.
    code = (
        "import sys; from rapport.transcripts.coding import load_coder; load_coder(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'torch')))"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
