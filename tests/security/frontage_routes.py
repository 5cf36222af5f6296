"""Who may call the routes of frontage in the case loop, credit, groups and analysis (issue 24 B)."""

from __future__ import annotations

from cityloop.frontage.models import CreditListing, SelfCorrection, SelfDisciplineGroup

from .routes import PRIVATE, Route, photo_file

A = "/api/v1"
SHOP = "shop_a"  # party A's own account
OTHER_SHOP = "shop_b"  # another party's account (street B)
CORRECTION = "{w.correction_a.pk}"
MARK = "correction-a"


def _state(w):  # type: ignore[no-untyped-def]
    return SelfCorrection.objects.get(pk=w.correction_a.pk).state


def _members(w):  # type: ignore[no-untyped-def]
    return list(w.group_a.memberships.filter(left_on__isnull=True).values_list("party_id", flat=True))


FRONTAGE_API_ROUTES: list[Route] = [
    Route(
        "/api/v1/frontage/me/cases",
        PRIVATE,
        f"{A}/frontage/me/cases",
        inside=SHOP,
        outside=OTHER_SHOP,
        scope="list",
        marker=MARK,
        needs=("correction_a",),
    ),
    Route(
        "/api/v1/frontage/me/cases/{correction_id}",
        PRIVATE,
        f"{A}/frontage/me/cases/{CORRECTION}",
        inside=SHOP,
        outside=OTHER_SHOP,
        marker=MARK,
    ),
    Route(
        "/api/v1/frontage/me/cases/{correction_id}/fixed",
        PRIVATE,
        f"{A}/frontage/me/cases/{CORRECTION}/fixed",
        method="POST",
        body=lambda w: {"photo": photo_file(), "note": "已清理"},
        multipart=True,
        inside=SHOP,
        outside=OTHER_SHOP,
        state=_state,
    ),
    Route(
        "/api/v1/frontage/me/cases/{correction_id}/declined",
        PRIVATE,
        f"{A}/frontage/me/cases/{CORRECTION}/declined",
        method="POST",
        body=lambda w: {"reason": "不是我店的"},
        inside=SHOP,
        outside=OTHER_SHOP,
        state=_state,
    ),
    Route(
        "/api/v1/frontage/credit",
        PRIVATE,
        f"{A}/frontage/credit?month={{w.credit_month}}",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="{w.party_a.uscc}",
        needs=("credit_a",),
    ),
    Route(
        "/api/v1/frontage/credit/{uscc}",
        PRIVATE,
        f"{A}/frontage/credit/{{w.party_a.uscc}}",
        inside="street_a_manager",
        outside="street_b_manager",
        marker="{w.credit_month}",
        needs=("credit_a",),
    ),
    Route(
        "/api/v1/frontage/credit/recompute",
        PRIVATE,
        f"{A}/frontage/credit/recompute",
        method="POST",
        body=lambda w: {"month": w.credit_month},
        inside="admin",
        outside="admin_b",
        needs=("party_a",),
    ),
    Route(
        "/api/v1/frontage/lists",
        PRIVATE,
        f"{A}/frontage/lists",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="{w.party_a.uscc}",
        needs=("listing_a",),
    ),
    Route(
        "/api/v1/frontage/lists/{listing_id}/lift",
        PRIVATE,
        f"{A}/frontage/lists/{{w.listing_a.pk}}/lift",
        method="POST",
        body=lambda w: {"reason": "复查合格，信用修复"},
        inside="street_a_manager",
        outside="street_b_manager",
        state=lambda w: CreditListing.objects.get(pk=w.listing_a.pk).until,
    ),
    Route(
        "/api/v1/frontage/groups",
        PRIVATE,
        f"{A}/frontage/groups",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="group-a",
        needs=("group_a",),
    ),
    Route(
        "/api/v1/frontage/groups",
        PRIVATE,
        f"{A}/frontage/groups",
        method="POST",
        label="create",
        body=lambda w: {"street": w.org.street_a.code, "name": "东街第二联盟"},
        inside="street_a_manager",
        outside="street_b_manager",
        ok=(201,),
        state=lambda w: SelfDisciplineGroup.objects.count(),
    ),
    Route(
        "/api/v1/frontage/groups/{group_id}",
        PRIVATE,
        f"{A}/frontage/groups/{{w.group_a.pk}}",
        inside="street_a_manager",
        outside="street_b_manager",
        marker="group-a",
    ),
    Route(
        "/api/v1/frontage/groups/{group_id}/members",
        PRIVATE,
        f"{A}/frontage/groups/{{w.group_a.pk}}/members",
        method="POST",
        body=lambda w: {"party": w.party_other.uscc},
        inside="street_a_manager",
        outside="street_b_manager",
        state=_members,
    ),
    Route(
        "/api/v1/frontage/groups/{group_id}/leave",
        PRIVATE,
        f"{A}/frontage/groups/{{w.group_a.pk}}/leave",
        method="POST",
        body=lambda w: {"party": w.party_a.uscc},
        inside="street_a_manager",
        outside="street_b_manager",
        state=_members,
    ),
    Route(
        "/api/v1/frontage/groups/{group_id}/leader",
        PRIVATE,
        f"{A}/frontage/groups/{{w.group_a.pk}}/leader",
        method="POST",
        body=lambda w: {"party": w.party_a.uscc},
        inside="street_a_manager",
        outside="street_b_manager",
        state=lambda w: SelfDisciplineGroup.objects.get(pk=w.group_a.pk).leader_id,
    ),
    Route(
        "/api/v1/frontage/analysis",
        PRIVATE,
        f"{A}/frontage/analysis",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="{w.party_a.uscc}",
        needs=("correction_a",),
    ),
]

