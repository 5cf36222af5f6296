"""Addresses of the frontage pages (门前三包), under /frontage/ (namespace ``web:frontage``)."""

from django.urls import path

from . import (
    checks,
    credit_views,
    groups,
    letter_template,
    letters,
    my,
    party_cases,
    peer_pages,
    upload,
    views,
)

app_name = "frontage"

urlpatterns = [
    path("", views.index, name="index"),
    path("zones.geojson", views.zones_geojson, name="zones"),
    path("parties/<str:uscc>/", views.party, name="party"),
    path("parties/<str:uscc>/account", views.party_account, name="party_account"),
    path("parties/<str:uscc>/account/password", views.party_password, name="party_password"),
    path("credit/", credit_views.credit, name="credit"),
    path("credit/lists/<int:pk>/lift", credit_views.lift, name="lift"),
    path("overview/", credit_views.overview, name="overview"),
    path("groups/", groups.groups, name="groups"),
    path("groups/new", groups.group_create, name="group_create"),
    path("groups/<int:pk>/members", groups.group_member, name="group_member"),
    # The party's own phone pages (its account, no role)
    path("me/cases/", party_cases.my_cases, name="my_cases"),
    path("me/cases/<int:pk>/", party_cases.my_case, name="my_case"),
    path("me/cases/<int:pk>/fixed", party_cases.my_case_fixed, name="my_case_fixed"),
    path("me/cases/<int:pk>/declined", party_cases.my_case_declined, name="my_case_declined"),
    path("me/cases/<int:pk>/photo", party_cases.my_case_photo, name="my_case_photo"),
    # The officer: letters, rounds, notices, import.
    path("letters/", letters.letters, name="letters"),
    path("letters/unsigned.csv", letters.unsigned_csv, name="letters_unsigned"),
    path("letters/<int:pk>/pdf", letters.letter_pdf, name="letter_pdf"),
    path("letters/template/", letter_template.letter_template, name="letter_template"),
    path("rounds/", checks.rounds, name="rounds"),
    path("rounds/<int:pk>/", checks.round_detail, name="round"),
    path("inspect/<str:uscc>/", checks.inspect, name="inspect"),
    path("inspections/<int:pk>/", checks.inspection, name="inspection"),
    path("inspections/<int:pk>/photos/<int:attachment_id>", checks.inspection_photo, name="inspection_photo"),
    path("notices/", checks.notices, name="notices"),
    path("notices/<str:number>/", checks.notice, name="notice"),
    path("notices/<str:number>/pdf", checks.notice_pdf, name="notice_pdf"),
    path("notices/<str:number>/photos/<int:attachment_id>", checks.notice_photo, name="notice_photo"),
    path("import/", upload.upload, name="import"),
    # The party's own phone pages (signed in with Party.account).
    path("my/", my.home, name="my"),
    path("my/peers/", peer_pages.peers, name="my_peers"),
    path("my/peers/<str:uscc>/", peer_pages.peer_inspection, name="my_peer_inspect"),
    path("my/letters/<int:pk>/", my.letter, name="my_letter"),
    path("my/letters/<int:pk>/pdf", my.letter_pdf, name="my_letter_pdf"),
    path("my/notices/<str:number>/", my.notice, name="my_notice"),
    path("my/notices/<str:number>/pdf", my.notice_pdf, name="my_notice_pdf"),
    path("my/notices/<str:number>/photos/<int:attachment_id>", my.notice_photo, name="my_notice_photo"),
]
