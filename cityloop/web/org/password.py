"""Choosing one's own password: after an administrator's reset or a roster import (the console
sends the user here until they do, see ``web.middleware``), or whenever they wish."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from cityloop.core import accounts, sessions

from ..access import current_user
from .common import run
from .forms import PasswordForm


@never_cache
@login_required
def change_password(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        old_key = request.session.session_key
        done = run(
            form,
            lambda: accounts.change_password(
                actor=user, user=user, old_password=data["old_password"], new_password=data["new_password"]
            ),
        )
        if done is not None:
            # Stay signed in here: the session follows the new password (and gets a new key).
            update_session_auth_hash(request, user)
            sessions.remember(request, user, replacing=old_key)
            messages.success(request, _("Your password is changed."))
            target = request.GET.get("next", "")
            if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
                return redirect(target)
            return redirect("web:home")
    context = {"form": form, "forced": user.must_change_password}
    return render(request, "web/password.html", context, status=400 if form.errors else 200)
