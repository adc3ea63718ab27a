"""The first request after a fresh server start is a deep link, and it must show the whole app.

Guards the `pages/` trap (DESIGN.md): with a folder named `pages/` next to the entrypoint,
Streamlit serves a deep link bare (no sidebar, no fecha de corte, raw file names in the menu)
until some session has run `st.navigation`. This module has its own server, and its first test is
that server's first page load, so keep `test_first_request_is_a_process_deep_link` first.
"""
from tests.browser.helpers import assert_clean, assert_full_app, goto, process_names, selectbox_value


def test_first_request_is_a_process_deep_link(app_server, app_page, console):
    goto(app_page, app_server.url, "procesos", "proceso=TI")

    assert_full_app(app_page)
    assert process_names()["TI"] in selectbox_value(app_page, "proceso"), (
        "the deep link ?proceso=TI did not select the TI process")
    assert "proceso=TI" in app_page.url, "the bound query parameter was dropped from the url"
    assert_clean(app_page, console)


def test_indicator_deep_link(app_server, app_page, console):
    goto(app_page, app_server.url, "indicador", "indicador=GD-05")

    assert_full_app(app_page)
    assert selectbox_value(app_page, "indicador").startswith("GD-05"), (
        "the deep link ?indicador=GD-05 did not select GD-05")
    assert_clean(app_page, console)
