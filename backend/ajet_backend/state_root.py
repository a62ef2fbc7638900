"""SaveState/LoadState names: a client names a checkpoint (`run-1/step-3`), the server keeps it under its own
--state-root, and no name reaches a folder outside that root."""

from __future__ import annotations

import hashlib
import json
import os
import re

from ajet_backend.errors import BackendError

NAME_PART = re.compile(r"^[A-Za-z0-9._-]+$")


STATE_NAME_HINT = "SaveState/LoadState take a relative name under the server’s --state-root, e.g. run-1/step-3."


def _refuse(name: str, why: str) -> BackendError:
    # The message and hint `ajet serve` gives (packages/backbone-grpc/src/internal/state-root.ts).
    return BackendError("STATE_NAME_INVALID", f"state name {json.dumps(name[:200], ensure_ascii=False)} {why}", hint=STATE_NAME_HINT)


def state_folder(root: str, name: str) -> str:
    """`<root>/<name>`, absolute, after checking the name is relative, made of `/`-separated parts of letters,
    digits, `.`, `_` and `-` (none `.` or `..`), and that no symlink inside the root leads out of it."""
    if not name:
        raise _refuse(name, "is empty")
    if len(name) > 512:
        raise _refuse(name, "is longer than 512 characters")
    if name.startswith("/") or os.path.isabs(name):
        raise _refuse(name, "is absolute")
    parts = name.split("/")
    for part in parts:
        if part in (".", ".."):
            raise _refuse(name, 'has a "." or ".." part')
        if not NAME_PART.match(part):
            raise _refuse(name, "has a part that is empty or holds characters other than A-Z a-z 0-9 . _ -")
    os.makedirs(root, exist_ok=True)
    real_root = os.path.realpath(root)
    folder = os.path.join(real_root, *parts)
    if os.path.commonpath([real_root, os.path.realpath(folder)]) != real_root:
        raise _refuse(name, "leads out of the state root")
    return folder


STATE_MANIFEST = "ajet-state-manifest.json"


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: str) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def seal_state(folder: str) -> None:
    """Flushes a saved state to disk and records the size and sha256 of each of its files beside them."""
    files: dict[str, dict[str, object]] = {}
    for current, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(current, name)
            relative = os.path.relpath(path, folder)
            if relative == STATE_MANIFEST or not os.path.isfile(path):
                continue
            _fsync(path)
            files[relative] = {"size": os.path.getsize(path), "sha256": _sha256(path)}
    manifest = os.path.join(folder, STATE_MANIFEST)
    with open(manifest, "w", encoding="utf-8") as handle:
        json.dump({"files": files}, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    for current, _, _ in os.walk(folder):
        _fsync(current)


def state_damage(folder: str) -> str | None:
    """Why a saved state is not whole, or None (also for a state saved before manifests)."""
    manifest = os.path.join(folder, STATE_MANIFEST)
    if not os.path.isfile(manifest):
        return None
    try:
        with open(manifest, encoding="utf-8") as handle:
            files = json.load(handle)["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return f"{STATE_MANIFEST} is unreadable"
    for name, expected in files.items():
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            return f"{name} is missing"
        size = os.path.getsize(path)
        if size != expected.get("size"):
            return f"{name} has {size} bytes, {expected.get('size')} were written"
        if _sha256(path) != expected.get("sha256"):
            return f"{name} does not match its sha256"
    return None
