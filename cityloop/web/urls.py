"""The console's addresses, grouped by the people they serve."""

from importlib.util import find_spec

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path

from . import (
    analytics,
    analytics_work,
    case_page,
    dashboard,
    lookups,
    maps,
    mobile,
    public,
    queue,
    reports,
    tiles,
    units,
    views,
)
from .org import audit as org_audit
from .org import password as org_password
from .org import roster as org_roster
from .org import units as org_units
from .org import users as org_users
from .participation.urls import public_patterns as participation_patterns

app_name = "web"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("account/", views.account, name="account"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", org_password.change_password, name="password"),
    # administrators: the organisation, its people and the audit log
    path("org/", org_units.unit_list, name="org_units"),
    path("org/units/new/", org_units.unit_new, name="org_unit_new"),
    path("org/units/<int:pk>/", org_units.unit_detail, name="org_unit"),
    path("org/users/", org_users.user_list, name="org_users"),
    path("org/users/new/", org_users.user_new, name="org_user_new"),
    path("org/users/<int:pk>/", org_users.user_detail, name="org_user"),
    path("org/roster/", org_roster.roster, name="org_roster"),
    path("org/roster/export/", org_roster.roster_export, name="org_roster_export"),
    path("org/audit/", org_audit.audit_list, name="org_audit"),
    path("org/audit/<int:pk>/", org_audit.audit_entry, name="org_audit_entry"),
    # command centre
    path("cases/", queue.queue, name="queue"),
    path("cases/<int:pk>/", case_page.case_detail, name="case"),
    path("cases/<int:pk>/act/<str:name>/", case_page.case_act, name="case_act"),
    path("attachments/<int:pk>/", case_page.attachment_file, name="attachment"),
    path("report/hotline/", reports.hotline_report, name="hotline_report"),
    path("map/", maps.map_page, name="map"),
    path("map/grids.geojson", maps.grids_geojson, name="map_grids"),
    path("map/boundaries.geojson", maps.boundaries_geojson, name="map_boundaries"),
    path("map/roads.geojson", maps.roads_geojson, name="map_roads"),
    path("map/cases.json", maps.cases_json, name="map_cases"),
    path("tiles/<str:layer>/<int:z>/<int:x>/<int:y>.<str:ext>", tiles.tile, name="tile"),
    # look-ups used while filling in a report
    path("lookup/categories/", lookups.categories, name="lookup_categories"),
    path("lookup/places/", lookups.places, name="lookup_places"),
    path("lookup/where/", lookups.where, name="lookup_where"),
    path("lookup/nearest/", lookups.nearest, name="lookup_nearest"),
    path("lookup/suggest/", lookups.suggest, name="lookup_suggest"),
    # departments, companies and streets
    path("tasks/", units.unit_tasks, name="unit_tasks"),
    # supervisors on a phone
    path("m/", mobile.mobile_home, name="mobile_home"),
    path("m/report/", reports.field_report, name="mobile_report"),
    path("m/cases/<int:pk>/", mobile.mobile_case, name="mobile_case"),
    # leaders
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("analytics/", analytics.analytics_page, name="analytics"),
    path("analytics/backlog/", analytics_work.backlog_page, name="analytics_backlog"),
    path("analytics/disputes/", analytics_work.disputes_page, name="analytics_disputes"),
    path("analytics/trends/", analytics_work.trends_page, name="analytics_trends"),
    # citizens, without an account
    path("public/report/", public.report, name="public_report"),
    path("public/receipt/<str:code>/", public.receipt, name="public_receipt"),
    path("public/track/", public.track, name="public_track"),
    path("public/track/<str:code>/", public.track_case, name="public_track_case"),
    path("public/track/<str:code>/rate/", public.rate, name="public_rate"),
    path("public/track/<str:code>/photos/<int:pk>/", public.track_photo, name="public_track_photo"),
    path("public/map/<str:layer>.geojson", maps.public_layer, name="public_layer"),
    # 门前三包: the street's frontage officer
    path("frontage/", include("cityloop.web.frontage.urls")),
    # 三长一站 and 背街小巷: station heads, alley heads, the street's overview
    path("community/", include("cityloop.web.community.urls")),
    # public participation: the public map, citizens with a verified phone, and the staff pages
    *participation_patterns,
    # 视频巡查 and 物联感知: the video patrol operator's pages and the sensors' list
    path("", include("cityloop.web.video.urls")),
]

# The evaluation pages (monthly scores) live in their own package when it is installed.
if find_spec("cityloop.web.evaluation") is not None and find_spec("cityloop.web.evaluation.urls") is not None:
    urlpatterns.append(path("evaluation/", include("cityloop.web.evaluation.urls")))
