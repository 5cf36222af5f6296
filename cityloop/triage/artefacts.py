"""Turning a fitted classifier into bytes for its row and back, checked by its SHA-256.

Loading unpickles: only artefacts this project wrote into its own database are ever loaded (the hash
guards against a damaged row, not against someone who can write the database, who can do worse).
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

import joblib

from .learn import TextClassifier


class ArtefactError(RuntimeError):
    """A stored model that cannot be loaded (damaged, or written by an incompatible version)."""


def dumps(classifier: TextClassifier) -> tuple[bytes, str]:
    """The compressed artefact and its SHA-256."""
    out = io.BytesIO()
    joblib.dump(classifier, out, compress=3)
    data = out.getvalue()
    return data, hashlib.sha256(data).hexdigest()


def loads(data: bytes | memoryview, sha256: str) -> TextClassifier:
    """The classifier an artefact holds."""
    raw = bytes(data)
    if hashlib.sha256(raw).hexdigest() != sha256:
        raise ArtefactError("the stored model's bytes do not match their hash: train it again")
    try:
        found: Any = joblib.load(io.BytesIO(raw))
    except Exception as exc:  # an old or foreign pickle: say so rather than fail obscurely
        raise ArtefactError(f"the stored model cannot be loaded ({exc}): train it again") from exc
    if not isinstance(found, TextClassifier):
        raise ArtefactError("the stored artefact is not a text classifier")
    return found


def library_versions() -> dict[str, str]:
    """The versions of the libraries a pickle depends on, kept with the row."""
    import jieba
    import sklearn

    return {
        "scikit-learn": sklearn.__version__,
        "jieba": str(jieba.__version__),
        "joblib": joblib.__version__,
    }