FRONTAGE_PAGE_ROUTES: list[Route] = [
    Route(
        "frontage/credit/",
        PRIVATE,
        "/frontage/credit/?month={w.credit_month}",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="东街面馆 party-a",
        needs=("credit_a",),
    ),
    Route(
        "frontage/credit/lists/<int:pk>/lift",
        PRIVATE,
        "/frontage/credit/lists/{w.listing_a.pk}/lift",
        method="POST",
        body=lambda w: {"reason": "复查合格"},
        inside="street_a_manager",
        outside="street_b_manager",
        ok=(302,),
        state=lambda w: CreditListing.objects.get(pk=w.listing_a.pk).until,
    ),
    Route(
        "frontage/overview/",
        PRIVATE,
        "/frontage/overview/",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="东街面馆 party-a",
        needs=("correction_a",),
    ),
    Route(
        "frontage/me/cases/",
        PRIVATE,
        "/frontage/me/cases/",
        inside=SHOP,
        outside=OTHER_SHOP,
        scope="list",
        marker=MARK,
        needs=("correction_a",),
    ),
    Route(
        "frontage/me/cases/<int:pk>/",
        PRIVATE,
        f"/frontage/me/cases/{CORRECTION}/",
        inside=SHOP,
        outside=OTHER_SHOP,
        marker=MARK,
    ),
    Route(
        "frontage/me/cases/<int:pk>/fixed",
        PRIVATE,
        f"/frontage/me/cases/{CORRECTION}/fixed",
        method="POST",
        body=lambda w: {"photo": photo_file(), "note": "已清理"},
        inside=SHOP,
        outside=OTHER_SHOP,
        ok=(302,),
        state=_state,
    ),
    Route(
        "frontage/me/cases/<int:pk>/declined",
        PRIVATE,
        f"/frontage/me/cases/{CORRECTION}/declined",
        method="POST",
        body=lambda w: {"reason": "不是我店的"},
        inside=SHOP,
        outside=OTHER_SHOP,
        ok=(302,),
        state=_state,
    ),
    Route(
        "frontage/me/cases/<int:pk>/photo",
        PRIVATE,
        "/frontage/me/cases/{w.fixed_a.pk}/photo",
        inside=SHOP,
        outside=OTHER_SHOP,
    ),
]
