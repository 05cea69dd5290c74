"""The pages in a real browser: headless Chromium driven by Selenium against the real server.

Chromium and ChromeDriver are Debian's (``chromium``, ``chromium-driver``), which
``.ci/run`` installs. Elsewhere these tests are skipped when the browser is missing,
unless ``DSKG_REQUIRE_BROWSER=1`` (CI sets it) turns that into a failure. Each test
leaves a screenshot of its page in ``test-artifacts/browser/`` (or under
``$DSKG_TEST_ARTIFACTS``), whether it passed or failed.

Expected answers never come from the page itself: counts are asked of /sparql with
SPARQLWrapper, the same client researchers use.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import urllib.parse
from pathlib import Path

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from server.examples import load_examples

from .conftest import ROOT, VOCAB
from .server_fixture import starting

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as ready  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.gunicorn]
CHROMIUM = os.environ.get("DSKG_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("DSKG_CHROMEDRIVER", "/usr/bin/chromedriver")
#: Flags for a root user on a machine without network: no sandbox, and no calls home.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,1100", "--lang=en-GB")
ARTIFACTS = Path(os.environ.get("DSKG_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "browser"
DSKG = f"{VOCAB}def/dskg/"
PLOVDIV_SCHOOL = "plovdiv-school-prepares-artificial-intelligence-programmers"


def _browser_missing() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).exists() or shutil.which(path)):
            return f"{path} not found (apt-get install chromium chromium-driver)"
    return None


def start_browser(profile: Path, javascript: bool = True):
    starting("browser")
    """Headless Chromium with a fresh profile; skips (or, in CI, fails) without one."""
    missing = _browser_missing()
    if missing:
        if os.environ.get("DSKG_REQUIRE_BROWSER"):
            pytest.fail(f"browser tests required but {missing}")
        pytest.skip(missing)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2})
    browser = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    browser.set_page_load_timeout(30)
    return browser


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    browser = start_browser(tmp_path_factory.mktemp("chromium-profile"))
    yield browser
    browser.quit()


@pytest.fixture(scope="module")
def server(mixed_server):
    return mixed_server


@pytest.fixture
def page(driver, server, request):
    """The browser, with a screenshot of wherever the test ended saved as an artifact."""
    driver.get_log("browser")  # start each test with an empty console
    yield driver
    snapshot(driver, request.node.name)
    driver.delete_all_cookies()  # a language chosen in one test stays there


def snapshot(driver, name: str) -> None:
    """Save the page as ``<name>.png``; long or non-ASCII names are shortened, kept unique."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")
    if len(safe) > 80 or safe != name:
        safe = f"{safe[:80]}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"
    assert driver.save_screenshot(str(ARTIFACTS / f"{safe}.png")), f"no screenshot of {name}"


def wait(driver, seconds: float = 15) -> WebDriverWait:
    return WebDriverWait(driver, seconds)


def visit(driver, url: str) -> None:
    """Open ``url`` and wait until the document has loaded and has its title."""
    driver.get(url)
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete"
                       and d.title)


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE"]


def sparql_rows(server, query: str) -> list[dict]:
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(JSON)
    return client.queryAndConvert()["results"]["bindings"]


def count_practices(server, patterns: str) -> int:
    rows = sparql_rows(server, f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ "
                               f"?p a <{DSKG}GoodPractice> . {patterns} }}")
    return int(rows[0]["n"]["value"])


def shown_total(driver) -> int:
    return int(driver.find_element(By.CSS_SELECTOR, "strong.total").text.replace(",", ""))


def test_home_page(page, server):
    visit(page, server.url + "/")
    assert "Digital Skills Knowledge Graph" in page.title
    nav = [link.text for link in page.find_elements(By.CSS_SELECTOR, "header nav a")]
    assert {"Practices", "Map", "Search", "SPARQL", "Examples"} <= set(nav)
    practices = count_practices(server, "")
    assert str(practices) in page.find_element(By.TAG_NAME, "main").text
    assert console_errors(page) == []


