"""Accessibility: axe-core (WCAG 2.0/2.1, levels A and AA) on every page, in the app's one theme.

The tablero has one theme, light: .streamlit/config.toml sets its colours (the dark text that keeps
captions at AA contrast), which pins it, so Streamlit offers no dark theme and ignores the
browser's preference. The test checks that this is still so (a dark theme appearing unchecked
fails here) instead of skipping a dark run that could never happen.

Fails on serious and critical violations, except the short baseline in helpers.AXE_BASELINE
(Streamlit's own markup, each entry explained). The failure message lists every violation with
its selector and HTML, so it says what to fix.
"""
import pytest

from tests.browser.helpers import (
    PAGES, assert_clean, describe, goto, run_axe, sign_in_to_stay, switch_color_scheme, unexplained,
)

PAGE_IDS = [path or "resumen" for _, path, _ in PAGES]


@pytest.mark.parametrize(("title", "path", "query"), PAGES, ids=PAGE_IDS)
def test_page_has_no_serious_axe_violations(app_server, app_page, console, title, path, query):
    app_page.emulate_media(color_scheme="light")
    goto(app_page, app_server.url, path, query)
    assert_clean(app_page, console)
    report = []

    left = unexplained(run_axe(app_page))
    if left:
        report.append(f"light theme:\n{describe(left)}")
    assert not switch_color_scheme(app_page, "dark"), (
        "the app now follows a dark preference: add the dark theme to this axe run")

    assert not report, f"axe on {title} ({app_page.url}):\n" + "\n".join(report)


SIGNED_IN_PAGES = [   # (account, password, path): the pages only a signed-in person sees
    ("lider.ti.demo", "Demo-Lider-2024", ""),                 # Mis pendientes, a leader's landing page
    ("personero.demo", "Demo-Personero-2024", ""),            # Mis pendientes, the Personero's view
    ("lider.ti.demo", "Demo-Lider-2024", "reportar"),
    ("planeacion.demo", "Demo-Planeacion-2024", "plan"),
    ("lider.ti.demo", "Demo-Lider-2024", "cuenta"),
    ("admin.demo", "Demo-Admin-2024", "administrar"),
]


@pytest.mark.parametrize(("user", "password", "path"), SIGNED_IN_PAGES,
                         ids=[f"{u.split('.')[0]}-{p or 'inicio'}" for u, _, p in SIGNED_IN_PAGES])
def test_signed_in_page_has_no_serious_axe_violations(app_server, app_page, console, user, password, path):
    goto(app_page, app_server.url)
    sign_in_to_stay(app_page, user, password)
    goto(app_page, app_server.url, path)
    assert_clean(app_page, console)
    left = unexplained(run_axe(app_page))
    assert not left, f"axe on /{path} as {user} ({app_page.url}):\n{describe(left)}"
