"""The pages in a real headless Chromium (Debian chromium and chromium-driver, driven by Selenium): payloads in
a query, in a document's text, in its metadata and in its file name never run."""

from __future__ import annotations

import shutil
import urllib.request
from contextlib import contextmanager
from urllib.parse import quote

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as expected
from selenium.webdriver.support.ui import WebDriverWait

from index.search import Searcher
from ingest.build import build_index
from search_app import create_app
from tests.conftest import fake_config
from tests.servers import serving

pytestmark = pytest.mark.browser
MARK = "document.documentElement.setAttribute('data-pwned',1)"  # what a payload does if it runs
PAYLOADS = [
    f"<script>{MARK}</script>",
    f'<img src=x onerror="{MARK}">',
    f'"><svg onload="{MARK}">',
    f"javascript:{MARK}",
    f'<iframe src="javascript:{MARK}"></iframe>',
    f"</textarea><script>{MARK}</script>",
]


def browser() -> webdriver.Chrome:
    if not shutil.which("chromedriver"):
        pytest.fail("chromium-driver is not installed; .ci/run installs it (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


@pytest.fixture(scope="module")
def site(tmp_path_factory, fake_embedder):
    folder = tmp_path_factory.mktemp("payloads")
    corpus = folder / "corpus"
    corpus.mkdir()
    for number, payload in enumerate(PAYLOADS):
        (corpus / f"note-{number}.txt").write_text(f"Care leavers said {payload} about their council.")
        (corpus / f"page-{number}.html").write_text(
            f"<html><head><title>Report {payload}</title></head><body><h1>Findings {payload}</h1>"
            f"<p>Social workers wrote {payload} in the review.</p></body></html>"
        )
        (corpus / f"page-{number}.toml").write_text(
            f"title = '''Title {payload}'''\npublisher = '''Publisher {payload}'''\n"
        )
    (corpus / f"<img src=x onerror={MARK}>.txt").write_text("Kinship carers asked for support.")
    config = fake_config(folder, corpus)
    report = build_index(config, fake_embedder)
    assert not report.failed
    app = create_app({"CONFIG_FILE": str(config.source)}, searcher=Searcher(config, fake_embedder))
    with serving(app) as base:
        driver = browser()
        try:
            yield base, driver, sorted(d.id for d in Searcher(config, fake_embedder).documents())
        finally:
            driver.quit()


def assert_nothing_ran(driver) -> None:
    assert driver.execute_script("return document.documentElement.getAttribute('data-pwned')") is None
    # escaped, not parsed: no element a payload would make (the app's one script is /static/copy.js)
    assert driver.find_elements(By.CSS_SELECTOR, "img, svg, iframe, object, script:not([src^='/static/'])") == []
    with pytest.raises(NoAlertPresentException):
        _ = driver.switch_to.alert.text


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_payload_in_the_query_is_shown_as_text(site, payload):
    base, driver, _ = site
    driver.get(f"{base}/?q={quote(payload)}")
    assert_nothing_ran(driver)
    assert payload in driver.find_element(By.NAME, "q").get_attribute("value")


def test_payloads_in_results_document_text_metadata_and_file_names_never_run(site):
    base, driver, documents = site
    driver.get(f"{base}/?q=care+leavers+social+workers+council&k=50")
    assert_nothing_ran(driver)
    assert "<script>" in driver.find_element(By.TAG_NAME, "body").text  # shown as text, not run
    links = [
        a.get_attribute("href")
        for a in driver.find_elements(By.CSS_SELECTOR, "a")
        if "/documents/" in (a.get_attribute("href") or "")
    ]
    assert links
    for document_id in documents:
        driver.get(f"{base}/documents/{quote(document_id, safe='')}")
        assert_nothing_ran(driver)
    for link in links[:10]:
        driver.get(link)
        assert_nothing_ran(driver)
    driver.get(f"{base}/api/search?q={quote(PAYLOADS[0])}")
    assert_nothing_ran(driver)


@contextmanager
def served(config, searcher):
    """The app for `config` served in this process on its own address, and a browser: (base URL, driver)."""
    app = create_app({"CONFIG_FILE": str(config.source)}, searcher=searcher)
    with serving(app) as base:
        app.config["BASE_URL"] = base
        driver = browser()
        try:
            yield base, driver
        finally:
            driver.quit()


@pytest.fixture(scope="module")
def journalist(fake_built, fake_searcher):
    """The fixture corpus served in this process, and a browser."""
    with served(fake_built[0], fake_searcher) as site:
        yield site


def wait(driver) -> WebDriverWait:
    """Waits up to 10 s for a page load or an update to finish."""
    return WebDriverWait(driver, 10)


def in_view(driver, element) -> bool:
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight;", element
    )