def test_example_query_runs_in_the_editor_and_shows_table_chart_and_share_link(page, server):
    example = next(e for e in load_examples()
                   if e.name == "practices-per-country-and-initiative-type")
    visit(page, server.url + "/queries")
    page.find_element(By.CSS_SELECTOR, f"#{example.name} a.run").click()
    first_cell = (By.CSS_SELECTOR, ".yasr table.dataTable tbody tr td:nth-child(2)")
    wait(page).until(ready.visibility_of_element_located(first_cell))
    expected = sparql_rows(server, example.query)
    headers = [th.text.strip() for th in
               page.find_elements(By.CSS_SELECTOR, ".yasr table.dataTable thead th")]
    first_var = next(iter(expected[0]))
    assert first_var in headers
    rows = page.find_elements(By.CSS_SELECTOR, ".yasr table.dataTable tbody tr")
    assert len(rows) == min(len(expected), 50)  # the table's first page
    assert f"of {len(expected)} entries" in page.find_element(By.CSS_SELECTOR, ".yasr").text
    assert expected[0][first_var]["value"] in page.find_element(*first_cell).text
    assert example.title in page.find_element(By.CSS_SELECTOR, ".yasgui .tabsList").text

    page.find_element(By.CSS_SELECTOR, ".yasr .select_chart").click()
    canvas = wait(page).until(ready.visibility_of_element_located(
        (By.CSS_SELECTOR, ".yasr .dskg-chart canvas")))
    assert canvas.size["height"] > 100
    bars = page.execute_script(
        "return Chart.getChart(arguments[0]).data.datasets[0].data.length", canvas)
    assert bars == len(expected)

    page.find_element(By.CSS_SELECTOR, ".yasqe_share").click()
    link = wait(page).until(ready.visibility_of_element_located(
        (By.CSS_SELECTOR, ".yasqe_sharePopup input"))).get_property("value")
    shared = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
    assert shared["query"][0].strip() == example.query.strip()
    assert console_errors(page) == []


def test_editor_runs_a_typed_query(page, server):
    visit(page, server.url + "/sparql")
    wait(page).until(ready.visibility_of_element_located((By.CSS_SELECTOR, ".yasqe")))
    assert not page.find_element(By.ID, "plain-form").is_displayed()
    query = f"SELECT (COUNT(*) AS ?practices) WHERE {{ ?p a <{DSKG}GoodPractice> }}"
    page.execute_script("window.dskgEditor.getTab().getYasqe().setValue(arguments[0])", query)
    page.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    page.find_element(By.CSS_SELECTOR, ".yasr .select_table").click()  # tabs remember a view
    cell = wait(page).until(ready.visibility_of_element_located(
        (By.CSS_SELECTOR, ".yasr table.dataTable tbody tr td:nth-child(2)")))
    assert str(count_practices(server, "")) in cell.text


def test_two_facets_combine_and_the_back_button_returns(page, server):
    visit(page, server.url + "/browse/practice")
    total_before = shown_total(page)
    page.find_element(By.CSS_SELECTOR, "section[data-facet=country] li a").click()
    wait(page).until(lambda d: "country=" in d.current_url)
    country = urllib.parse.parse_qs(urllib.parse.urlsplit(page.current_url).query)["country"][0]
    wait(page).until(lambda d: shown_total(d) < total_before)
    audience_link = page.find_element(By.CSS_SELECTOR, "section[data-facet=audience] li a")
    audience_link.click()
    wait(page).until(lambda d: "audience=" in d.current_url)
    chosen = urllib.parse.parse_qs(urllib.parse.urlsplit(page.current_url).query)
    audience = chosen["audience"][0]
    expected = count_practices(server, f"?p <{DSKG}country> <{VOCAB}id/country/{country}> ; "
                                       f"<http://purl.org/dc/terms/audience> "
                                       f"<{VOCAB}def/audience/{audience}> .")
    wait(page).until(lambda d: shown_total(d) == expected)
    assert expected > 0
    assert len(page.find_elements(By.CSS_SELECTOR, "ol.list li")) == \
        min(expected, server.config.page_size)

    page.back()
    wait(page).until(lambda d: "audience=" not in d.current_url)
    only_country = count_practices(server, f"?p <{DSKG}country> <{VOCAB}id/country/{country}> .")
    wait(page).until(lambda d: shown_total(d) == only_country)
    assert console_errors(page) == []


