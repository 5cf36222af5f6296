"""The two feature sets a classifier may use, both over :func:`normalize.normalise`'d text.

``char``: character 1–3-grams, TF-IDF with sublinear term frequency. Chinese needs no segmenter for
these, and they survive typos and unknown words.

``word_char``: the same character n-grams beside jieba words and word bigrams (a second TF-IDF,
weighted in). Words add what a 3-character window cannot see: "井盖" and "丢失" as units, and word
pairs across a particle ("井盖 被 偷").

Everything a fitted pipeline refers to is a module-level name here, so a pickled model loads again.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from .normalize import DOOR, NUMBER, PHONE

METHODS = ("char", "word_char")
# Caps on the vocabulary (the most frequent n-grams are kept): the coefficient matrix is labels ×
# features, dense, in every server process and in the stored row.
MAX_CHAR_FEATURES = 100_000
MAX_WORD_FEATURES = 50_000
_PLACEHOLDERS = frozenset({DOOR, NUMBER, PHONE, " "})


@functools.cache
def _jieba() -> Any:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def words(text: str) -> list[str]:
    """jieba's words of a normalised text (its HMM off: new words are left to the n-grams), without
    spaces and placeholders."""
    return [w for w in _jieba().lcut(text, HMM=False) if w not in _PLACEHOLDERS and w.strip()]


def _char_vectorizer(min_df: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char",
        ngram_range=(1, 3),
        sublinear_tf=True,
        min_df=min_df,
        max_features=MAX_CHAR_FEATURES,
        lowercase=False,
        dtype=np.float32,
    )


def _word_vectorizer(min_df: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        tokenizer=words,
        token_pattern=None,
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=min_df,
        max_features=MAX_WORD_FEATURES,
        lowercase=False,
        dtype=np.float32,
    )


def vectorizer(method: str, rows: int) -> Any:
    """The unfitted feature extractor of ``method`` for a training set of ``rows`` texts (n-grams
    seen only once are dropped from large sets: they are mostly names and typos)."""
    min_df = 2 if rows >= 20_000 else 1
    if method == "char":
        return _char_vectorizer(min_df)
    if method == "word_char":
        return FeatureUnion([("char", _char_vectorizer(min_df)), ("word", _word_vectorizer(min_df))])
    raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
