"""What the video and sensor API modules share: the signed-in user, the city administrator, and a
refused workflow step as an API error."""

from django.http import HttpRequest

from cityloop.cases.engine import TransitionError
from cityloop.core.models import Membership, Role, UnitKind, User

from .errors import ApiError


def video_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def city_administrator(request: HttpRequest, refusal: str) -> User:
    """The signed-in user if an administrator of the city (its root unit): thresholds and policies
    are the whole city's. ``refusal`` is the 403's message for anyone else."""
    actor = video_user(request)
    city_admin = Membership.objects.active().filter(
        user_id=actor.pk, role=Role.ADMIN, unit__kind=UnitKind.CITY
    )
    if not actor.is_superuser and not city_admin.exists():
        raise ApiError(403, refusal)
    return actor


def refused(exc: TransitionError) -> ApiError:
    return ApiError(exc.status, exc.message, **exc.details)
