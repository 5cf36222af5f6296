"""CityLoop's own knobs (``CITYLOOP_*``), read from environment variables: rate limits of the public
and API endpoints, grid codes, traffic lights and the worker, webhooks and hotline delivery, video
snapshots, notification channels, public participation, routing and the console's map layers.

Imported by :mod:`cityloop.settings` (``DJANGO_SETTINGS_MODULE`` stays ``cityloop.settings``); the
knobs that name folders under ``var/`` (backups, audit heads) stay there beside the other paths.
"""

from __future__ import annotations

import os

# --- abuse: rate limits ------------------------------------------------------------------------------
# Each limit is "N/period" (s, m, h, d); empty turns it off. See cityloop/core/ratelimits.py.
CITYLOOP_RATELIMIT_REPORTS_PER_ADDRESS = os.environ.get("CITYLOOP_RATELIMIT_REPORTS_PER_ADDRESS", "30/m")
CITYLOOP_RATELIMIT_REPORTS_PER_PHONE = os.environ.get("CITYLOOP_RATELIMIT_REPORTS_PER_PHONE", "10/h")
# Requests per API token, unless the token has a limit of its own (cityloop token create --rate).
CITYLOOP_RATELIMIT_TOKEN = os.environ.get("CITYLOOP_RATELIMIT_TOKEN", "1200/m")
# Wrong proofs (phone digits) on the public tracking page, per case and per client address.
CITYLOOP_RATELIMIT_PROOF_FAILURES = os.environ.get("CITYLOOP_RATELIMIT_PROOF_FAILURES", "5/h")
# Tracking codes that named no case, per client address (someone guessing codes).
CITYLOOP_RATELIMIT_TRACK_MISSES = os.environ.get("CITYLOOP_RATELIMIT_TRACK_MISSES", "30/h")
# Category suggestions (POST /api/v1/intake/suggest) asked without an account, per client address:
# a citizen's page asks as its user types, so more than reports.
CITYLOOP_RATELIMIT_SUGGEST_PER_ADDRESS = os.environ.get("CITYLOOP_RATELIMIT_SUGGEST_PER_ADDRESS", "120/m")
# Behind a reverse proxy: the request header holding the client's address, as Django names it in
# request.META (e.g. HTTP_X_REAL_IP). Empty: the connection's own address (REMOTE_ADDR).
# Open311 (docs/open311.md): calls per client application's api_key, unless it has a limit of its own,
# and calls without a key per client address.
CITYLOOP_RATELIMIT_OPEN311_KEY = os.environ.get("CITYLOOP_RATELIMIT_OPEN311_KEY", "1200/m")
CITYLOOP_RATELIMIT_OPEN311_ADDRESS = os.environ.get("CITYLOOP_RATELIMIT_OPEN311_ADDRESS", "300/m")
# What Open311's discovery tells client developers: whom to ask, and how to get an api_key.
CITYLOOP_OPEN311_CONTACT = os.environ.get("CITYLOOP_OPEN311_CONTACT", "")
CITYLOOP_OPEN311_KEY_SERVICE = os.environ.get(
    "CITYLOOP_OPEN311_KEY_SERVICE", "Ask the city's CityLoop administrators for an api_key."
)
CITYLOOP_CLIENT_ADDRESS_HEADER = os.environ.get("CITYLOOP_CLIENT_ADDRESS_HEADER", "")

# --- CityLoop domain settings -------------------------------------------------------------------
# Width of the sequence part of a unit-grid code: 2 (CJ/T 213, 14 digits) or 3 (DB11, 15 digits).
CITYLOOP_GRID_SEQUENCE_WIDTH = int(os.environ.get("CITYLOOP_GRID_SEQUENCE_WIDTH", "3"))
# Overlap between two grids tolerated on import, in square metres (survey noise along shared edges).
CITYLOOP_GRID_OVERLAP_TOLERANCE_M2 = float(os.environ.get("CITYLOOP_GRID_OVERLAP_TOLERANCE_M2", "1.0"))

