"""The pages in a real headless Chromium (Debian chromium and chromium-driver, driven by Selenium): payloads in
a query, in a document's text, in its metadata and in its file name never run."""

from __future__ import annotations

import shutil
from urllib.parse import quote

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

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
