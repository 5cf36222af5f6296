"""What the video API modules share: the signed-in user and a refused workflow step as an API error."""

from django.http import HttpRequest

from cityloop.cases.engine import TransitionError
from cityloop.core.models import User

from .errors import ApiError


def video_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def refused(exc: TransitionError) -> ApiError:
    return ApiError(exc.status, exc.message, **exc.details)
