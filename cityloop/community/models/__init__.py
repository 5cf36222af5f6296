"""三长一站 and 背街小巷: the community's own loop and the back alleys' fixed posts."""

from .alleys import AlleyCheckIn, AlleyInspection, AlleySegment, AlleyWeighting, WorkloadBasis
from .loop import (
    CommunityLevelCategory,
    Post,
    PostKind,
    Professional,
    Station,
    Task,
    TaskEvent,
    TaskPhoto,
    TaskSource,
    TaskState,
    Trade,
)
from .meetings import ActionItem, Meeting, MeetingKind

__all__ = [
    "ActionItem",
    "AlleyCheckIn",
    "AlleyInspection",
    "AlleySegment",
    "AlleyWeighting",
    "CommunityLevelCategory",
    "Meeting",
    "MeetingKind",
    "Post",
    "PostKind",
    "Professional",
    "Station",
    "Task",
    "TaskEvent",
    "TaskPhoto",
    "TaskSource",
    "TaskState",
    "Trade",
    "WorkloadBasis",
]
