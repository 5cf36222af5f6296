"""The deployment test's two halves (.ci/deploy-test runs them):

``nginx-conf OUT --work DIR --port N --app-port N --static DIR --media DIR``
    writes an nginx configuration for loopback from deploy/nginx/cityloop.conf: its upstream and the
    part between "BEGIN locations" and "END locations" as they stand, inside a plain-HTTP server on
    127.0.0.1 with the temporary folders of DIR. Only the paths and ports change; nginx tells
    gunicorn the request came over HTTPS, as the TLS server block would, so the production profile
    (HTTPS redirect, secure cookies) runs unchanged.

``check BASE --static DIR --media DIR --photo JSON --token T``
    checks the console, a static file, sign-in and a protected photo through nginx.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "cityloop.conf"
PASSWORD = "cityloop-demo"  # every demo user's (docs/demo.md)


def replace_once(text: str, old: str, new: str) -> str:
    """``old`` replaced by ``new``; the site file must still hold ``old`` (else the test is stale)."""
    if old not in text:
        raise SystemExit(f"deploy/nginx/cityloop.conf no longer holds {old!r}: update .ci/deploy_check.py")
    return text.replace(old, new)


def nginx_conf(args: argparse.Namespace) -> None:
    site = SITE.read_text()
    upstream = re.search(r"^upstream cityloop_app \{.*?^\}", site, re.S | re.M)
    locations = re.search(r"# --- BEGIN locations.*?# --- END locations ---", site, re.S)
    if upstream is None or locations is None:
        raise SystemExit("deploy/nginx/cityloop.conf: no upstream cityloop_app or no BEGIN/END locations")
    up = replace_once(upstream.group(0), "server 127.0.0.1:8000;", f"server 127.0.0.1:{args.app_port};")
    body = locations.group(0)
    body = replace_once(body, "alias /var/lib/cityloop/static/;", f"alias {args.static.rstrip('/')}/;")
    body = replace_once(body, "alias /var/lib/cityloop/media/;", f"alias {args.media.rstrip('/')}/;")
    body = replace_once(body, "X-Forwarded-Proto $scheme;", "X-Forwarded-Proto https;")
    work = Path(args.work)
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = "\n".join(f"    {kind}_temp_path {work}/{kind};" for kind in kinds)
    # Run as root (CI), nginx would hand its workers to "nobody", who cannot read the temporary folders.
    user = "user root;\n" if args.root else ""
    Path(args.out).write_text(
        f"""daemon off;
{user}worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {work}/access.log;
{temp}
    {up}
    server {{
        listen 127.0.0.1:{args.port};
        server_name 127.0.0.1;
        {body}
    }}
}}
"""
    )


class Browser:
    """A client keeping cookies, as a browser would, over plain HTTP to nginx (Secure cookies too:
    nginx stands in for the TLS front)."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        # What a browser sends through the TLS front on 443 (nginx passes "Host $host", no port).
        self.origin = f"https://{self.host}"
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read()
        for raw in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(raw).items():
                self.cookies[name] = morsel.value
        conn.close()
        return response.status, response.headers, data

    def get(self, path: str, **headers: str) -> tuple[int, http.client.HTTPMessage, bytes]:
        return self.request("GET", path, headers=headers)


def expect(ok: bool, what: str) -> None:
    if not ok:
        raise SystemExit(f"FAIL: {what}")
    print(f"ok   {what}")