def test_search_filter_group_and_open_a_result_with_the_passage_in_view(journalist):
    base, driver = journalist
    driver.set_window_size(1280, 900)
    driver.get(f"{base}/?q=children+in+care")
    heading = driver.find_element(By.CSS_SELECTOR, "h2.count").text
    assert "passages in" in heading and driver.find_elements(By.CSS_SELECTOR, "ol.results > li")
    driver.find_element(By.CSS_SELECTOR, "input[name=kind][value=inspection]").click()
    driver.find_element(By.CSS_SELECTOR, "#facets button[type=submit]").click()
    wait(driver).until(expected.url_contains("kind=inspection"))
    assert "in 1 document" in driver.find_element(By.CSS_SELECTOR, "h2.count").text
    driver.find_element(By.CSS_SELECTOR, "input[name=group]").click()
    driver.find_element(By.CSS_SELECTOR, ".query button[type=submit]").click()
    wait(driver).until(expected.url_contains("group=document"))
    assert driver.find_elements(By.CSS_SELECTOR, "ol.groups > li")
    driver.find_element(By.CSS_SELECTOR, "ol.groups p.cite a").click()
    passage = wait(driver).until(expected.presence_of_element_located((By.ID, "passage")))
    assert passage.tag_name == "mark" and in_view(driver, passage)
    assert driver.find_element(By.LINK_TEXT, "Back to results").get_attribute("href").startswith(f"{base}/?q=")
    image = driver.find_element(By.CSS_SELECTOR, ".page-image img")
    width = driver.execute_async_script("arguments[0].decode().then(() => arguments[1](arguments[0].naturalWidth), "
                                        "() => arguments[1](0));", image)  # fmt: skip
    assert width > 800  # the page rendered at 1.5 times its 595-point width


def test_a_named_council_is_said_and_both_links_work(journalist):
    base, driver = journalist
    driver.set_window_size(1280, 900)
    driver.get(f"{base}/?q=how+does+Nottinghamshire+support+care+leavers")
    named = driver.find_element(By.CSS_SELECTOR, "p.named")
    assert "Ofsted reports about Nottinghamshire, named in the query, come first." in named.text
    driver.find_element(By.LINK_TEXT, "Only these reports").click()
    wait(driver).until(expected.url_contains("local_authority=Nottinghamshire"))
    assert "in 1 document" in driver.find_element(By.CSS_SELECTOR, "h2.count").text
    driver.back()
    wait(driver).until(expected.presence_of_element_located((By.LINK_TEXT, "Rank every document together"))).click()
    wait(driver).until(expected.url_contains("named=off"))
    assert not driver.find_elements(By.CSS_SELECTOR, "p.named") and driver.find_elements(By.CSS_SELECTOR, "ol.results > li")


def test_every_export_link_downloads_its_format(journalist):
    base, driver = journalist
    driver.get(f"{base}/?q=foster+carers")
    links = {a.text: a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, ".downloads a")}
    assert set(links) == {"CSV", "JSON Lines", "RIS", "BIBTEX"}
    for label, href in links.items():
        with urllib.request.urlopen(href, timeout=30) as response:
            assert response.status == 200 and "attachment" in response.headers["Content-Disposition"], label


