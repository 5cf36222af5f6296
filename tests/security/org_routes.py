"""The organisation administration's routes (console ``/org/`` and ``/account/password/``, the org
API's writes), each with who may call it: see ``routes.py``. Street A's administrator (``admin_a``)
is the insider, street B's (``admin_b``) the outsider. Creating (a unit, an account, a roster) names
no existing object: a parent or unit outside the area is a field error there, tested in
tests/web/test_org_console.py and tests/core/test_api_org_admin.py."""

from __future__ import annotations

from cityloop.core.models import Membership, Unit, User

from .routes import PRIVATE, Route

CREATES = "creates a new row; a parent or unit outside the area is a field error (tests/core, tests/web)"
OWN = "the caller's own password: there is no one else's to reach"
BLANK = "a blank form: there is no object to be outside of"
UNIT_A = "{w.org.community_a.pk}"
USER_A = "{w.supervisor_a.pk}"
A = "/api/v1/org"


def name_of_unit(w):  # type: ignore[no-untyped-def]
    return w.field(Unit, w.org.community_a.pk, "name")


def user_field(name: str):  # type: ignore[no-untyped-def]
    return lambda w: w.field(User, w.supervisor_a.pk, name)


def unit_field(name: str):  # type: ignore[no-untyped-def]
    return lambda w: w.field(Unit, w.org.community_a.pk, name)


def roles_of_a(w):  # type: ignore[no-untyped-def]
    return Membership.objects.filter(user=w.supervisor_a).count()


ORG_PAGE_ROUTES: list[Route] = [
    Route("account/password/", PRIVATE, "/account/password/", inside="street_a_manager", why=OWN),
    Route(
        "account/password/",
        PRIVATE,
        "/account/password/",
        method="POST",
        body=lambda w: {
            "old_password": "demo-pass-2026",
            "new_password": "Lake-2931-view",
            "new_password2": "Lake-2931-view",
        },
        inside="street_a_manager",
        why=OWN,
        ok=(302,),
        state=lambda w: w.field(User, w.user("street_a_manager").pk, "password"),
    ),
    Route(
        "org/",
        PRIVATE,
        "/org/",
        inside="admin_a",
        outside="admin_b",
        scope="list",
        marker="{w.org.community_a.code}",
    ),
    Route("org/units/new/", PRIVATE, "/org/units/new/", inside="admin_a", why=BLANK),
    Route(
        "org/units/new/",
        PRIVATE,
        "/org/units/new/",
        method="POST",
        body=lambda w: {
            "parent": w.org.community_a.code,
            "kind": "station",
            "code": "ST-SWEEP",
            "name": "东一站",
        },
        inside="admin_a",
        why=CREATES,
        ok=(302,),
        state=lambda w: Unit.objects.filter(code="ST-SWEEP").exists(),
    ),
    Route("org/units/<int:pk>/", PRIVATE, f"/org/units/{UNIT_A}/", inside="admin_a", outside="admin_b"),
    Route(
        "org/units/<int:pk>/",
        PRIVATE,
        f"/org/units/{UNIT_A}/",
        method="POST",
        label="edit",
        body=lambda w: {
            "do": "edit",
            "code": w.org.community_a.code,
            "name": "东一社区（改）",
            "name_en": "",
        },
        inside="admin_a",
        outside="admin_b",
        ok=(302,),
        state=unit_field("name"),
    ),
    Route(
        "org/units/<int:pk>/",
        PRIVATE,
        f"/org/units/{UNIT_A}/",
        method="POST",
        label="move",
        body=lambda w: {"do": "move", "parent": w.org.street_b.code},
        inside="admin",
        outside="admin_b",
        ok=(302,),
        state=unit_field("path"),
    ),
    Route(
        "org/units/<int:pk>/",
        PRIVATE,
        f"/org/units/{UNIT_A}/",
        method="POST",
        label="deactivate",
        body=lambda w: {"do": "deactivate", "confirm": "on"},
        inside="admin_a",
        outside="admin_b",
        ok=(302,),
        state=unit_field("valid_to"),
    ),
    Route(
        "org/users/",
        PRIVATE,
        "/org/users/",
        inside="admin_a",
        outside="admin_b",
        scope="list",
        marker="<code>supervisor_a</code>",
    ),
    Route("org/users/new/", PRIVATE, "/org/users/new/", inside="admin_a", why=BLANK),
    Route(
        "org/users/new/",
        PRIVATE,
        "/org/users/new/",
        method="POST",
        body=lambda w: {
            "username": "sweep_user",
            "display_name": "新人",
            "phone": "",
            "email": "",
            "unit": w.org.community_a.code,
            "role": "supervisor",
        },
        inside="admin_a",
        why=CREATES,
        state=lambda w: User.objects.filter(username="sweep_user").exists(),
    ),
    Route("org/users/<int:pk>/", PRIVATE, f"/org/users/{USER_A}/", inside="admin_a", outside="admin_b"),
    Route(
        "org/users/<int:pk>/",
        PRIVATE,
        f"/org/users/{USER_A}/",
        method="POST",
        label="edit",
        body=lambda w: {"do": "edit", "display_name": "东一监督员", "phone": "", "email": ""},
        inside="admin_a",
        outside="admin_b",
        ok=(302,),
        state=user_field("display_name"),
    ),
    Route(
        "org/users/<int:pk>/",
        PRIVATE,
        f"/org/users/{USER_A}/",
        method="POST",
        label="grant",
        body=lambda w: {"do": "grant", "unit": w.org.community_a.code, "role": "community_head"},
        inside="admin_a",
        outside="admin_b",
        ok=(302,),
        state=roles_of_a,
    ),
    Route(
        "org/users/<int:pk>/",
        PRIVATE,
        f"/org/users/{USER_A}/",
        method="POST",
        label="revoke",
        body=lambda w: {"do": "revoke", "membership": w.membership_a.pk},
        inside="admin_a",
        outside="admin_b",
        ok=(302,),
        state=lambda w: w.field(Membership, w.membership_a.pk, "valid_to"),
    ),
    Route(
        "org/users/<int:pk>/",
        PRIVATE,
        f"/org/users/{USER_A}/",
        method="POST",
        label="reset",
        body=lambda w: {"do": "reset"},
        inside="admin_a",
        outside="admin_b",
        state=user_field("password"),
    ),
    Route(
        "org/users/<int:pk>/",
        PRIVATE,
        f"/org/users/{USER_A}/",
        method="POST",
        label="deactivate",
        body=lambda w: {"do": "deactivate"},
        inside="admin_a",
        outside="admin_b",
        ok=(302,),
        state=user_field("is_active"),
    ),
    Route("org/roster/", PRIVATE, "/org/roster/", inside="admin_a", why=BLANK),
    Route(
        "org/roster/",
        PRIVATE,
        "/org/roster/",
        method="POST",
        body=lambda w: {"file": w.roster_file()},
        inside="admin_a",
        why=CREATES,
        state=lambda w: User.objects.filter(username="sweep_roster").exists(),
    ),
    Route(
        "org/roster/export/",
        PRIVATE,
        "/org/roster/export/",
        inside="admin_a",
        outside="admin_b",
        scope="list",
        marker="supervisor_a",
    ),
    Route(
        "org/audit/",
        PRIVATE,
        "/org/audit/",
        inside="admin_a",
        outside="admin_b",
        scope="list",
        marker="{w.org.community_a.code}",
        needs=("audit_a",),
    ),
    Route("org/audit/<int:pk>/", PRIVATE, "/org/audit/{w.audit_a.pk}/", inside="admin_a", outside="admin_b"),
]

