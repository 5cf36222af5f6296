"""Chinese by default, English on request, and a complete, compiled zh_Hans catalogue for the project."""

from __future__ import annotations

import ast
import gettext
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
