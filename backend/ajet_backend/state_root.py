"""SaveState/LoadState names: a client names a checkpoint (`run-1/step-3`), the server keeps it under its own
--state-root, and no name reaches a folder outside that root."""

from __future__ import annotations

import os
import re

from ajet_backend.errors import BackendError

NAME_PART = re.compile(r"^[A-Za-z0-9._-]+$")


def _refuse(name: str, why: str) -> BackendError:
    shown = name[:200]
    return BackendError("state_name", f"state name {shown!r} {why}; SaveState/LoadState take a relative name under the server's --state-root, e.g. run-1/step-3")


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
