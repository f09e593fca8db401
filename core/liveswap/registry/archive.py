"""The archive inside a wheel: safe member paths and a RECORD that matches every byte.

pip does not verify RECORD hashes (pypa/pip#4705) and ``installer.install`` does not either; this
module does, before anything is installed. Every problem found is returned, one line each.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import re
import stat
import sys
import zipfile
import zlib
from dataclasses import dataclass

STRONG_HASHES = frozenset({"sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512", "blake2b"})
"""RECORD hash algorithms accepted: sha256 or stronger (PEP 376/427 forbid md5 and sha1)."""

SCHEMES = frozenset({"purelib", "platlib", "scripts", "data", "headers"})
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024  # the default of the setting max_wheel_unpacked_bytes
MAX_REASONS_PER_CHECK = 20
_DRIVE = re.compile(r"^[A-Za-z]:")
_SIGNATURES = ("RECORD.jws", "RECORD.p7s")


@dataclass(frozen=True)
class RecordRow:
    path: str
    algorithm: str
    digest: str
    size: int | None


def unsafe_path_reason(name: str) -> str | None:
    """Why ``name`` (a member or RECORD path) may not be installed, or ``None`` if it is safe."""
    if "\x00" in name:
        return f"unsafe path in archive: {name!r} (NUL byte)"
    if "\\" in name:
        return f"unsafe path in archive: {name} (backslash)"
    if name.startswith("/") or _DRIVE.match(name):
        return f"unsafe path in archive: {name} (absolute path)"
    parts = name.rstrip("/").split("/")
    if ".." in parts:
        return f"unsafe path in archive: {name} (parent directory '..')"
    if "" in parts or "." in parts:
        return f"unsafe path in archive: {name} (not a normalised relative path)"
    return None


def stdlib_shadow_reason(name: str, data_dir: str) -> str | None:
    """Why ``name`` would be a top-level module named like a standard-library one (``tempfile.py``,
    ``traceback/``, ``_ssl.cpython-311-x86_64-linux-gnu.so``), or ``None``. The worker never lets
    such a module shadow the standard library (the version's paths come after it on ``sys.path``);
    a wheel that ships one is refused so that nobody relies on it."""
    top, _, rest = name.partition("/")
    if top == data_dir and rest.split("/", 1)[0] in ("purelib", "platlib"):
        top, _, rest = rest.partition("/")[2].partition("/")
    if not top or top.endswith((".dist-info", ".data")):
        return None
    module = top.split(".", 1)[0] if not rest else top
    if module in sys.stdlib_module_names and (rest or top.endswith((".py", ".pyc", ".so", ".pyd"))):
        return (f"{name} is a top-level module named like the standard library's {module!r}: "
                "a wheel may not ship one")
    return None


def is_link(info: zipfile.ZipInfo) -> bool:
    """A member stored as a symbolic link (Unix mode bits in the upper half of external_attr)."""
    return stat.S_ISLNK(info.external_attr >> 16)


def check_members(zf: zipfile.ZipFile, dist_info: str, data_dir: str,
                  max_unpacked: int = MAX_UNCOMPRESSED_BYTES) -> list[str]:
    """Unsafe names, links, duplicates, size bombs and anything outside the wheel's own tree."""
    reasons: list[str] = []
    seen: set[str] = set()
    total = 0
    for info in zf.infolist():
        name = info.filename
        why = unsafe_path_reason(name)
        if why:
            reasons.append(why)
            continue
        if is_link(info):
            reasons.append(f"unsafe path in archive: {name} is a symbolic link")
        shadow = stdlib_shadow_reason(name, data_dir)
        if shadow and shadow not in reasons:
            reasons.append(shadow)
        if name in seen:
            reasons.append(f"archive lists {name} twice")
        seen.add(name)
        total += info.file_size
        foreign = _foreign_tree_reason(name, dist_info, data_dir)
        if foreign:
            reasons.append(foreign)
    if total > max_unpacked:
        reasons.append(f"archive unpacks to {total} bytes, more than the {max_unpacked} allowed "
                       "(max_wheel_unpacked_bytes)")
    return _capped(reasons)


def _foreign_tree_reason(name: str, dist_info: str, data_dir: str) -> str | None:
    """Why a member lies outside the wheel's own metadata and data directories, or None."""
    top, _, rest = name.partition("/")
    if top.endswith(".dist-info") and top != dist_info:
        return f"archive holds a foreign metadata directory {top}/ (expected only {dist_info}/)"
    if top.endswith(".data"):
        scheme = rest.split("/", 1)[0]
        if top != data_dir:
            return f"archive holds a foreign data directory {top}/ (expected {data_dir}/)"
        if rest and scheme not in SCHEMES:
            allowed = ", ".join(sorted(SCHEMES))
            return f"{name} is in an unknown install scheme {scheme!r} (allowed: {allowed})"
    return None


def parse_record(text: str) -> tuple[list[RecordRow], list[str]]:
    """Rows of a RECORD file and the problems with its lines."""
    rows: list[RecordRow] = []
    reasons: list[str] = []
    for number, fields in enumerate(csv.reader(text.splitlines()), start=1):
        if not fields:
            continue
        if len(fields) != 3:
            reasons.append(f"RECORD line {number} has {len(fields)} fields, not 3")
            continue
        path, hash_field, size_field = fields
        algorithm, _, digest = hash_field.partition("=")
        try:
            size = int(size_field) if size_field else None
        except ValueError:
            reasons.append(f"RECORD: size of {path} is not a number: {size_field!r}")
            size = None
        why = unsafe_path_reason(path)
        if why:
            reasons.append(f"RECORD lists an {why}")
            continue
        rows.append(RecordRow(path, algorithm if hash_field else "", digest, size))
    return rows, reasons


def _digest(zf: zipfile.ZipFile, info: zipfile.ZipInfo, algorithm: str) -> tuple[str, int]:
    h = hashlib.new(algorithm)
    size = 0
    with zf.open(info) as stream:
        for chunk in iter(lambda: stream.read(1 << 16), b""):
            h.update(chunk)
            size += len(chunk)
    return base64.urlsafe_b64encode(h.digest()).rstrip(b"=").decode("ascii"), size


def check_record(zf: zipfile.ZipFile, dist_info: str) -> list[str]:
    """Every member listed in RECORD with a sha256-or-stronger hash and size that match its bytes."""
    record_path = f"{dist_info}/RECORD"
    try:
        text = zf.read(record_path).decode("utf-8")
    except KeyError:
        return [f"RECORD missing from {dist_info}/"]
    except (UnicodeDecodeError, zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        return [f"RECORD cannot be read: {exc}"]
    rows, reasons = parse_record(text)
    listed: dict[str, RecordRow] = {}
    for row in rows:
        if row.path in listed:
            reasons.append(f"RECORD lists {row.path} twice")
        listed[row.path] = row
    members = [i for i in zf.infolist() if not i.filename.endswith("/") and not unsafe_path_reason(i.filename)]
    for info in members:
        name = info.filename
        row = listed.pop(name, None)
        if name == record_path or (name.startswith(dist_info + "/") and name.rsplit("/", 1)[-1] in _SIGNATURES):
            continue
        why = _member_record_reason(zf, info, row)
        if why:
            reasons.append(why)
    for path in sorted(listed):
        reasons.append(f"RECORD lists {path}, which is not in the archive")
    return _capped(reasons)


def _member_record_reason(zf: zipfile.ZipFile, info: zipfile.ZipInfo, row: RecordRow | None) -> str | None:
    """Why one member does not match its RECORD row (missing, unhashed, weakly hashed, unreadable,
    another hash or size), or None."""
    name = info.filename
    if row is None:
        return f"RECORD: {name} is in the archive but not listed in RECORD"
    if not row.algorithm or not row.digest:
        return f"RECORD: {name} has no hash"
    if row.algorithm not in STRONG_HASHES:
        return f"RECORD: {name} is hashed with {row.algorithm}; sha256 or stronger is required"
    try:
        digest, size = _digest(zf, info, row.algorithm)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
        return f"{name} cannot be read from the archive: {exc}"
    if digest != row.digest:
        return f"RECORD: hash of {name} does not match its content"
    if row.size is not None and row.size != size:
        return f"RECORD: size of {name} is {size}, RECORD says {row.size}"
    return None


def _capped(reasons: list[str]) -> list[str]:
    if len(reasons) <= MAX_REASONS_PER_CHECK:
        return reasons
    return reasons[:MAX_REASONS_PER_CHECK] + [f"... and {len(reasons) - MAX_REASONS_PER_CHECK} more like these"]
