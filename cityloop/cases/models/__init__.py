"""The case app's models: the case and what identifies it (:mod:`.case`), its steps, timeline and
attachments (:mod:`.timeline`). Everything stays importable from ``cityloop.cases.models``."""

from __future__ import annotations

from .case import AppealNature, Case, CaseSequence, CaseText, Channel, IdempotencyKey
from .timeline import Attachment, CaseEvent, CaseStep

__all__ = [
    "AppealNature",
    "Attachment",
    "Case",
    "CaseEvent",
    "CaseSequence",
    "CaseStep",
    "CaseText",
    "Channel",
    "IdempotencyKey",
]
