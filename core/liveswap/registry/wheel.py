"""One wheel file taken apart and checked on its own: name, archive, WHEEL, METADATA, RECORD,
tags, Requires-Python and entry points. Whether the host can run it is :mod:`.compat`'s job.
"""

from __future__ import annotations

import configparser
import email.parser
import hashlib
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from packaging.metadata import Metadata
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from liveswap import ENTRY_POINT_GROUP
from liveswap.registry.archive import check_members, check_record
from liveswap.registry.host import HostEnvironment
from liveswap.registry.limits import DEFAULT_LIMITS, WheelLimits
from liveswap.registry.model import Report


@dataclass
class WheelFacts:
    """A wheel's bytes, parsed metadata and the reasons found so far (in ``report``)."""

    report: Report
    data: bytes = b""
    metadata: Metadata | None = None
    entry_points: dict[str, dict[str, str]] = field(default_factory=dict)
    tags: frozenset[Tag] = frozenset()

    @property
    def intact(self) -> bool:
        """Readable, metadata parsed, RECORD matching: safe to install (tags etc. aside)."""
        return self.metadata is not None and not self.report.reasons


def read_wheel(path: Path, max_bytes: int = DEFAULT_LIMITS.max_wheel_bytes) -> tuple[bytes | None, str | None]:
    """The wheel's bytes, or the one-line reason it cannot be read (larger than ``max_bytes``: not read)."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, f"wheel is {size} bytes, more than the {max_bytes} allowed (max_wheel_bytes)"
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)  # it may have grown since the stat
        if len(data) > max_bytes:
            return None, f"wheel is more than the {max_bytes} bytes allowed (max_wheel_bytes)"
        return data, None
    except OSError as exc:
        return None, f"cannot read {path.name}: {exc.strerror or exc}"


def inspect_wheel(path: Path, host: HostEnvironment, data: bytes | None = None, *,
                  limits: WheelLimits = DEFAULT_LIMITS) -> WheelFacts:
    """Check one wheel file on its own; never raises for anything the file contains."""
    report = Report(source="registry", path=path)
    facts = WheelFacts(report=report)
    if data is None:
        data, why = read_wheel(path, limits.max_wheel_bytes)
        if data is None:
            report.refuse(why or "cannot read the file")
            return facts
    facts.data = data
    report.sha256 = hashlib.sha256(data).hexdigest()
    try:
        _inspect(path.name, facts, host, limits.max_unpacked_bytes)
    except Exception as exc:  # noqa: BLE001 - a wheel must never crash the host
        report.refuse(f"cannot be checked: {type(exc).__name__}: {exc}".splitlines()[0])
    return facts


def _inspect(file_name: str, facts: WheelFacts, host: HostEnvironment, max_unpacked: int) -> None:
    report = facts.report
    name = version = None
    try:
        name, version, _build, facts.tags = parse_wheel_filename(file_name)
        report.dist_name, report.version = name, str(version)
        report.tags = sorted(str(t) for t in facts.tags)
    except InvalidWheelFilename as exc:
        report.refuse(f"not a valid wheel file name: {exc}")
    try:
        zf = zipfile.ZipFile(io.BytesIO(facts.data))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        report.refuse(f"not a readable zip archive (corrupt or truncated): {exc}")
        return
    with zf:
        dist_info = _find_dist_info(zf, report)
        if dist_info is None:
            return
        stem = dist_info[: -len(".dist-info")]
        data_dir = f"{stem}.data"
        members = check_members(zf, dist_info, data_dir, max_unpacked)
        report.reasons.extend(r for r in members if r not in report.reasons)
        if not any("max_wheel_unpacked_bytes" in r for r in members):  # never decompress a bomb to hash it
            report.reasons.extend(check_record(zf, dist_info))
        _check_wheel_file(zf, dist_info, report)
        facts.metadata = _read_metadata(zf, dist_info, report)
        facts.entry_points = _read_entry_points(zf, dist_info, report)
    meta = facts.metadata
    if meta is not None:
        _check_metadata_names(meta, name, version, dist_info, report)
        if meta.requires_python is not None:
            report.requires_python = str(meta.requires_python)
            _check_requires_python(meta.requires_python, host, report)
    if facts.tags and not (facts.tags & host.tags):
        report.refuse(f"tags {', '.join(report.tags)} do not match this interpreter (best: {host.best_tag})")
    report.entry_points = dict(facts.entry_points.get(ENTRY_POINT_GROUP, {}))


def _check_metadata_names(meta: Metadata, name: str | None, version: Version | None, dist_info: str,
                          report: Report) -> None:
    """METADATA's name and version against the file name and the ``NAME-VERSION.dist-info`` folder."""
    if name is None:
        report.dist_name, report.version = meta.name, str(meta.version)
    else:
        if canonicalize_name(meta.name) != name:
            report.refuse(f"METADATA name {meta.name!r} does not match the file name ({name})")
        if version is not None and meta.version != version:
            report.refuse(f"METADATA version {meta.version} does not match the file name ({version})")
    dist_stem = dist_info[: -len(".dist-info")].rsplit("-", 1)
    if len(dist_stem) != 2 or canonicalize_name(dist_stem[0]) != canonicalize_name(meta.name):
        report.refuse(f"metadata directory {dist_info}/ does not match the name {meta.name}")
    else:
        try:
            if Version(dist_stem[1]) != meta.version:
                report.refuse(f"metadata directory {dist_info}/ does not match the version {meta.version}")
        except InvalidVersion:
            report.refuse(f"metadata directory {dist_info}/ has an invalid version")
    report.dist_name = meta.name


