"""The documentation ships with the product and stays true to it.

Nothing in the repository may point at a specification outside it, every
relative link in the README and ``docs/`` must lead to a file in the
repository, and the formats page must name every kind, indicator and setting
the code has.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from indicators.catalogue import CATALOGUE
from loaders.kinds import KINDS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# Built from parts so that this file does not match itself.
_OUTSIDE = re.compile(r"(?<!docs/)\b(?:" + "|".join(("FORMATS", "DOMAIN", "ARCHITECTURE")) + r")\.md|\.\./" + "shared")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _repository_files() -> list[Path]:
    """Tracked files and new ones not ignored (so the test also holds before a commit)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        # Not a git checkout (an unpacked release): every file outside the ignored trees.
        ignored = {".git", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
        return [p for p in ROOT.rglob("*") if p.is_file() and not ignored & set(p.relative_to(ROOT).parts)]
    return [ROOT / name for name in out.decode().split("\0") if name and (ROOT / name).is_file()]


def _text(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        return None  # binary (XLSX, DuckDB)
    return data.decode("utf-8", errors="replace")


def test_nothing_points_at_a_specification_outside_the_repository():
    found = []
    for path in _repository_files():
        text = _text(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if _OUTSIDE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "point at docs/ instead:\n" + "\n".join(found)


def test_the_check_would_catch_an_outside_pointer():
    outside = [
        "see " + "FORMATS" + ".md of the shared spec",
        "../" + "shared/" + "DOMAIN" + ".md",
        "ARCHITECTURE" + ".md",
    ]
    assert all(_OUTSIDE.search(s) for s in outside)
    assert not _OUTSIDE.search("see docs/formats.md and docs/domain.md")


def _markdown_pages() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("page", _markdown_pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file_in_the_repository(page: Path):
    broken = []
    for target in _LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a web address or an anchor on the same page
        resolved = (page.parent / target.split("#")[0]).resolve()
        if not resolved.exists() or ROOT not in (resolved, *resolved.parents):
            broken.append(target)
    assert not broken, f"{page.name}: broken links {broken}"


def test_readme_links_every_docs_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for page in DOCS.glob("*.md"):
        if page.name != "README.md":
            assert f"docs/{page.name}" in readme, page.name
            assert f"({page.name})" in index, page.name


def test_formats_page_names_every_kind_and_indicator():
    formats = (DOCS / "formats.md").read_text(encoding="utf-8")
    missing = [f"`{k}`" for k in KINDS if f"`{k}`" not in formats]
    missing += [f"`{i}`" for i in CATALOGUE if f"`{i}`" not in formats]
    assert not missing, f"docs/formats.md does not describe {missing}"


def test_every_setting_the_code_reads_is_documented():
    documented = (ROOT / "README.md").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")
    )
    settings = set()
    for path in _repository_files():
        if path.suffix == ".py" and "tests" not in path.relative_to(ROOT).parts:
            settings |= set(re.findall(r"KVALITETSDIALOG_[A-Z_]+", path.read_text(encoding="utf-8")))
    # Hooks for the test suite itself, not settings.
    settings = {s for s in settings if "_TEST_" not in s}
    assert settings, "found no settings: the scan is broken"
    assert not sorted(s for s in settings if s not in documented)