@pytest.mark.parametrize("word, expected_title", [
    ("ПЛОВДИВ", "Ученици програмират роботи в Пловдив"),
    ("ψηφιακες", "Ψηφιακές δεξιότητες για όλους"),
    ("hilendarski", "Plovdiv school prepares artificial intelligence programmers"),
])
def test_search_finds_words_in_any_script_without_accents(page, server, word, expected_title):
    visit(page, server.url + "/browse/practice")
    box = page.find_element(By.CSS_SELECTOR, "form.search input[name=q]")
    box.send_keys(word, Keys.ENTER)
    wait(page).until(ready.visibility_of_element_located((By.CSS_SELECTOR, "ol.hits li")))
    titles = [link.text for link in page.find_elements(By.CSS_SELECTOR, "ol.hits li > a")]
    assert any(title.startswith(expected_title) for title in titles), titles
    marks = [mark.text for mark in page.find_elements(By.CSS_SELECTOR, "ol.hits mark")]
    assert marks, "matches are highlighted"


def test_graph_view_expands_a_node_and_links_to_its_page(page, server):
    visit(page, f"{server.url}/id/practice/{PLOVDIV_SCHOOL}")
    section = wait(page).until(ready.visibility_of_element_located((By.ID, "graph-view")))
    page.execute_script("arguments[0].scrollIntoView()", section)
    wait(page).until(lambda d: d.execute_script("return window.dskgGraph.nodes().length") > 1)
    before = page.execute_script("return window.dskgGraph.nodes().length")
    country = f"{VOCAB}id/country/BGR"
    x, y = page.execute_script(
        "var p = window.dskgGraph.getElementById(arguments[0]).renderedPosition();"
        "return [p.x, p.y];", country)
    canvas = page.find_element(By.ID, "graph-canvas")
    ActionChains(page).move_to_element_with_offset(
        canvas, x - canvas.size["width"] / 2, y - canvas.size["height"] / 2).click().perform()
    wait(page).until(lambda d: d.execute_script(
        "return window.dskgGraph.getElementById(arguments[0]).hasClass('expanded')", country))
    after = page.execute_script("return window.dskgGraph.nodes().length")
    practices_in_bulgaria = count_practices(server, f"?p <{DSKG}country> <{country}> .")
    assert after > before
    # However far the graph is zoomed out to fit, labels stay readable on screen.
    shown = page.execute_script(
        "return parseFloat(window.dskgGraph.nodes()[0].renderedStyle('font-size'))")
    assert 11 <= shown <= 13, shown
    assert page.execute_script(
        "return window.dskgGraph.getElementById(arguments[0]).connectedEdges().length",
        country) >= min(practices_in_bulgaria, 20)
    panel = page.find_element(By.ID, "graph-panel")
    assert "Bulgaria" in panel.text
    snapshot(page, "graph-view-expanded")
    panel.find_element(By.LINK_TEXT, "Open its page").click()
    wait(page).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Bulgaria")
    assert console_errors(page) == []


def test_graph_view_of_a_hub_stays_bounded(page, server):
    audience = f"{VOCAB}def/audience/all"
    linked = count_practices(server, f"?p <http://purl.org/dc/terms/audience> <{audience}> .")
    assert linked > 40
    visit(page, server.url + "/def/audience/all")
    hub = wait(page).until(ready.visibility_of_element_located((By.ID, "graph-view")))
    page.execute_script("arguments[0].scrollIntoView()", hub)
    wait(page).until(lambda d: d.execute_script(
        "return window.dskgGraph.getElementById(arguments[0]).nonempty()", audience + " more-in"))
    assert page.execute_script("return window.dskgGraph.nodes().length") <= 60
    label = page.execute_script(
        "return window.dskgGraph.getElementById(arguments[0]).data('label')", audience + " more-in")
    shown = page.execute_script(
        "return window.dskgGraph.getElementById(arguments[0]).incomers('node').length", audience)
    assert int(label.strip("+ more")) + shown - 1 >= linked


