"""Resolve a version's requirements and install the resolved set: uv, with pip as the fallback.

Where packages come from is an :class:`EnvConfig`: the configured index (or none when offline),
plus find-links folders (the optional wheelhouse; never registry/). Only wheels are
ever used (``--only-binary :all:``): building an sdist would run foreign code on the host.
``liveswap`` is provided by the host and never resolved nor installed.

:func:`resolve` returns the pinned set with every wheel hash the index offers (the lock's
``packages``); :func:`install_pinned` installs exactly that set (``--require-hashes``,
``--no-deps``) into an empty target folder. With uv, files are hard-linked from the cache folder
(``--link-mode hardlink``), so many environments holding the same numpy cost one numpy on disk.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from liveswap.registry.errors import RegistryError

HOST_PACKAGE = "liveswap"
RESOLVE_TIMEOUT_SECONDS = 300.0
_KEEP_ENV = frozenset({"UV_NATIVE_TLS", "UV_HTTP_TIMEOUT", "UV_CONCURRENT_DOWNLOADS", "PIP_CERT", "PIP_CLIENT_CERT",
                       "PIP_DEFAULT_TIMEOUT", "PIP_PROXY"})
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
_HASH = re.compile(r"--hash=([a-z0-9]+:[0-9a-f]+)")


class ResolutionError(RegistryError):
    """The requirements cannot be resolved (the resolver's reason, one line)."""


@dataclass(frozen=True)
class EnvConfig:
    """Where a version's dependencies come from, and with which tool.

    ``index_url``: the package index (None: the resolver's default, PyPI). ``offline``: no index
    at all, only ``find_links`` folders. ``find_links``: wheel folders (the wheelhouse; never the
    registry folder, whose wheels are strategies). ``resolver``: ``auto`` (uv if installed, else
    pip), ``uv`` or ``pip``.
    ``cache_dir``: the resolver's cache (files of environments are hard links into it).
    """

    cache_dir: Path
    find_links: tuple[Path, ...] = ()
    index_url: str | None = None
    offline: bool = False
    resolver: str = "auto"

    def sources(self) -> dict[str, Any]:
        return {
            "index_url": None if self.offline else (self.index_url or "default (PyPI)"),
            "find_links": [str(p) for p in self.find_links],
            "offline": self.offline,
        }


@dataclass(frozen=True)
class Pinned:
    """One resolved package: exact version and the sha256 of every wheel file it may come from."""

    name: str
    version: str
    hashes: tuple[str, ...] = field(default_factory=tuple)

    def line(self) -> str:
        return " ".join([f"{self.name}=={self.version}", *(f"--hash={h}" for h in self.hashes)])

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "hashes": list(self.hashes)}


@cache
def uv_binary() -> str | None:
    """The uv executable (the ``uv`` PyPI package's, else one on PATH), or None."""
    try:
        import uv  # type: ignore[import-not-found,unused-ignore]

        found = uv.find_uv_bin()
        if found and os.access(found, os.X_OK):
            return str(found)
    except (ImportError, FileNotFoundError):
        pass
    return shutil.which("uv")


def tool_of(config: EnvConfig) -> str:
    """``uv`` or ``pip``: what resolves and installs under ``config``."""
    if config.resolver == "pip":
        return "pip"
    if uv_binary() is not None:
        return "uv"
    if config.resolver == "uv":
        raise RegistryError("resolver = 'uv' but uv is not installed (pip install uv, or set resolver = 'auto')")
    return "pip"


@cache
def tool_version(tool: str) -> str:
    cmd = [uv_binary() or "uv", "--version"] if tool == "uv" else [sys.executable, "-m", "pip", "--version"]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return tool
    return f"{tool} {out[1]}" if len(out) > 1 else tool


def dependency_requirements(requires: Sequence[str]) -> list[str]:
    """The requirements to resolve: every one but the host's own ``liveswap`` (which the host is)."""
    kept: list[str] = []
    for raw in requires:
        try:
            if canonicalize_name(Requirement(raw).name) == HOST_PACKAGE:
                continue
        except InvalidRequirement:
            pass
        kept.append(raw)
    return kept


def resolve(requirements: Sequence[str], config: EnvConfig) -> tuple[list[Pinned], str]:
    """Pin ``requirements`` (with hashes) for this interpreter; returns ``(pinned, tool version)``.

    Raises :class:`ResolutionError` with the resolver's own reason in one line.
    """
    tool = tool_of(config)
    if not requirements:
        return [], tool_version(tool)
    with tempfile.TemporaryDirectory(prefix="liveswap-resolve-") as tmp:
        req_file = Path(tmp) / "requirements.in"
        req_file.write_text("\n".join(requirements) + "\n")
        if tool == "uv":
            overrides = Path(tmp) / "overrides.txt"
            overrides.write_text(f"{HOST_PACKAGE} ; python_version < '0'\n")  # the host provides it
            out = Path(tmp) / "lock.txt"
            _run([uv_binary() or "uv", "pip", "compile", str(req_file), "-o", str(out), "--generate-hashes",
                  "--no-header", "--no-annotate", "--override", str(overrides), "-q", *_uv_common(config)],
                 "resolve", requirements)
            pinned = parse_requirements_txt(out.read_text())
        else:
            report = Path(tmp) / "report.json"
            _run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
                  "--report", str(report), "-r", str(req_file), *_pip_common(config)], "resolve", requirements)
            pinned = _parse_pip_report(json.loads(report.read_text()))
    return [p for p in pinned if canonicalize_name(p.name) != HOST_PACKAGE], tool_version(tool)