def _find_dist_info(zf: zipfile.ZipFile, report: Report) -> str | None:
    tops = sorted({n.split("/", 1)[0] for n in zf.namelist() if "/" in n and n.split("/", 1)[0].endswith(".dist-info")})
    if len(tops) == 1:
        return tops[0]
    if not tops:
        report.refuse("no .dist-info directory in the archive (METADATA missing)")
    else:
        report.refuse(f"more than one .dist-info directory in the archive: {', '.join(tops)}")
    return None


def _read_text(zf: zipfile.ZipFile, member: str, report: Report) -> str | None:
    try:
        return zf.read(member).decode("utf-8")
    except KeyError:
        report.refuse(f"{member.rsplit('/', 1)[-1]} missing from {member.rsplit('/', 1)[0]}/")
    except UnicodeDecodeError:
        report.refuse(f"{member} is not UTF-8 text")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        report.refuse(f"{member} cannot be read from the archive: {exc}")
    return None


def _check_wheel_file(zf: zipfile.ZipFile, dist_info: str, report: Report) -> None:
    text = _read_text(zf, f"{dist_info}/WHEEL", report)
    if text is None:
        return
    wheel_version = email.parser.Parser().parsestr(text).get("Wheel-Version", "").strip()
    if not wheel_version:
        report.refuse("WHEEL has no Wheel-Version")
    elif wheel_version.split(".", 1)[0] != "1":
        report.refuse(f"Wheel-Version {wheel_version} is not supported (1.x only)")


def _read_metadata(zf: zipfile.ZipFile, dist_info: str, report: Report) -> Metadata | None:
    text = _read_text(zf, f"{dist_info}/METADATA", report)
    if text is None:
        return None
    try:
        return Metadata.from_email(text, validate=True)
    except ExceptionGroup as group:
        for exc in group.exceptions:
            report.refuse(f"METADATA: {exc}".splitlines()[0])
    except Exception as exc:  # noqa: BLE001 - packaging raises several kinds for malformed input
        report.refuse(f"METADATA cannot be parsed: {exc}".splitlines()[0])
    return None


def _read_entry_points(zf: zipfile.ZipFile, dist_info: str, report: Report) -> dict[str, dict[str, str]]:
    member = f"{dist_info}/entry_points.txt"
    if member not in zf.namelist():
        return {}
    text = _read_text(zf, member, report)
    if text is None:
        return {}
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # entry point names are case-sensitive
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        report.refuse(f"entry_points.txt cannot be parsed: {exc}".splitlines()[0])
        return {}
    return {section: {k.strip(): v.strip() for k, v in parser.items(section)} for section in parser.sections()}


def _check_requires_python(spec: SpecifierSet, host: HostEnvironment, report: Report) -> None:
    try:
        ok = spec.contains(host.python_version, prereleases=True)
    except InvalidSpecifier:
        ok = False
    if not ok:
        report.refuse(f"Requires-Python {spec} excludes this interpreter (Python {host.python_version})")