def test_clicking_a_country_on_the_map_opens_its_practices(page, server):
    visit(page, server.url + "/map")
    shape = page.find_element(By.CSS_SELECTOR, "a.country[data-country=BGR] path")
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", shape)
    shape.click()
    wait(page).until(lambda d: "/browse/practice" in d.current_url)
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(page.current_url).query) == \
        {"country": ["BGR"]}
    expected = count_practices(server, f"?p <{DSKG}country> <{VOCAB}id/country/BGR> .")
    assert shown_total(page) == expected > 0
    assert console_errors(page) == []


def test_pages_work_without_javascript(server, tmp_path_factory):
    """The same server, a browser with scripts off: the form and the browse links still work."""
    browser = start_browser(tmp_path_factory.mktemp("chromium-nojs"), javascript=False)
    try:
        visit(browser, server.url + "/sparql")
        assert browser.find_element(By.ID, "plain-form").is_displayed()
        browser.find_element(By.CSS_SELECTOR, "#plain-form button[type=submit]").click()
        wait(browser).until(ready.presence_of_element_located((By.CSS_SELECTOR, "table.results")))
        visit(browser, server.url + "/browse/practice")
        browser.find_element(By.CSS_SELECTOR, "section[data-facet=country] li a").click()
        assert "country=" in browser.current_url
        browser.find_element(By.CSS_SELECTOR, "ol.list li a").click()
        assert browser.find_element(By.ID, "statements").is_displayed()
        assert not browser.find_element(By.ID, "graph-view").is_displayed()
        snapshot(browser, "test_pages_work_without_javascript")
    finally:
        browser.quit()


def _box(driver, selector: str) -> dict:
    return driver.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width};",
        selector)


@pytest.mark.parametrize("width", [390, 1366])
def test_pages_fit_a_phone_and_a_laptop(page, server, width):
    """At 390 px (a phone) the filters fold above the results, statement tables stack
    and nothing is wider than the screen; at 1366 px the filters are a column beside
    the results. Screenshots of each page are kept as artifacts."""
    page.set_window_size(width, 900)
    try:
        pages = {"browse": "/browse/practice",
                 "practice": f"/doc/practice/{PLOVDIV_SCHOOL}",
                 "ontology": "/def/dskg", "search": "/search?q=digital", "map": "/map",
                 "sparql": "/sparql"}
        for name, path in pages.items():
            visit(page, server.url + path)
            inner = page.execute_script("return window.innerWidth")
            overflow = page.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} is {overflow} px wider than the {inner} px window"
            snapshot(page, f"layout-{width}-{name}")
        visit(page, server.url + "/browse/practice")
        results, filters = _box(page, "section.results"), _box(page, "details.filters")
        if width < 700:
            assert filters["bottom"] <= results["top"] + 1  # folded above the results
            assert not page.execute_script("return document.querySelector('details.filters').open")
            assert results["width"] > width * 0.8
        else:
            assert filters["right"] <= results["left"]  # a column beside them
            assert page.execute_script("return document.querySelector('details.filters').open")
        visit(page, server.url + f"/doc/practice/{PLOVDIV_SCHOOL}")
        heading, value = _box(page, "table.properties th"), _box(page, "table.properties td")
        if width < 700:
            assert value["top"] >= heading["bottom"] - 1  # stacked: values below the property
            assert value["width"] > width * 0.7
        else:
            assert value["left"] >= heading["right"] - 1  # side by side
        assert console_errors(page) == []
    finally:
        page.set_window_size(1280, 1100)


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: Every kind of page, each once.
ACCESSIBLE_PAGES = ["/", "/browse/practice", "/browse/practice?country=BGR",
                    f"/doc/practice/{PLOVDIV_SCHOOL}", "/doc/organisation/ims-luxembourg",
                    "/browse/organisation", "/def/dskg", "/def/audience", "/search?q=digital",
                    "/map", "/queries", "/sparql", "/.well-known/void", "/no/such/page",
                    "/browse/practice?lang=bg&country=BGR", f"/doc/practice/{PLOVDIV_SCHOOL}?lang=el",
                    "/doc/practice/digital-skills-for-bulgarian-smes-programme",
                    "/account/sign-in"]
