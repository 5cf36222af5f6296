"""The people of an administrator's area: find them, create an account, change their details and
roles, reset a password, deactivate an account."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from cityloop.core import accounts
from cityloop.core.actions import create_user, grant_role, revoke_role
from cityloop.core.areas import area_users
from cityloop.core.models import Membership, User
from cityloop.core.phones import check_phone

from .common import actor, admin_required, page_of, query_without_page, run
from .forms import GrantForm, UserEditForm, UserFilter, UserForm


@admin_required
def user_list(request: HttpRequest) -> HttpResponse:
    """The users with a role (now or before) in the area, with their roles today."""
    form = UserFilter(request.GET or None)
    qs = area_users(actor(request))
    status = "active"
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"] or "active"
        if data["q"]:
            q = data["q"]
            qs = qs.filter(Q(username__icontains=q) | Q(display_name__contains=q) | Q(phone__contains=q))
        held = Membership.objects.active()
        if data["unit"]:
            held = held.filter(unit__code=data["unit"])
        if data["role"]:
            held = held.filter(role=data["role"])
        if data["unit"] or data["role"]:
            qs = qs.filter(pk__in=held.values("user_id"))
    if status != "all":
        qs = qs.filter(is_active=status == "active")
    qs = qs.prefetch_related(
        Prefetch(
            "memberships", queryset=Membership.objects.active().select_related("unit"), to_attr="roles_now"
        )
    ).order_by("username")
    page = page_of(request, qs)
    context = {"form": form, "page": page, "query": query_without_page(request), "tab": "users"}
    return render(request, "web/org/users.html", context)


def area_user(request: HttpRequest, pk: int) -> User:
    user = area_users(actor(request)).filter(pk=pk).first()
    if user is None:
        raise Http404("no such user in your area")
    return user


@never_cache
@admin_required
def user_new(request: HttpRequest) -> HttpResponse:
    """Create an account with a role; its temporary password is shown on this answer only."""
    form = UserForm(request.POST or None, initial={"unit": request.GET.get("unit", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        password = accounts.temporary_password()

        def make() -> User:
            phone = check_phone(data["phone"]) if data["phone"] else ""
            return create_user(
                actor=actor(request),
                username=data["username"].strip(),
                password=password,
                display_name=data["display_name"].strip(),
                phone=phone,
                email=data["email"],
                roles=[(data["unit"], data["role"])],
                must_change_password=True,
            )

        user = run(form, make)
        if user is not None:
            context = {"shown": user, "password": password, "tab": "users"}
            return render(request, "web/org/password_shown.html", context)
    return render(request, "web/org/user_new.html", {"form": form, "tab": "users"})


@never_cache
@admin_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One user: details, roles (with their dates), password and account state."""
    user = area_user(request, pk)
    me = actor(request)
    what = request.POST.get("do", "")
    edit = UserEditForm(
        request.POST if what == "edit" else None,
        initial={"display_name": user.display_name, "phone": user.phone, "email": user.email},
    )
    grant = GrantForm(request.POST if what == "grant" else None, initial={"valid_from": timezone.localdate()})
    done = None
    if what == "edit" and edit.is_valid():
        done = run(edit, lambda: accounts.update_user(actor=me, user=user, **edit.cleaned_data))
    elif what == "grant" and grant.is_valid():
        data = grant.cleaned_data
        done = run(
            grant,
            lambda: grant_role(
                actor=me,
                user=user,
                unit=data["unit"],
                role=data["role"],
                valid_from=data["valid_from"] or timezone.localdate(),
            ),
        )
    elif what == "revoke":
        membership = Membership.objects.filter(user=user, pk=request.POST.get("membership") or 0).first()
        if membership is None:
            raise Http404("no such role")
        done = revoke_role(actor=me, membership=membership)
    elif what in ("reset", "reactivate"):
        if what == "reset":
            password = accounts.reset_password(actor=me, user=user)
        else:
            user, password = accounts.reactivate_user(actor=me, user=user)
        return render(
            request, "web/org/password_shown.html", {"shown": user, "password": password, "tab": "users"}
        )
    elif what == "deactivate":
        done = accounts.deactivate_user(actor=me, user=user)
    if done is not None:
        messages.success(request, _("Saved."))
        return redirect("web:org_user", pk=user.pk)
    roles = Membership.objects.filter(user=user).select_related("unit").order_by("-valid_from", "unit__path")
    today = timezone.localdate()
    context = {
        "shown": user,
        "roles": [(m, m.valid_on(today)) for m in roles[:200]],
        "edit": edit,
        "grant": grant,
        "tab": "users",
        "is_self": user.pk == me.pk,
    }
    return render(request, "web/org/user.html", context, status=400 if what and done is None else 200)
