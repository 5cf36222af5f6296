"""Public participation (公众参与): citizens known by a verified phone, their points and area alerts,
volunteers and citizen representatives with their activities and visits, suggestions, and the
monthly satisfaction surveys. A registry: it reads nothing above itself; what it learns about cases
arrives through signals on commit (see ``receivers``)."""

from .citizens import (
    AlertEvent,
    AlertSubscription,
    Citizen,
    CitySetting,
    PointAward,
    PointRule,
    Verification,
)
from .surveys import Question, Survey, SurveyResponse
from .volunteering import (
    Activity,
    CleanupPhoto,
    CleanupRecord,
    Finding,
    Signup,
    Suggestion,
    SupervisionVisit,
    Volunteer,
)

__all__ = [
    "Activity",
    "AlertEvent",
    "AlertSubscription",
    "Citizen",
    "CitySetting",
    "CleanupPhoto",
    "CleanupRecord",
    "Finding",
    "PointAward",
    "PointRule",
    "Question",
    "Signup",
    "Suggestion",
    "SupervisionVisit",
    "Survey",
    "SurveyResponse",
    "Verification",
    "Volunteer",
]
