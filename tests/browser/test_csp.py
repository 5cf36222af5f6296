"""The Content-Security-Policy in a real browser: the console's main pages load with no violation
reported, and the map and htmx (both only from static files) still work under it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cases import conftest as cases_conftest

from .conftest import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
loop = cases_conftest.loop  # the small city of the case tests


def _watch(page: Any) -> list[str]:
    """Every CSP violation Chromium reports (as console messages) and every script error."""
    seen: list[str] = []
    page.on(
        "console",
        lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.on("pageerror", lambda exc: seen.append(f"page error: {exc}"))
    return seen


def _visit(page: Any, url: str) -> Any:
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert response is not None and response.ok, url
    assert "default-src 'self'" in (response.headers.get("content-security-policy") or ""), url
    return response


def test_main_pages_break_no_csp_and_the_map_and_htmx_work(
    browser: Any, reference_data: Any, live_server: Any, loop: Any, shots: Any
) -> None:
    case = loop.drive(loop.report(), "accept")
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    violations = _watch(page)
    base = live_server.url

    _visit(page, f"{base}/public/report/")
    shots(page, "public-report")
    _visit(page, f"{base}/login/")
    page.fill("#id_username", "shift_leader")
    page.fill("#id_password", "demo-pass-2026")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/" not in url)

    _visit(page, f"{base}/cases/")
    shots(page, "queue")
    # htmx: the filter answers without a reload and narrows the list to the one case.
    page.fill("#id_q", case.number)
    page.wait_for_url(f"**q={case.number}**")
    assert page.locator("#queue-results tbody tr").count() == 1
    shots(page, "queue-filtered")

    _visit(page, f"{base}/cases/{case.pk}/")
    # Leaflet drew the case's map (on a canvas) and its scale control.
    page.wait_for_selector(".map.small.leaflet-container .leaflet-overlay-pane canvas")
    assert page.locator(".map.small .leaflet-control-scale").count() == 1
    shots(page, "case-with-map")

    _visit(page, f"{base}/map/")
    page.wait_for_selector(".leaflet-container .leaflet-overlay-pane canvas")  # the big map
    _visit(page, f"{base}/dashboard/")
    page.wait_for_selector("#dashboard-data", state="attached")
    assert not violations, "\n".join(violations)
    context.close()


def test_a_violation_would_be_seen(browser: Any, reference_data: Any, live_server: Any) -> None:
    # The watch above is not blind: inline code injected into a served page is reported and blocked.
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    violations = _watch(page)
    _visit(page, f"{live_server.url}/login/")
    page.evaluate(
        """() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';
                   document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran") is None
    assert any("Content Security Policy" in v for v in violations)
    context.close()
