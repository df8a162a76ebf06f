"""Local files a spec names: confined to the setup's folder, read with a size bound, walked with a bound.

A spec arrives in a pull request and is planned by a pipeline that holds an AWS role, so a path in it is
untrusted: `members.csv: ~/.aws/credentials`, `input.folder: /` or an image linked to a secret would
otherwise be read, listed or uploaded to S3 for labelers to see. Every path is resolved (links followed) and
must stay inside the setup's root: the folder of its spec files, or a spec-level `root:` that may widen it
up to the working folder. `--allow-outside` lifts the rule for a run whose specs the user trusts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gtops.errors import GtopsError

KiB = 1024
MiB = 1024 * KiB

# Size and count bounds of every local input (the README's Security section lists them).
MAX_SPEC_FILE = 4 * MiB
MAX_SPEC_FILES = 200
MAX_CSV_FILE = 64 * MiB
MAX_ROSTER_ROWS = 200_000
MAX_TEMPLATE_FILE = 1 * MiB
MAX_MANIFEST_FILE = 256 * MiB
MAX_LAMBDA_FILE = 1 * MiB
MAX_FOLDER_ENTRIES = 100_000
MAX_FOLDER_DEPTH = 32
MAX_UPLOAD_FILE = 512 * MiB
MAX_PLAN_FILE = 64 * MiB


def size_text(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit >= MiB else f"{limit // KiB} KiB"


def resolve(path: Path) -> Path:
    """`path` made absolute with links followed; a link loop is a GtopsError, not a RuntimeError."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        raise GtopsError(f"{path} is a link that loops back on itself") from None


@dataclass(frozen=True)
class Confinement:
    """Where a setup's files may live. `root` None means anywhere (--allow-outside)."""

    root: Path | None

    def problem(self, target: Path) -> str | None:
        """Why `target` (already resolved) may not be read, or None."""
        if self.root is None or target == self.root or self.root in target.parents:
            return None
        return (
            f"{target} is outside the setup folder {self.root}; gtops reads only files inside it "
            "(set `root:` in the spec to widen it within the working folder, or pass --allow-outside)"
        )

    def check(self, target: Path, what: str) -> Path:
        """`target` resolved, or a GtopsError saying which input left the setup folder."""
        resolved = resolve(target)
        why = self.problem(resolved)
        if why:
            raise GtopsError(f"{what}: {why}")
        return resolved


ANYWHERE = Confinement(None)


def setup_root(spec_files: list[Path], declared: Path | None, allow_outside: bool) -> tuple[Path | None, str]:
    """The folder a setup's files must stay in, and a problem with `root:` ('' when none).

    Default: the deepest folder holding every spec file. A spec's `root:` may name a folder above that (a
    shared folder of rosters, say), but not beyond the working folder: the spec's author must not be able to
    widen the rule past what the person running gtops checked out.
    """
    if allow_outside:
        return None, ""
    folders = [f.resolve().parent for f in spec_files]
    common = Path(os.path.commonpath([str(f) for f in folders])) if folders else Path.cwd().resolve()
    if declared is None:
        return common, ""
    root = declared.resolve()
    if not (root == common or root in common.parents):
        return common, f"root {root} must be a folder that holds the spec files ({common})"
    cwd = Path.cwd().resolve()
    if not (root == cwd or cwd in root.parents):
        return common, (
            f"root {root} is outside the working folder {cwd}; run gtops from a folder that holds it, or "
            "pass --allow-outside"
        )
    return root, ""


def read_bounded(path: Path, limit: int, what: str) -> bytes:
    """The bytes of a file, refusing one larger than `limit` before reading it (and links to devices)."""
    try:
        st = path.stat()
    except OSError as err:
        raise GtopsError(f"{what}: cannot read {path}: {err.strerror or err}") from None
    import stat

    if not stat.S_ISREG(st.st_mode):
        raise GtopsError(f"{what}: {path} is not a regular file")
    if st.st_size > limit:
        raise GtopsError(f"{what}: {path} is larger than {size_text(limit)} ({st.st_size:,} bytes)")
    try:
        with open(path, "rb") as fh:
            body = fh.read(limit + 1)
    except OSError as err:
        raise GtopsError(f"{what}: cannot read {path}: {err.strerror or err}") from None
    if len(body) > limit:  # it grew while being read
        raise GtopsError(f"{what}: {path} is larger than {size_text(limit)}")
    return body


def walk_files(folder: Path, confinement: Confinement, what: str) -> Iterator[Path]:
    """Regular files under `folder`, sorted per folder; links are followed only to files inside the setup.

    Bounded: at most MAX_FOLDER_ENTRIES entries and MAX_FOLDER_DEPTH levels, so `input.folder: /` (with
    --allow-outside) ends with a message instead of walking the whole disk. Linked folders are not entered.
    """
    seen = 0
    base_depth = len(folder.parts)
    for current, dirs, files in os.walk(folder, followlinks=False, onerror=None):
        here = Path(current)
        if len(here.parts) - base_depth >= MAX_FOLDER_DEPTH:
            raise GtopsError(f"{what}: {folder} nests more than {MAX_FOLDER_DEPTH} folders deep")
        seen += len(dirs) + len(files)
        if seen > MAX_FOLDER_ENTRIES:
            raise GtopsError(f"{what}: {folder} holds more than {MAX_FOLDER_ENTRIES:,} files and folders")
        dirs.sort()
        for name in sorted(files):
            path = here / name
            if path.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    raise GtopsError(f"{what}: {path} is a broken or looping link") from None
                why = confinement.problem(target)
                if why:
                    raise GtopsError(
                        f"{what}: {path} is a link to {target}, outside the setup folder; "
                        "gtops never uploads it"
                    )
                if not target.is_file():
                    continue
            elif not path.is_file():
                continue
            yield path
