"""Addresses of public participation: the public map and the citizen's pages under /public/, the
staff pages under /participation/ (names in the ``web`` namespace)."""

from django.urls import path

from . import citizen, public_map, staff, visits

public_patterns = [
    path("public/map/", public_map.map_page, name="public_map"),
    path("public/map/points.json", public_map.points, name="public_map_points"),
    path("public/map/list/", public_map.case_list, name="public_map_list"),
    path("public/map/cases/<str:number>/", public_map.case_page, name="public_map_case"),
    path("public/map/cases/<str:number>/photos/<int:pk>/", public_map.photo, name="public_map_photo"),
    path("public/alerts/", public_map.subscribe, name="public_alert_subscribe"),
    path("public/alerts/<str:token>/confirm/", public_map.confirm, name="public_alert_confirm"),
    path("public/alerts/<str:token>/cancel/", public_map.cancel, name="public_alert_cancel"),
    path("public/phone/", citizen.phone, name="citizen_phone"),
    path("public/me/", citizen.home, name="citizen_home"),
    path("public/activities/<int:pk>/signup/", citizen.signup, name="citizen_signup"),
    path("public/activities/<int:pk>/cleanup/", citizen.cleanup, name="citizen_cleanup"),
    path("public/suggestions/", citizen.suggestions, name="citizen_suggestions"),
    path("public/surveys/<int:pk>/", citizen.survey, name="citizen_survey"),
    path("public/leaderboard/", citizen.leaderboard, name="citizen_leaderboard"),
    path("public/visits/", visits.visits, name="citizen_visits"),
    path("participation/", staff.overview, name="participation"),
    path("participation/activities/<int:pk>/", staff.activity, name="participation_activity"),
    path("participation/surveys/<int:pk>/", staff.survey, name="participation_survey"),
    path("participation/cleanup-photos/<int:pk>/", staff.cleanup_photo, name="participation_photo"),
]
