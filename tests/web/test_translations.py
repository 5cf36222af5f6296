"""Chinese by default, English on request, and a complete, compiled zh_Hans catalogue for the project."""

from __future__ import annotations

import ast
import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.test import Client

LOCALE = Path(settings.BASE_DIR) / "cityloop" / "locale" / "zh_Hans" / "LC_MESSAGES"


def _unquote(line: str) -> str:
    return str(ast.literal_eval(line))


def po_entries(path: Path) -> list[dict[str, object]]:
    """The catalogue's entries (msgid, msgid_plural, msgstr or msgstr[0], flags), obsolete ones left out."""
    entries: list[dict[str, object]] = []
    current: dict[str, object] = {}
    key = ""
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if "msgid" in current:
                entries.append(current)
            current, key = {}, ""
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            current["flags"] = [f.strip() for f in line[2:].split(",")]
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            current[key] = str(current[key]) + _unquote(line)
            continue
        name, _space, value = line.partition(" ")
        key = "msgstr" if name == "msgstr[0]" else name
        current[key] = _unquote(value)
    return entries


def test_every_message_of_the_project_has_a_chinese_translation():
    entries = [e for e in po_entries(LOCALE / "django.po") if e["msgid"]]
    assert len(entries) > 300
    untranslated = [e["msgid"] for e in entries if not e.get("msgstr")]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e.get("flags", [])]
    assert not untranslated, f"translate these in django.po: {untranslated[:10]}"
    assert not fuzzy, f"review these fuzzy translations: {fuzzy[:10]}"


def test_the_compiled_catalogue_matches_the_source():
    with open(LOCALE / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [
        e["msgid"]
        for e in po_entries(LOCALE / "django.po")
        if e["msgid"] and not e.get("msgid_plural") and compiled.gettext(str(e["msgid"])) != e["msgstr"]
    ]
    assert not stale, f"run `make messages` (compilemessages): {stale[:5]}"


def test_chinese_by_default_and_english_on_request(loop):
    client = Client()
    page = client.get("/login/").content.decode()
    assert 'lang="zh-hans"' in page and "登录" in page and "数字化城市管理" in page
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/public/report/"})
    assert switched.status_code == 302
    english = client.get("/public/report/").content.decode()
    assert 'lang="en"' in english and "Report a problem in the city" in english


def test_workflow_labels_follow_the_language(loop, client_as):
    case = loop.report()
    operator = client_as("operator")
    assert "已上报" in operator.get(f"/cases/{case.pk}/").content.decode()
    operator.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = operator.get(f"/cases/{case.pk}/").content.decode()
    assert ">reported<" in page and "What you can do now" in page


class _VisibleText(HTMLParser):
    """The words a reader sees: text outside scripts and styles, and the labels of controls."""

    SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "value")

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code", "pre", "textarea"):
            self._hidden += 1
        kind = dict(attrs).get("type")
        for name, value in attrs:
            # A value shows only on a button; a checkbox's or an option's is for the server.
            if value and name in self.SHOWN_ATTRIBUTES and (name != "value" or kind in ("submit", "button")):
                self.words.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code", "pre", "textarea") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.words.append(data)


# Names that stay as they are in a Chinese page: formats, standards and products.
KEPT = {"API", "PDF", "Excel", "CSV", "JSON", "GeoJSON", "OpenAPI", "XLSX", "HTTP", "HTTPS", "URL", "WGS"}
KEPT |= {"ECharts", "Webhook"}
ENGLISH_WORD = re.compile(r"(?<![A-Za-z0-9_./-])[A-Za-z]{3,}(?![A-Za-z0-9_./-])")


def english_words(page: str, usernames: frozenset[str] = frozenset()) -> set[str]:
    """English words a reader of ``page`` sees, leaving out people's user names (data, not text)."""
    parser = _VisibleText()
    parser.feed(page)
    # All capitals: an acronym or a code (a tracking code such as KVCQRMVH), not a word to translate.
    return {
        w
        for text in parser.words
        for w in ENGLISH_WORD.findall(text)
        if w not in KEPT and w not in usernames and not w.isupper()
    }


def test_no_english_words_in_the_chinese_console(loop, client_as):
    # A case through the whole loop, so its timeline, steps and facts hold every kind of entry.
    closed = loop.drive(
        loop.report(channel="hotline_12345", reporter_phone="13900000000"),
        "send_for_verification", "verify", "accept", "register", "dispatch", "request_extension",
        "approve_extension", "dispose", "send_for_check", "check_pass", "return_visit", "close",
    )  # fmt: skip
    open_case = loop.drive(loop.report(), "accept", "register", "dispatch")
    pages = {
        "operator": ["/", f"/cases/{closed.pk}/", f"/cases/{open_case.pk}/", "/cases/?view=all", "/account/",
                     "/report/hotline/", "/map/"],
        "sanitation_handler": ["/", "/tasks/", f"/m/cases/{open_case.pk}/", f"/cases/{open_case.pk}/"],
        "supervisor_a": ["/", "/m/report/"],
        "leader": ["/dashboard/"],
    }  # fmt: skip
    found: dict[str, set[str]] = {}
    # The test users have no names of their own: their user names show where a person is named.
    names = frozenset(u.username for u in loop.users.values()) | {"system"}
    for username, urls in pages.items():
        client = client_as(username)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            words = english_words(response.content.decode(), names)
            if words:
                found[f"{username} {url}"] = words
    public = Client()
    for url in ("/public/report/", "/public/track/", f"/public/track/{closed.tracking_code}/", "/login/"):
        words = english_words(public.get(url).content.decode())
        if words:
            found[f"public {url}"] = words
    assert not found, f"English words in Chinese pages: {found}"


class _AdminLabels(_VisibleText):
    """The labels of an admin page: headings, column titles, filters, buttons; not the rows' data
    (a catalog's English names, a user agent, a code are what was stored, not text to translate)."""

    def __init__(self) -> None:
        super().__init__()
        self._in_rows = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tbody":
            self._in_rows += 1
        # Django's icons carry fixed English alt texts (True, False, Search) it never translates.
        if self._in_rows or (tag == "img" and "/static/admin/img/" in (dict(attrs).get("src") or "")):
            attrs = []
        super().handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody" and self._in_rows:
            self._in_rows -= 1
        super().handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if not self._in_rows:
            super().handle_data(data)


def test_no_english_labels_in_the_chinese_admin(loop, client_as):
    from django.contrib import admin

    from cityloop.core.models import User

    root = User.objects.create_superuser("root", password="a long enough pass phrase 2026")
    client = Client()
    client.force_login(root)
    found: dict[str, set[str]] = {}
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = client.get(url)
        assert response.status_code == 200, url
        parser = _AdminLabels()
        parser.feed(response.content.decode())
        words = {
            w
            for text in parser.words
            for w in ENGLISH_WORD.findall(text)
            if w not in KEPT and not w.isupper() and w not in {"root"}
        }
        if words:
            found[url] = words
    assert not found, f"English labels in Chinese admin pages: {found}"