#: What of the query editor (YASGUI, from npm) cannot be fixed from outside: its tab
#: list's roles (README, "Accessibility"). The rest of it is checked: we name its
#: controls (editor.js) and darken its colours (style.css).
THIRD_PARTY = [".yasgui .tabsList"]


def axe_violations(driver) -> list[dict]:
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run({exclude: arguments[0].map(s => [s])}, {resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,"
        " help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))"
        ".catch(e => done([{id: 'axe-error', help: String(e), nodes: []}]));", THIRD_PARTY)


@pytest.mark.parametrize("path", ACCESSIBLE_PAGES)
def test_axe_finds_no_accessibility_violation(page, server, path):
    page.get(server.url + path)
    wait(page).until(lambda d: d.execute_script("return document.readyState") == "complete")
    if path == "/sparql":  # the editor with an answer in its results table
        wait(page).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".yasqe"))
        page.execute_script("window.dskgEditor.getTab().getYasqe().setValue(arguments[0])",
                            f"SELECT ?p ?title WHERE {{ ?p a <{DSKG}GoodPractice> ; "
                            "<http://purl.org/dc/terms/title> ?title } LIMIT 20")
        page.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
        page.find_element(By.CSS_SELECTOR, ".yasr .select_table").click()
        wait(page).until(ready.visibility_of_element_located(
            (By.CSS_SELECTOR, ".yasr table.dataTable tbody tr td:nth-child(2)")))
    assert axe_violations(page) == []


def test_the_accessibility_check_sees_a_violation(page, server):
    """The check above can fail: an image without a text alternative, added to one of
    our pages, is found."""
    visit(page, server.url + "/")
    page.execute_script("const i = document.createElement('img'); i.src = '/static/"
                        "favicon.svg'; document.querySelector('main').appendChild(i);")
    assert "image-alt" in {violation["id"] for violation in axe_violations(page)}


def test_a_reader_switches_language_and_the_site_stays_in_it(page, server):
    visit(page, server.url + "/browse/practice?country=BGR")
    page.find_element(By.CSS_SELECTOR, 'nav.languages a[hreflang="bg"]').click()
    wait(page).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "bg")
    assert page.find_element(By.TAG_NAME, "h1").text == "Добри практики"
    assert "country=BGR" in page.current_url and "lang=bg" in page.current_url
    # A filter, fetched by browse.js: the switcher follows the page it swapped in.
    page.find_element(By.CSS_SELECTOR, '.facet[data-facet="audience"] li a').click()
    wait(page).until(lambda d: "audience=" in d.current_url)
    english = page.find_element(By.CSS_SELECTOR, 'nav.languages a[hreflang="en"]')
    assert "audience=" in english.get_attribute("href")
    assert page.find_element(By.CSS_SELECTOR, '.facet[data-facet="audience"] h2').text == \
        "Целева група"
    # An ordinary link: the language chosen stays with the reader.
    page.find_element(By.CSS_SELECTOR, 'header nav a[href$="/map"]').click()
    wait(page).until(lambda d: d.find_element(By.TAG_NAME, "h1").text ==
                     "Добри практики по държави")
    assert page.find_element(By.TAG_NAME, "html").get_attribute("lang") == "bg"
    assert console_errors(page) == []


def browser_account(page, server, handle: str, *options: str) -> None:
    """An account made on the command line, its password set through the one-time
    link in the browser, and signed in there."""
    from .conftest import run_dskg

    added = run_dskg("users", "add", handle, *options, config=server.config)
    assert added.returncode == 0, added.stderr
    link = re.search(r"(/account/password\?token=[\w-]+)", added.stdout).group(1)
    password = "a long enough password"
    visit(page, server.url + link)
    for field in ("password", "again"):
        page.find_element(By.ID, field).send_keys(password)
    page.find_element(By.CSS_SELECTOR, "form.account button").click()
    wait(page).until(lambda d: "/account/sign-in" in d.current_url)
    assert "Your password is set" in page.page_source
    page.find_element(By.ID, "handle").send_keys(handle)
    page.find_element(By.ID, "password").send_keys(password + Keys.ENTER)
    wait(page).until(lambda d: d.current_url.endswith("/account"))


