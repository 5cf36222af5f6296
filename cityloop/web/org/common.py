"""What every organisation page shares: only administrators open them, and what an action refuses
comes back as the form's own errors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from cityloop.core.areas import is_admin
from cityloop.core.models import User
from cityloop.core.sheets import too_large

from ..access import current_user
from ..queue import CappedPaginator

F = TypeVar("F", bound=Callable[..., HttpResponse])
PAGE_SIZE = 50


def admin_required(view: F) -> F:
    """Signed in, and administering some part of the organisation (403 otherwise)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_admin(current_user(request)):
            raise PermissionDenied("this page is for administrators")
        return view(request, *args, **kwargs)

    return login_required(wrapper)  # type: ignore[return-value]


def actor(request: HttpRequest) -> User:
    return current_user(request)


def run(form: forms.Form, action: Callable[[], Any]) -> Any:
    """Run ``action``; a ValidationError it raises becomes the form's errors (on the field it names
    when the form has one), and None is returned."""
    try:
        return action()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                target = name if name in form.fields else None
                for error in errors:
                    form.add_error(target, error.messages)
        else:
            form.add_error(None, exc.messages)
        return None


def import_upload(
    form: forms.Form, request: HttpRequest, importer: Callable[..., Any], max_bytes: int
) -> Any:
    """Run a sheet ``importer`` (``actor``, ``content``, ``filename``, ``dry_run``) on the valid
    form's ``file`` and ``dry_run``: a file over ``max_bytes`` or a sheet it refuses becomes the
    form's errors, and None is returned."""
    upload = form.cleaned_data["file"]
    if upload.size > max_bytes:
        form.add_error("file", too_large(max_bytes))
        return None
    content = upload.read()
    return run(
        form,
        lambda: importer(
            actor=actor(request),
            content=content,
            filename=upload.name or "",
            dry_run=form.cleaned_data["dry_run"],
        ),
    )


def page_of(request: HttpRequest, qs: QuerySet[Any], size: int = PAGE_SIZE) -> Page:
    """One page of ``qs`` (counted up to the console's cap)."""
    paginator = CappedPaginator(qs, size)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The list's filters, to carry into the pager's links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