def install_pinned(pinned: Sequence[Pinned], target: Path, config: EnvConfig) -> None:
    """Install exactly ``pinned`` (hashes required, no dependencies) into ``target``."""
    if not pinned:
        target.mkdir(parents=True, exist_ok=True)
        return
    tool = tool_of(config)
    with tempfile.TemporaryDirectory(prefix="liveswap-install-") as tmp:
        req_file = Path(tmp) / "lock.txt"
        req_file.write_text("\n".join(p.line() for p in pinned) + "\n")
        if tool == "uv":
            _run([uv_binary() or "uv", "pip", "install", "--target", str(target), "--no-deps", "--require-hashes",
                  "-r", str(req_file), "--link-mode", "hardlink", "-q", *_uv_common(config)],
                 "install", [p.line().split()[0] for p in pinned])
        else:
            _run([sys.executable, "-m", "pip", "install", "--target", str(target), "--no-deps", "--require-hashes",
                  "--quiet", "--no-compile", "-r", str(req_file), *_pip_common(config)],
                 "install", [p.line().split()[0] for p in pinned])


def _uv_common(config: EnvConfig) -> list[str]:
    args = ["--python", sys.executable, "--only-binary", ":all:", "--no-config",
            "--cache-dir", str(config.cache_dir)]
    for folder in config.find_links:
        if folder.is_dir():
            args += ["--find-links", str(folder)]
    if config.offline:
        args += ["--no-index", "--offline"]
    elif config.index_url:
        args += ["--index-url", config.index_url]
    return args


def _pip_common(config: EnvConfig) -> list[str]:
    args = ["--only-binary", ":all:", "--disable-pip-version-check", "--no-input", "--isolated",
            "--cache-dir", str(config.cache_dir.parent / "pip")]
    for folder in config.find_links:
        if folder.is_dir():
            args += ["--find-links", str(folder)]
    if config.offline:
        args += ["--no-index"]
    elif config.index_url:
        args += ["--index-url", config.index_url]
    return args


def _run(cmd: list[str], what: str, requirements: Sequence[str]) -> None:
    # only liveswap's settings decide what a version resolves to: no UV_*/PIP_* variable (pip also
    # gets --isolated), except those about reaching the network at all
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_")) or k in _KEEP_ENV}
    env.update({"NO_COLOR": "1", "UV_NO_PROGRESS": "1"})
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=RESOLVE_TIMEOUT_SECONDS, env=env,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise ResolutionError(f"cannot {what} {', '.join(requirements)}: {Path(cmd[0]).name} took longer than "
                              f"{RESOLVE_TIMEOUT_SECONDS:.0f}s") from exc
    except OSError as exc:
        raise ResolutionError(f"cannot {what} {', '.join(requirements)}: cannot run {cmd[0]}: {exc}") from exc
    if done.returncode != 0:
        raise ResolutionError(f"cannot {what} {', '.join(requirements)}: {reason_of(done.stderr or done.stdout)}")


def reason_of(output: str) -> str:
    """The resolver's reason as one line: uv's ``error:``/``cause:`` lines, pip's ``ERROR:`` lines."""
    lines = [ln.strip(" ╰─▶×│") for ln in output.splitlines()]
    lines = [ln for ln in lines if ln]
    keep = [ln.split(":", 1)[1].strip() for ln in lines
            if ln.lower().startswith(("error:", "cause:", "caused by:"))]
    if not keep:
        keep = lines[-2:] if lines else ["the resolver failed without a message"]
    text = ": ".join(dict.fromkeys(keep))
    return text if len(text) <= 400 else text[:397] + "..."


def parse_requirements_txt(text: str) -> list[Pinned]:
    """``name==version --hash=...`` entries of a (backslash-continued) requirements file."""
    joined = re.sub(r"\\\s*\n", " ", text)
    pinned: list[Pinned] = []
    for line in joined.splitlines():
        line = line.split(" #", 1)[0].strip()
        match = _PIN.match(line)
        if match:
            pinned.append(Pinned(match.group(1), match.group(2), tuple(_HASH.findall(line))))
    return pinned


def _parse_pip_report(report: dict[str, Any]) -> list[Pinned]:
    pinned: list[Pinned] = []
    for item in report.get("install", []):
        meta = item.get("metadata", {})
        info = item.get("download_info", {})
        hashes = dict((info.get("archive_info", {}) or {}).get("hashes", {}) or {})
        url = str(info.get("url", ""))
        if "sha256" not in hashes and url.startswith("file://"):  # a wheel from a local folder
            local = Path(urllib.request.url2pathname(url[len("file://"):]))
            hashes["sha256"] = hashlib.sha256(local.read_bytes()).hexdigest()
        pinned.append(Pinned(meta.get("name", "?"), meta.get("version", "?"),
                             tuple(f"{k}:{v}" for k, v in sorted(hashes.items()) if k == "sha256")))
    return pinned
