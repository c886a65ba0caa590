"""The README, the pages in docs/, config.toml and each CLI's --help agree."""

import json
import re
import subprocess
import sys
import tomllib

import pytest

from index.config import SETTINGS, load_config
from search_app.schemas import SearchResponse
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = {path.name: path.read_text(encoding="utf-8") for path in sorted((ROOT / "docs").glob("*.md"))}
DOCS = "\n".join([README, *PAGES.values()])


@pytest.mark.parametrize("key", list(SETTINGS))
def test_every_setting_is_in_config_toml_and_readme(key):
    section, name = key
    default, help_text = SETTINGS[key]
    with (ROOT / "config.toml").open("rb") as handle:
        assert tomllib.load(handle)[section][name] == default
    row = next((line for line in PAGES["operating.md"].splitlines() if line.startswith(f"| `[{section}] {name}`")), None)
    assert row is not None, f"[{section}] {name} is not documented in docs/operating.md 'Configuration'"
    assert help_text in row


@pytest.mark.parametrize(
    "module, flags",
    [
        ("ingest", ["--config", "--rebuild", "--dry-run", "--check", "--audit", "--rollback"]),
        ("search_app", ["--config", "--host", "--port"]),
    ],
)
def test_cli_help_matches_readme(module, flags):
    help_text = subprocess.run(
        [sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    usage = next(line for line in DOCS.splitlines() if line.startswith(f".venv/bin/python -m {module} [--config FILE]"))
    for flag in flags:
        assert flag in help_text and flag in usage


def test_readme_commands_are_make_targets():
    makefile = (ROOT / "Makefile").read_text()
    assert "make run" in README and "make test" in README
    assert "\nrun:" in makefile and "\ntest:" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_relative_paths_resolve_against_config_folder(tmp_path, monkeypatch):
    (tmp_path / "c.toml").write_text('[paths]\ncorpus = "docs"\n')
    monkeypatch.setenv("SEARCH_CONFIG", str(tmp_path / "c.toml"))
    config = load_config()
    assert config.corpus == tmp_path / "docs" and config.max_tokens == SETTINGS[("chunking", "max_tokens")][0]


def test_unknown_and_mistyped_settings_are_refused(tmp_path):
    (tmp_path / "a.toml").write_text("[search]\nrrf = 60\n")
    with pytest.raises(ValueError, match=r"unknown setting \[search\] rrf"):
        load_config(tmp_path / "a.toml")
    (tmp_path / "b.toml").write_text('[server]\nport = "eighty"\n')
    with pytest.raises(ValueError, match="port should be int"):
        load_config(tmp_path / "b.toml")


@pytest.mark.parametrize("key", ["keyword_weight", "question_keyword_weight"])
def test_a_weight_outside_0_to_1_is_refused_by_name(tmp_path, key):
    (tmp_path / "c.toml").write_text(f"[search]\n{key} = 1.5\n")
    with pytest.raises(ValueError, match=rf"\[search\] {key} should be between 0 and 1, got 1.5"):
        load_config(tmp_path / "c.toml")


def test_the_readme_is_short_and_every_page_it_names_exists():
    """A newcomer finds the two commands on the first screen and the rest one link away."""
    assert len(README.splitlines()) <= 200
    linked = set(re.findall(r"\(docs/([\w-]+\.md)\)", README))
    assert linked == set(PAGES) and {"searching.md", "api.md", "operating.md", "evaluation.md", "benchmarks.md"} <= linked


@pytest.mark.parametrize("name", sorted(PAGES))
def test_links_between_pages_resolve(name):
    for target in re.findall(r"\]\((?!https?:)([^)#]+)", PAGES[name]):
        assert (ROOT / "docs" / target).resolve().is_file(), f"docs/{name} links to {target}, which is not there"


def test_the_example_answer_in_the_api_page_is_what_the_api_answers():
    """The example is checked against the model every answer is built from, so the two cannot drift apart."""
    example = re.search(r"## An example answer.*?```json\n(.*?)\n```", PAGES["api.md"], re.S).group(1)
    SearchResponse.model_validate(json.loads(example))
    assert set(json.loads(example)) >= {"low_confidence", "named_councils", "results"}
