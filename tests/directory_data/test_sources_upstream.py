"""The source folders in sources/ are byte-for-byte copies of the upstream ../shared/data/.

The repository is self-contained: the directory build and the tests read sources/. The
upstream stays ../shared/data/ beside the repository; when it is there, this test checks
that the copy still matches it, so a change upstream is noticed (the test fails and says
to copy and regenerate). Without it (a clone on its own, CI included) the copy in the
repository is the source of truth, and this test skips with the reason.
"""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UPSTREAM = ROOT.parent / "shared" / "data"
COPIES = ROOT / "sources"

# folder -> what to do after copying it again
FOLDERS = {
    "ma-services": ("then regenerate the package: .venv/bin/python scripts/convert_ma_services.py "
                    "(and bring a statewide_resources.csv change into "
                    "screening/content/resources/statewide_resources.csv)"),
    "hsds-3.0-example": "then run the directory tests (tests/directory, tests/directory_data)",
}


def files_in(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_the_copy_in_sources_matches_the_upstream(folder):
    upstream, copy = UPSTREAM / folder, COPIES / folder
    assert copy.is_dir(), f"{copy} is missing: it ships in the repository (see sources/README.md)"
    if not upstream.is_dir():
        pytest.skip(f"no upstream at {upstream} (no shared/data/ beside the repository): "
                    f"the copy in sources/{folder}/ is the source of truth")
    theirs, ours = files_in(upstream), files_in(copy)
    missing = sorted(theirs.keys() - ours.keys())
    extra = sorted(ours.keys() - theirs.keys())
    changed = sorted(name for name in theirs.keys() & ours.keys() if theirs[name] != ours[name])
    assert not (missing or extra or changed), (
        f"sources/{folder}/ no longer matches the upstream {upstream}/ "
        f"(only upstream: {missing}; only in sources: {extra}; different bytes: {changed}). "
        f"Copy it again (rm -r sources/{folder} && cp -r {upstream} sources/{folder}), "
        f"{FOLDERS[folder]}, and commit both.")