ORG_API_ROUTES: list[Route] = [
    Route(
        "/api/v1/org/units",
        PRIVATE,
        f"{A}/units",
        method="POST",
        body=lambda w: {
            "code": "ST-API",
            "name": "东一站",
            "kind": "station",
            "parent": w.org.community_a.code,
        },
        inside="admin_a",
        why=CREATES,
        ok=(201,),
        state=lambda w: Unit.objects.filter(code="ST-API").exists(),
    ),
    Route(
        "/api/v1/org/units/{ref}",
        PRIVATE,
        f"{A}/units/{UNIT_A}",
        method="PATCH",
        body=lambda w: {"name": "东一社区（改）"},
        inside="admin_a",
        outside="admin_b",
        state=unit_field("name"),
    ),
    Route(
        "/api/v1/org/units/{ref}/move",
        PRIVATE,
        f"{A}/units/{UNIT_A}/move",
        method="POST",
        body=lambda w: {"parent": w.org.street_b.code},
        inside="admin",
        outside="admin_b",
        state=unit_field("path"),
    ),
    Route(
        "/api/v1/org/units/{ref}/deactivate",
        PRIVATE,
        f"{A}/units/{UNIT_A}/deactivate",
        method="POST",
        inside="admin_a",
        outside="admin_b",
        state=unit_field("valid_to"),
    ),
    Route(
        "/api/v1/org/users",
        PRIVATE,
        f"{A}/users",
        method="POST",
        body=lambda w: {
            "username": "sweep_api",
            "display_name": "新人",
            "unit": w.org.community_a.code,
            "role": "supervisor",
        },
        inside="admin_a",
        why=CREATES,
        ok=(201,),
        state=lambda w: User.objects.filter(username="sweep_api").exists(),
    ),
    Route(
        "/api/v1/org/users/{ref}",
        PRIVATE,
        f"{A}/users/{USER_A}",
        method="PATCH",
        body=lambda w: {"display_name": "东一监督员"},
        inside="admin_a",
        outside="admin_b",
        state=user_field("display_name"),
    ),
    Route(
        "/api/v1/org/users/{ref}/roles",
        PRIVATE,
        f"{A}/users/{USER_A}/roles",
        method="POST",
        body=lambda w: {"unit": w.org.community_a.code, "role": "community_head"},
        inside="admin_a",
        outside="admin_b",
        ok=(201,),
        state=roles_of_a,
    ),
    Route(
        "/api/v1/org/memberships/{membership_id}/end",
        PRIVATE,
        f"{A}/memberships/{{w.membership_a.pk}}/end",
        method="POST",
        inside="admin_a",
        outside="admin_b",
        state=lambda w: w.field(Membership, w.membership_a.pk, "valid_to"),
    ),
    Route(
        "/api/v1/org/users/{ref}/deactivate",
        PRIVATE,
        f"{A}/users/{USER_A}/deactivate",
        method="POST",
        inside="admin_a",
        outside="admin_b",
        state=user_field("is_active"),
    ),
    Route(
        "/api/v1/org/users/{ref}/reset-password",
        PRIVATE,
        f"{A}/users/{USER_A}/reset-password",
        method="POST",
        inside="admin_a",
        outside="admin_b",
        state=user_field("password"),
    ),
    Route(
        "/api/v1/org/roster",
        PRIVATE,
        f"{A}/roster",
        method="POST",
        multipart=True,
        body=lambda w: {"file": w.roster_file("sweep_api_roster")},
        inside="admin_a",
        why=CREATES,
        state=lambda w: User.objects.filter(username="sweep_api_roster").exists(),
    ),
    Route(
        "/api/v1/org/roster/export",
        PRIVATE,
        f"{A}/roster/export?format=csv",
        inside="admin_a",
        outside="admin_b",
        scope="list",
        marker="supervisor_a",
    ),
]