def check(args: argparse.Namespace) -> None:
    photo = json.loads(args.photo)
    user = Browser(args.base)

    # The console's login page, in Chinese, from gunicorn through nginx.
    status, headers, page = user.get("/login/")
    text = page.decode()
    expect(status == 200 and "登录" in text and "用户名" in text, "the login page answers 200 in Chinese")
    expect(headers.get("Strict-Transport-Security") is not None, "the production profile is on (HSTS)")
    expect("X-Served-By" not in headers, "pages come from the application, not nginx's static files")

    # A stylesheet it links, sent by nginx from STATIC_ROOT.
    css = re.search(r'href="(/static/[^"]+\.css)"', text)
    expect(css is not None, "the login page links a stylesheet")
    assert css is not None
    status, headers, data = user.get(css.group(1))
    on_disk = (Path(args.static) / css.group(1).removeprefix("/static/")).read_bytes()
    expect(
        status == 200 and headers.get("X-Served-By") == "nginx-static" and data == on_disk,
        f"{css.group(1)} is served by nginx from STATIC_ROOT",
    )
    expect(headers.get("Content-Type", "").startswith("text/css"), "the stylesheet is text/css")
    _, headers, _ = user.get(css.group(1), **{"Accept-Encoding": "gzip"})
    expect(headers.get("Content-Encoding") == "gzip", "nginx compresses it for a client that accepts gzip")

    # The photo's URLs refuse a stranger before anyone signs in.
    console_url, direct_url = f"/attachments/{photo['pk']}/", f"/protected-media/{photo['name']}"
    stranger = Browser(args.base)
    status, headers, data = stranger.get(console_url)
    expect(
        status == 302 and "/login/" in headers.get("Location", ""),
        "an anonymous visitor is sent to the login page, not to the photo",
    )
    expect("X-Accel-Redirect" not in headers, "nginx does not pass X-Accel-Redirect on to a client")
    status, _, _ = stranger.get(direct_url)
    expect(status == 404, "the internal location cannot be fetched directly (404)")
    status, _, _ = stranger.get(f"/media/{photo['name']}")
    expect(status == 404, "MEDIA_ROOT has no public URL (404)")
    status, _, _ = stranger.get(f"/api/v1/attachments/{photo['pk']}")
    expect(status == 401, "the API refuses the photo without a token (401)")

    # Sign in as the form does: the CSRF cookie and field, then the post.
    status, _, page = user.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.decode())
    expect(token is not None and "csrftoken" in user.cookies, "the login form carries a CSRF token")
    assert token is not None
    fields = {"csrfmiddlewaretoken": token.group(1), "username": args.user, "password": PASSWORD}
    form = urlencode(fields)
    status, headers, _ = user.request(
        "POST",
        "/login/",
        body=form.encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": user.origin,
            "Referer": f"{user.origin}/login/",
        },
    )
    expect(status == 302 and "sessionid" in user.cookies, f"{args.user} signs in (302 and a session)")

    # The case page links the photo; the photo comes from nginx, byte for byte.
    status, _, page = user.get(f"/cases/{photo['case']}/")
    expect(status == 200 and console_url in page.decode(), f"case {photo['case']}'s page shows the photo")
    status, headers, data = user.get(console_url)
    on_disk = (Path(args.media) / photo["name"]).read_bytes()
    expect(
        status == 200 and data == on_disk and headers.get("X-Served-By") == "nginx-protected-media",
        f"the photo comes through nginx's internal location ({len(data)} bytes, as stored)",
    )
    expect(headers.get("Content-Type") == photo["type"], f"with CityLoop's content type {photo['type']}")
    expect(headers.get("Cache-Control") == "private, max-age=3600", "and CityLoop's Cache-Control")
    expect("X-Accel-Redirect" not in headers, "and without the internal path")
    status, _, _ = user.get(direct_url)
    expect(status == 404, "the internal location stays closed to a signed-in user")

    # The citizen's tracking page shows the unit's result photo to anyone with the case's code.
    status, headers, data = stranger.get(f"/public/track/{photo['code']}/photos/{photo['pk']}/")
    expect(
        status == 200 and data == on_disk and headers.get("X-Served-By") == "nginx-protected-media",
        "the tracking page's photo comes through nginx for the case's own code",
    )
    status, headers, _ = stranger.get(f"/public/track/ZZZZZZZZ/photos/{photo['pk']}/")
    expect(status == 404 and "X-Served-By" not in headers, "and is not found through another code")

    # The API's download, with a token.
    api = Browser(args.base)
    bearer = f"Bearer {args.token}"
    status, headers, data = api.get(f"/api/v1/attachments/{photo['pk']}", Authorization=bearer)
    expect(
        status == 200 and data == on_disk and headers.get("X-Served-By") == "nginx-protected-media",
        "the API's download comes through nginx too",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    conf = sub.add_parser("nginx-conf")
    conf.add_argument("out")
    for name in ("--work", "--static", "--media"):
        conf.add_argument(name, required=True)
    conf.add_argument("--port", type=int, required=True)
    conf.add_argument("--app-port", type=int, required=True)
    conf.add_argument("--root", action="store_true")
    run = sub.add_parser("check")
    run.add_argument("base")
    for name in ("--static", "--media", "--photo", "--token", "--user"):
        run.add_argument(name, required=True)
    args = parser.parse_args()
    if args.command == "nginx-conf":
        nginx_conf(args)
    else:
        check(args)


if __name__ == "__main__":
    main()
