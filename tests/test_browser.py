"""The web page in a real browser: Chromium (Debian's package) driven by Playwright's Python package.

Playwright drives the system Chromium (``executable_path``); it never downloads
a browser. Screenshots go to the test's temp dir; the checks read the page's
elements (table cells, SQL text, the chart's canvas, the refusal box, the CSV
file), never pixels.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.settings import Settings
from tests.server_helpers import FOLLOW_UP_SQL, GROUPED_SQL, running_server
from tests.demo import truth

CHROMIUM = os.environ.get("DECIDE_SQL_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
TOKEN = "browser-test-token-0123456789"

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]' installs playwright")
if not Path(CHROMIUM).exists():  # .ci/run installs Debian's chromium; a developer machine may not have it
    pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium chromium-driver", allow_module_level=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def ask(page, question: str, turn: int) -> object:
    page.fill("#question", question)
    page.click("#ask")
    node = page.locator(f'.turn[data-turn="{turn}"]')
    node.locator(".footer").wait_for(timeout=60_000)  # the answer has been rendered
    return node


def test_a_conversation_in_the_browser(browser, settings: Settings, tmp_path: Path) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with running_server(settings, token=TOKEN) as (base, _):
        context = browser.new_context(accept_downloads=True, viewport={"width": 1100, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "401" not in msg.text else None)
        page.goto(base + "/")
        # the server has a token: the page asks for it before anything else
        page.locator("#token-form").wait_for(state="visible")
        page.fill("#token", TOKEN)
        page.click("#token-form button")
        page.locator("#health").filter(has_text="scripted").wait_for()

        # 1. a grouped question: table, SQL, chart, trace
        first = ask(page, "How many orders are there per status?", 1)
        expected = truth(settings, GROUPED_SQL)
        assert first.get_attribute("data-status") == "ok"
        assert first.locator("table.result th").all_inner_texts() == ["status", "orders"]
        cells = first.locator("table.result tbody tr").first.locator("td").all_inner_texts()
        assert cells == [str(v) for v in expected[0]]
        assert first.locator(".sql code").inner_text().startswith("SELECT status, COUNT(*)")
        assert first.locator(".sql .tok-kw").first.inner_text() == "SELECT"  # highlighted
        assert first.locator("canvas.chart").get_attribute("data-kind") == "bar"
        trace = first.locator(".trace li").all_text_contents()
        assert [t.split(":")[0] for t in trace] == ["select_tables", "choose_flow", "plan_sql", "SQL ok"]
        assert "tokens" in trace[1] and " ms" in trace[1]
        page.screenshot(path=str(shots / "1-grouped.png"), full_page=True)

        # sorting: by count, descending on the second click
        header = first.locator("table.result th").nth(1)
        header.click()
        header.click()
        assert header.get_attribute("aria-sort") == "descending"
        top = first.locator("table.result tbody tr").first.locator("td").all_inner_texts()
        assert top == [str(v) for v in max(expected, key=lambda r: r[1])]

        # CSV download holds the whole result
        with page.expect_download() as info:
            first.locator("button.csv").click()
        rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
        assert rows[0] == ["status", "orders"] and rows[1:] == [[str(v) for v in r] for r in expected]

        # 2. a follow-up, shown in the same thread with what it was understood as
        second = ask(page, "and only the cancelled ones?", 2)
        assert page.locator(".turn").count() == 2
        assert second.locator(".understood").inner_text() == "Understood as: How many orders are cancelled?"
        assert second.locator("table.result tbody td").all_inner_texts() == [str(truth(settings, FOLLOW_UP_SQL)[0][0])]
        assert second.locator("canvas.chart").count() == 0  # one number: no chart
        assert second.locator(".trace li").first.text_content().startswith("resolve_follow_up: follow-up")

        # 3. a write request is shown as a refusal, with no SQL and no table
        third = ask(page, "delete all orders", 3)
        assert third.get_attribute("data-status") == "refused"
        assert third.locator(".refusal").inner_text().startswith("Refused:")
        assert third.locator(".sql").count() == 0 and third.locator("table.result").count() == 0
        page.screenshot(path=str(shots / "2-thread.png"), full_page=True)

        # readable on a phone: nothing wider than the screen but the table's own scroller
        phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
        mobile = phone.new_page()
        mobile.goto(base + "/")
        mobile.fill("#token", TOKEN)
        mobile.click("#token-form button")
        ask(mobile, "How many orders are there per status?", 1)
        assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
        mobile.screenshot(path=str(shots / "3-phone.png"), full_page=True)
        phone.close()
        context.close()
    assert not errors, errors
    assert sorted(p.name for p in shots.iterdir()) == ["1-grouped.png", "2-thread.png", "3-phone.png"]
    if os.environ.get("DECIDE_SQL_SCREENSHOTS"):  # keep them for a look
        import shutil

        shutil.copytree(shots, os.environ["DECIDE_SQL_SCREENSHOTS"], dirs_exist_ok=True)


def test_paging_and_a_line_chart(browser, settings: Settings) -> None:
    monthly = "SELECT date_trunc('month', ordered_at)::date AS month, COUNT(*) AS orders FROM orders GROUP BY 1 ORDER BY 1"
    with running_server(settings, {"choose_flow": ["SELECT"], "plan_sql": [monthly]}) as (base, _):
        page = browser.new_page()
        page.goto(base + "/")
        turn = ask(page, "How many orders were placed each month?", 1)
        expected = truth(settings, monthly)
        assert len(expected) > 10
        assert turn.locator("canvas.chart").get_attribute("data-kind") == "line"
        assert turn.locator("table.result tbody tr").count() == 10
        assert turn.locator(".page-info").inner_text() == f"rows 1–10 of {len(expected)}"
        turn.locator("button.next").click()
        assert turn.locator("table.result tbody tr").first.locator("td").first.inner_text() == str(expected[10][0])
        page.close()
