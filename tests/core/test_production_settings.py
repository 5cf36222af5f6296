"""The production profile (CITYLOOP_ENV=production): safe defaults from the environment, a clean
``check --deploy``, refusals of unsafe settings, and the Content-Security-Policy on every page."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "cityloop.cli"]  # the `cityloop` command, wherever it is installed
# Variables of the profile: none may leak in from the shell that runs the tests.
PROFILE_VARS = re.compile(r"^(CITYLOOP_|SECRET_KEY$|DEBUG$|ALLOWED_HOSTS$|CSRF_TRUSTED_ORIGINS$)")
KEEP = {"CITYLOOP_TEST_SQLITE"}


def _env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not PROFILE_VARS.match(k) or k in KEEP}
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env |= {"PYTHONPATH": path, "CITYLOOP_VAR_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env |= overrides
    return env


def _production(tmp_path: Path, **overrides: str) -> dict[str, str]:
    profile = {
        "CITYLOOP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "CITYLOOP_ALLOWED_HOSTS": "city.example.cn",
    }
    return _env(tmp_path, **(profile | overrides))


_SHOW = """
import json
from cityloop import settings as s
names = {names!r}
print(json.dumps({{n: getattr(s, n, None) for n in names}}, default=str))
"""


def _settings(env: dict[str, str], *names: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _SHOW.format(names=names)], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def _refused(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "import cityloop.settings"], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode != 0
    return done.stderr


def test_check_deploy_is_clean_under_the_production_profile(tmp_path: Path) -> None:
    done = subprocess.run(
        [*CLI, "check", "--deploy", "--fail-level", "WARNING"],
        env=_production(tmp_path),
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert "WARNING" not in done.stdout + done.stderr


def test_check_deploy_does_complain_in_development(tmp_path: Path) -> None:
    # The check above is not vacuous: the development profile has HTTP cookies and no HSTS.
    done = subprocess.run(
        [*CLI, "check", "--deploy"], env=_env(tmp_path), capture_output=True, text=True, cwd=tmp_path
    )
    assert "security.W004" in done.stdout + done.stderr


def test_production_defaults_are_the_safe_ones(tmp_path: Path) -> None:
    got = _settings(
        _production(tmp_path),
        "DEBUG",
        "ALLOWED_HOSTS",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_REFERRER_POLICY",
        "X_FRAME_OPTIONS",
    )
    assert got == {
        "DEBUG": False,
        "ALLOWED_HOSTS": ["city.example.cn"],
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": None,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
    }
    assert not (tmp_path / "secret_key").exists()  # the key came from the environment


def test_each_can_be_changed_by_its_variable(tmp_path: Path) -> None:
    env = _production(
        tmp_path,
        CITYLOOP_ALLOWED_HOSTS="a.example.cn, b.example.cn",
        CITYLOOP_CSRF_TRUSTED_ORIGINS="https://a.example.cn",
        CITYLOOP_BEHIND_PROXY="1",
        CITYLOOP_SSL_REDIRECT="0",
        CITYLOOP_HSTS_SECONDS="600",
        CITYLOOP_HSTS_PRELOAD="false",
        CITYLOOP_MAP_TILE_URL="https://{s}.tiles.example.cn/{z}/{x}/{y}.png",
    )
    got = _settings(
        env,
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_PRELOAD",
        "CONTENT_SECURITY_POLICY",
    )
    assert got["ALLOWED_HOSTS"] == ["a.example.cn", "b.example.cn"]
    assert got["CSRF_TRUSTED_ORIGINS"] == ["https://a.example.cn"]
    assert got["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert got["SECURE_SSL_REDIRECT"] is False and got["SECURE_HSTS_SECONDS"] == 600
    assert got["SECURE_HSTS_PRELOAD"] is False
    # One origin per subdomain: a CSP wildcard would also admit every other host of the domain.
    img_src = got["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"]
    assert {"https://a.tiles.example.cn", "https://c.tiles.example.cn"} <= set(img_src)
    hosts = _settings(
        _production(tmp_path, CITYLOOP_MAP_TILE_HOSTS="https://t1.example.cn,https://t2.example.cn"),
        "CONTENT_SECURITY_POLICY",
    )["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"]
    assert "https://t1.example.cn" in hosts and "https://t2.example.cn" in hosts


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"SECRET_KEY": ""}, "needs SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-" + "x" * 50}, "too weak"),
        ({"SECRET_KEY": "short-key"}, "too weak"),
        ({"CITYLOOP_ALLOWED_HOSTS": ""}, "needs CITYLOOP_ALLOWED_HOSTS"),
        ({"DEBUG": "1"}, "unset it in production"),
        ({"CITYLOOP_ENV": "prod"}, "use development or production"),
    ],
)
def test_production_refuses_to_start_unsafe(tmp_path: Path, overrides: dict[str, str], reason: str) -> None:
    assert reason in _refused(_production(tmp_path, **overrides))


def test_development_stays_the_default(tmp_path: Path) -> None:
    names = ("CITYLOOP_ENV", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "ALLOWED_HOSTS")
    got = _settings(_env(tmp_path), *names)
    assert got == {
        "CITYLOOP_ENV": "development",
        "SECURE_SSL_REDIRECT": False,
        "SESSION_COOKIE_SECURE": False,
        "ALLOWED_HOSTS": ["127.0.0.1", "localhost"],
    }
    assert (tmp_path / "secret_key").exists()  # a laptop gets a key of its own


# --- Content-Security-Policy ------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_page_carries_a_csp_without_inline_code(client: Any) -> None:
    policy = client.get("/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe" not in policy


TEMPLATES = sorted(ROOT.glob("cityloop/*/templates/**/*.html"))
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style", re.I), "an inline <style>"),
    (re.compile(r"\sstyle=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on… event attribute"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    (re.compile(r"\shx-on", re.I), "an hx-on attribute (evaluated code)"),
    (re.compile(r"hx-trigger=\"[^\"]*\[", re.I), "an hx-trigger filter (evaluated code)"),
    (re.compile(r"hx-(vals|vars)=[\"']\s*js:", re.I), "hx-vals with js: (evaluated code)"),
]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "cityloop")))
def test_templates_hold_no_inline_code(template: Path) -> None:
    # json_script's data blocks are not code: the CSP does not apply to them.
    text = re.sub(r"\{\{[^}]*json_script[^}]*\}\}", "", template.read_text())
    text = re.sub(r"\{#[^\n]*?#\}|\{% comment %\}.*?\{% endcomment %\}", "", text, flags=re.S)
    assert not re.search(r"\{#[^\n]*\n", text), f"{template.name}: a {{# comment #}} spans lines (shown)"
    for pattern, what in INLINE:
        assert not pattern.search(text), f"{template.name} has {what}: move it to a static file"
