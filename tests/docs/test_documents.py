"""The documents a newcomer reads: the README's map names every module, links between the
documents work, and nothing cites a document outside the repository."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def map_of_the_code():
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Map of the code", 1)[1].split("\n## ", 1)[0]


def test_the_map_of_the_code_names_every_module():
    text = map_of_the_code()
    missing = []
    for package in ("commitments", "nadd"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts or path.name == "__init__.py":
                continue
            if relative.parent.name == "commands":
                named = path.stem in text
            elif relative.parent.name in {"models", "views"}:
                named = path.stem in text
            elif relative.parent.name == "embedded_postgresql":
                named = "nadd/embedded_postgresql/" in text
            else:
                named = path.name in text
            if not named:
                missing.append(str(relative))
    assert missing == [], "Add these to the README's map of the code"


def test_links_between_the_documents_work():
    broken = []
    for document in DOCUMENTS:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", document.read_text()):
            if not (document.parent / target).exists():
                broken.append(f"{document.name} -> {target}")
    assert broken == []


def test_no_document_cites_one_outside_the_repository():
    outside = re.compile(r"QUALITY\.md|DESIGN\.md|STYLE\.md|\.\./shared|quality bar")
    cited = []
    for path in [*DOCUMENTS, *ROOT.glob("Makefile")]:
        cited += [f"{path.name}: {m.group()}" for m in outside.finditer(path.read_text())]
    for folder in ("commitments", "nadd", "tests", "templates"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".html", ".txt"} and "node_modules" not in path.parts:
                text = path.read_text(errors="ignore")
                if path == Path(__file__):
                    continue
                cited += [f"{path.name}: {m.group()}" for m in outside.finditer(text)]
    assert cited == []