def sign_out(page, server) -> None:
    visit(page, server.url + "/account")
    page.find_element(By.XPATH, "//button[text()='Sign out']").click()
    wait(page).until(lambda d: not d.current_url.endswith("/account"))


def test_an_editor_sets_a_password_signs_in_and_out(page, server):
    """The one-time link the command line prints, followed in the browser: the forms
    work without any script, and the session ends at sign-out."""
    from .conftest import run_dskg

    try:
        browser_account(page, server, "browser-editor", "--coalition", "BG")
        assert "browser-editor" in page.page_source and "BGR" in page.page_source
        cookie = page.get_cookie("dskg_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        visit(page, server.url + "/submit")  # the form, checked like every other page
        assert page.find_element(By.ID, "countries").get_attribute("required")
        assert axe_violations(page) == []
        page.find_element(By.ID, "title").send_keys("TO BE FILLED: the title")
        page.find_element(By.ID, "summary").send_keys("A summary of the practice.")
        page.find_element(By.XPATH, "//select[@id='countries']/option[. = 'Bulgaria']").click()
        page.find_element(By.XPATH, "//button[@value='submit']").click()
        wait(page).until(lambda d: d.find_elements(By.CSS_SELECTOR, "p.field-error"))
        error = page.find_element(By.ID, "title-error").text
        assert "placeholder" in error
        assert [e for e in console_errors(page) if "422" not in e] == []  # the refusal only
        title = page.find_element(By.ID, "title")
        title.clear()
        title.send_keys("A draft from the browser")
        page.find_element(By.XPATH, "//select[@id='countries']/option[. = 'Bulgaria']").click()
        page.find_element(By.XPATH, "//button[@value='draft']").click()
        wait(page).until(lambda d: "/submissions/" in d.current_url)
        assert "A draft from the browser" in page.page_source and axe_violations(page) == []
        visit(page, server.url + "/submissions")
        assert "A draft from the browser" in page.page_source and axe_violations(page) == []
        sign_out(page, server)
        visit(page, server.url + "/account")
        assert "/account/sign-in" in page.current_url
        assert console_errors(page) == []
    finally:
        run_dskg("users", "disable", "browser-editor", config=server.config)


def test_a_correction_from_the_practice_page_shows_its_changes(page, server):
    """"Suggest a correction" on a practice's page: the form filled with what the
    practice says, the change submitted, the statements it changes shown; the audit log
    an admin reads. Every page passes axe."""
    from .conftest import run_dskg

    slug = "plovdiv-school-prepares-artificial-intelligence-programmers"
    try:
        browser_account(page, server, "browser-corrector", "--coalition", "BG")
        visit(page, server.url + f"/doc/practice/{slug}")
        page.find_element(By.LINK_TEXT, "Suggest a correction").click()
        wait(page).until(lambda d: "practice=" in d.current_url)
        title = page.find_element(By.ID, "title")
        assert title.get_attribute("value").startswith("Plovdiv school")
        assert axe_violations(page) == []
        title.clear()
        title.send_keys("Plovdiv school prepares AI programmers")
        page.find_element(By.XPATH, "//button[@value='submit']").click()
        wait(page).until(lambda d: "/submissions/" in d.current_url)
        changes = page.find_element(By.CSS_SELECTOR, "table.diff").text
        assert "Plovdiv school prepares AI programmers" in changes
        assert "Plovdiv school prepares artificial intelligence programmers" in changes
        assert page.find_elements(By.CSS_SELECTOR, "table.diff del")
        assert axe_violations(page) == []
        sign_out(page, server)
        browser_account(page, server, "browser-admin", "--role", "admin")
        visit(page, server.url + "/submissions/audit")
        assert "browser-corrector" in page.page_source and axe_violations(page) == []
        assert console_errors(page) == []
    finally:
        for handle in ("browser-corrector", "browser-admin"):
            run_dskg("users", "disable", handle, config=server.config)
