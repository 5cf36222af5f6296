"""deploy/ agrees with itself and with CityLoop: the environment file's paths are the ones the nginx
site and the systemd units use, every variable it sets is one CityLoop reads, and nginx lets through
the largest form CityLoop accepts."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from cityloop.cases.uploads import max_upload_bytes
from cityloop.web.action_forms import MAX_PHOTOS

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / "cityloop.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs[name] = value
    return pairs


def test_every_variable_of_the_env_file_is_read_by_cityloop():
    sources = "".join(p.read_text() for p in (ROOT / "cityloop").rglob("*.py"))
    for name in env_example():
        assert f'"{name}"' in sources, f"{name} is in cityloop.env.example but CityLoop never reads it"


def test_the_nginx_site_serves_the_env_files_folders():
    env = env_example()
    site = (DEPLOY / "nginx" / "cityloop.conf").read_text()
    protected = re.search(r"location (\S+) \{\s*internal;\s*alias (\S+);", site)
    assert protected is not None, "no internal location for the uploaded files"
    assert protected.group(1) == env["CITYLOOP_PROTECTED_MEDIA"]
    assert protected.group(2).rstrip("/") == env["MEDIA_ROOT"].rstrip("/")
    static = re.search(r"location /static/ \{\s*alias (\S+);", site)
    assert static is not None and static.group(1) == env["CITYLOOP_VAR_DIR"].rstrip("/") + "/static/"
    assert settings.STATIC_URL == "/static/"
    assert f"server {env['CITYLOOP_BIND']};" in site  # the one-server upstream is gunicorn's address


def test_nginx_takes_the_largest_form_cityloop_accepts():
    site = (DEPLOY / "nginx" / "cityloop.conf").read_text()
    size = re.search(r"client_max_body_size (\d+)m;", site)
    assert size is not None
    largest = MAX_PHOTOS * max_upload_bytes() + (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
    assert int(size.group(1)) * 1024 * 1024 >= largest


def test_the_units_read_the_env_file_and_write_only_in_the_var_folder():
    var = env_example()["CITYLOOP_VAR_DIR"]
    for name in ("cityloop-web.service", "cityloop-worker.service", "cityloop-backup.service"):
        unit = (DEPLOY / name).read_text()
        assert "EnvironmentFile=/etc/cityloop/cityloop.env" in unit, name
        assert "User=cityloop" in unit, name
    for name in ("cityloop-web.service", "cityloop-worker.service"):
        unit = (DEPLOY / name).read_text()
        assert "ProtectSystem=strict" in unit and f"ReadWritePaths={var}" in unit, name
        assert "NoNewPrivileges=yes" in unit and "Restart=on-failure" in unit, name
    assert "gunicorn -c python:cityloop.gunicorn_conf" in (DEPLOY / "cityloop-web.service").read_text()