def test_copy_citation_puts_the_quote_and_reference_on_the_clipboard(journalist):
    base, driver = journalist
    driver.get(f"{base}/?q=memory+boxes&mode=keyword")
    permissions = ["clipboardReadWrite", "clipboardSanitizedWrite"]
    driver.execute_cdp_cmd("Browser.grantPermissions", {"origin": base, "permissions": permissions})
    driver.find_element(By.CSS_SELECTOR, ".cite-this summary").click()
    button = driver.find_element(By.CSS_SELECTOR, "button.copy")
    button.click()
    wait(driver).until(lambda d: button.text == "Copied")
    copied = driver.execute_async_script("navigator.clipboard.readText().then(arguments[0]);")
    assert copied.startswith("“") and "memory boxes" in copied.lower() and "Available at: " in copied


def test_keyboard_only_search_and_open(journalist):
    base, driver = journalist
    driver.get(f"{base}/")
    box = driver.find_element(By.ID, "q")
    ActionChains(driver).send_keys(Keys.TAB * 5).perform()  # the four header links, then the search box
    assert driver.switch_to.active_element == box
    box.send_keys("kinship allowances", Keys.ENTER)
    wait(driver).until(expected.url_contains("q=kinship+allowances"))
    first = wait(driver).until(expected.presence_of_element_located((By.CSS_SELECTOR, "ol.results p.cite a")))
    for _ in range(60):  # tab through the form and facets to the first result's link
        if driver.switch_to.active_element == first:
            break
        ActionChains(driver).send_keys(Keys.TAB).perform()
    assert driver.switch_to.active_element == first
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    assert in_view(driver, wait(driver).until(expected.presence_of_element_located((By.ID, "passage"))))


def test_a_390_pixel_wide_screen_has_no_sideways_scrolling(journalist):
    base, driver = journalist
    driver.set_window_size(390, 844)
    try:
        for path in ("/?q=care+leavers&kind=inspection&group=document", "/?q=Nottinghamshire+care+leavers",
                     "/documents/ofsted_ilacs_2024-07-12_nottinghamshire",
                     "/documents", "/api/docs"):  # fmt: skip
            driver.get(base + path)
            width = driver.execute_script("return document.documentElement.clientWidth")
            assert driver.execute_script("return document.documentElement.scrollWidth") <= width, path
    finally:
        driver.set_window_size(1280, 900)


LONG_ADDRESS = "https://www.gov.uk/government/publications/" + "keeping-children-safe-in-education-" * 4 + "part-two"


@pytest.fixture(scope="module")
def long_address(tmp_path_factory, fake_embedder):
    """A corpus of one note quoting a long web address (as guidance prints them), served, and a browser."""
    folder = tmp_path_factory.mktemp("address")
    (folder / "corpus").mkdir()
    (folder / "corpus" / "note.txt").write_text(
        f"Schools should read the statutory guidance on safer recruitment at {LONG_ADDRESS} first."
    )
    config = fake_config(folder, folder / "corpus")
    assert not build_index(config, fake_embedder).failed
    with served(config, Searcher(config, fake_embedder)) as site:
        yield site


def test_a_long_web_address_wraps_on_a_390_pixel_wide_screen(long_address):
    base, driver = long_address
    driver.set_window_size(390, 844)
    try:
        for path in ("/?q=safer+recruitment", "/documents/note"):
            driver.get(base + path)
            assert LONG_ADDRESS[:60] in driver.page_source
            width = driver.execute_script("return document.documentElement.clientWidth")
            assert driver.execute_script("return document.documentElement.scrollWidth") <= width, path
    finally:
        driver.set_window_size(1280, 900)