# --- timeclock / notify ---------------------------------------------------------------------------
# Traffic lights: yellow from this share of a step's limit used, red beyond this share.
CITYLOOP_LIGHT_YELLOW_AT = float(os.environ.get("CITYLOOP_LIGHT_YELLOW_AT", "0.8"))
CITYLOOP_LIGHT_RED_AT = float(os.environ.get("CITYLOOP_LIGHT_RED_AT", "1.0"))
# Warn (/healthz, admin, `cityloop calendar check`) when the holiday schedule is known fewer days ahead.
CITYLOOP_CALENDAR_WARN_DAYS = int(os.environ.get("CITYLOOP_CALENDAR_WARN_DAYS", "60"))
# How often `cityloop worker` sweeps timers and escalations (seconds).
CITYLOOP_SWEEP_INTERVAL_SECONDS = float(os.environ.get("CITYLOOP_SWEEP_INTERVAL_SECONDS", "60"))
# Webhooks: attempts before a delivery is marked failed, first retry delay (doubling each time, capped).
CITYLOOP_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("CITYLOOP_WEBHOOK_MAX_ATTEMPTS", "6"))
CITYLOOP_WEBHOOK_BACKOFF_SECONDS = float(os.environ.get("CITYLOOP_WEBHOOK_BACKOFF_SECONDS", "30"))
CITYLOOP_WEBHOOK_BACKOFF_MAX_SECONDS = float(os.environ.get("CITYLOOP_WEBHOOK_BACKOFF_MAX_SECONDS", "3600"))
CITYLOOP_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("CITYLOOP_WEBHOOK_TIMEOUT_SECONDS", "10"))
# Video patrol: how a frame is taken from a camera's snapshot address (a dotted path to
# ``fetch(url, timeout, max_bytes) -> bytes``; empty: plain HTTP) and how long to wait for it.
CITYLOOP_VIDEO_SNAPSHOT_FETCHER = os.environ.get("CITYLOOP_VIDEO_SNAPSHOT_FETCHER", "")
CITYLOOP_VIDEO_SNAPSHOT_TIMEOUT = float(os.environ.get("CITYLOOP_VIDEO_SNAPSHOT_TIMEOUT", "5"))
# After a secret is rotated, the previous one keeps signing beside it for this long.
CITYLOOP_WEBHOOK_SECRET_GRACE_HOURS = float(os.environ.get("CITYLOOP_WEBHOOK_SECRET_GRACE_HOURS", "24"))
# Hotline platforms (docs/hotline.md): a message to the hotline is retried this many times (with the
# webhook backoff, capped at an hour: about two days) before it is given up; photo links in results
# start with this address, and stay valid this many days.
CITYLOOP_HOTLINE_MAX_ATTEMPTS = int(os.environ.get("CITYLOOP_HOTLINE_MAX_ATTEMPTS", "60"))
CITYLOOP_HOTLINE_PUBLIC_URL = os.environ.get("CITYLOOP_HOTLINE_PUBLIC_URL", "http://127.0.0.1:8000")
CITYLOOP_HOTLINE_PHOTO_DAYS = int(os.environ.get("CITYLOOP_HOTLINE_PHOTO_DAYS", "30"))
# Per-user channels besides the in-app inbox: name → class implementing cityloop.notify.channels.Channel.
# Deployments replace the logging stand-ins with their SMS gateway and WeChat template-message client.
CITYLOOP_NOTIFY_CHANNELS = {
    "sms": "cityloop.notify.channels.LoggingChannel",
    "wechat": "cityloop.notify.channels.LoggingChannel",
}

# --- public participation (docs/participation.md) ---
# The address citizens' messages link to (alert batches, unsubscribe links).
CITYLOOP_PUBLIC_URL = os.environ.get("CITYLOOP_PUBLIC_URL", "http://127.0.0.1:8000")
# Area alerts: the largest area and circle a citizen may draw, and the quiet time between batches.
CITYLOOP_ALERT_MAX_AREA_KM2 = float(os.environ.get("CITYLOOP_ALERT_MAX_AREA_KM2", "25"))
CITYLOOP_ALERT_MAX_RADIUS_M = int(os.environ.get("CITYLOOP_ALERT_MAX_RADIUS_M", "3000"))
CITYLOOP_ALERT_BATCH_MINUTES = float(os.environ.get("CITYLOOP_ALERT_BATCH_MINUTES", "60"))
# The public map: decimals of longitude/latitude shown (4: about 10 m).
CITYLOOP_PUBLIC_MAP_DECIMALS = int(os.environ.get("CITYLOOP_PUBLIC_MAP_DECIMALS", "4"))
# Codes sent to phones and addresses, per client address and per phone or address.
CITYLOOP_RATELIMIT_CODES_PER_ADDRESS = os.environ.get("CITYLOOP_RATELIMIT_CODES_PER_ADDRESS", "20/h")
CITYLOOP_RATELIMIT_CODES_PER_TARGET = os.environ.get("CITYLOOP_RATELIMIT_CODES_PER_TARGET", "5/h")
# Citizens' writes (alerts, suggestions, sign-ups, survey answers) per client address.
CITYLOOP_RATELIMIT_CITIZEN_WRITES = os.environ.get("CITYLOOP_RATELIMIT_CITIZEN_WRITES", "60/h")

# --- routing ---
# Approved returns of one case after which it goes to arbitration (联席会议).
CITYLOOP_ROUTING_ARBITRATION_AFTER_RETURNS = int(
    os.environ.get("CITYLOOP_ROUTING_ARBITRATION_AFTER_RETURNS", "2")
)

# --- console ---
# Map tiles under the vector layers; empty (the default) draws grids, roads and boundaries only,
# for networks without internet. Example: https://tiles.example/{z}/{x}/{y}.png
CITYLOOP_MAP_TILE_URL = os.environ.get("CITYLOOP_MAP_TILE_URL", "")
# Base layers and overlays (XYZ, WMTS such as 天地图, or an MBTiles file served by CityLoop): JSON
# text or the path of a JSON file; see docs/maps.md. It replaces CITYLOOP_MAP_TILE_URL when set.
CITYLOOP_MAP_LAYERS = os.environ.get("CITYLOOP_MAP_LAYERS", "")