@pytest.fixture(scope="module")
def reporter(tmp_path_factory, fake_embedder):
    """The fixture corpus with a second, earlier Nottinghamshire report, served in this process, and a browser."""
    from tests.conftest import make_corpus
    from tests.test_following import EARLIER

    folder = tmp_path_factory.mktemp("beat")
    corpus = make_corpus(folder)
    (corpus / "notts-2021.txt").write_text(EARLIER)
    (corpus / "notts-2021.toml").write_text(
        'title = "Inspection of Nottinghamshire local authority children\'s services"\npublisher = "Ofsted"\n'
        'date = "2021-04-20"\nkind = "inspection"\n'
    )
    config = fake_config(folder, corpus)
    assert not build_index(config, fake_embedder).failed
    with served(config, Searcher(config, fake_embedder)) as site:
        yield site


def tab_to(driver, wanted, most: int = 300):
    """Press Tab until `wanted(element)` holds for the focused element (keyboard only); fail after `most`."""
    for _ in range(most):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        focused = driver.switch_to.active_element
        if wanted(focused):
            return focused
    pytest.fail("no focusable element matched by keyboard")


def link_to(part: str):
    return lambda element: part in (element.get_dom_attribute("href") or "")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_reporter_follows_a_story_by_keyboard(reporter, width):
    import feedparser

    base, driver = reporter
    driver.set_window_size(width, 900)
    # watch a search: the feed the link names is a valid Atom feed of the search
    driver.get(f"{base}/?q=assessments+care&mode=keyword")
    watch = tab_to(driver, lambda e: e.text == "Watch this search")
    feed = feedparser.parse(urllib.request.urlopen(watch.get_attribute("href"), timeout=30).read())
    assert not feed.bozo and feed.entries and feed.feed.title.startswith("Search: assessments care")
    # the timeline: a bar chosen by keyboard keeps only its range
    bar = tab_to(driver, lambda e: "date_from=" in (e.get_dom_attribute("href") or "")
                 and (e.get_dom_attribute("aria-label") or "").endswith("documents"))  # fmt: skip
    label = bar.get_dom_attribute("aria-label")
    bar.send_keys(Keys.ENTER)
    wait(driver).until(lambda d: "date_from=" in d.current_url)
    value = label.split(":")[0]
    assert f"date_from={value}" in driver.current_url and f"date_to={value}" in driver.current_url
    count = driver.find_element(By.CSS_SELECTOR, "h2.count").text
    assert count.startswith(label.split(": ")[1].split(" passages")[0] + " passage")
    # the council table: sort by the overall grade, then download it
    driver.get(f"{base}/councils")
    tab_to(driver, link_to("sort=overall")).send_keys(Keys.ENTER)
    wait(driver).until(lambda d: "sort=overall" in d.current_url)
    header = driver.find_element(By.CSS_SELECTOR, "th[aria-sort]")
    assert header.text.startswith("Overall") and header.get_attribute("aria-sort") == "ascending"
    download = tab_to(driver, link_to("format=csv"))
    assert (
        urllib.request.urlopen(download.get_attribute("href"), timeout=30)
        .read()
        .decode("utf-8-sig")
        .startswith("council,reports,overall")
    )
    # a council's page: grades over time
    tab_to(driver, link_to("/councils/Nottinghamshire")).send_keys(Keys.ENTER)
    wait(driver).until(lambda d: "/councils/Nottinghamshire" in d.current_url)
    assert "up ▲" in driver.find_element(By.CSS_SELECTOR, "table.grades").text
    # side by side: two councils typed in, one not held
    driver.get(f"{base}/compare")
    tab_to(driver, lambda e: e.get_attribute("id") == "compare-q").send_keys("care leavers")
    tab_to(driver, lambda e: e.get_attribute("name") == "local_authority").send_keys("Nottinghamshire")
    second = tab_to(driver, lambda e: e.get_attribute("name") == "local_authority")
    second.send_keys("Kent", Keys.ENTER)
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".council-column"))
    notts, kent = driver.find_elements(By.CSS_SELECTOR, ".council-column")
    assert "Nottinghamshire" in notts.text and "No Ofsted report about Kent" in kent.text
    beside = notts.rect["y"] == kent.rect["y"]
    assert beside if width == 1280 else kent.rect["y"] > notts.rect["y"]  # stacked on a phone
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
