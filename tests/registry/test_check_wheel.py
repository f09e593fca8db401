"""check_wheel on a corpus of broken wheels: each refused with its reason, nothing raises."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from liveswap.registry import Registry, RegistryError, check_wheel

from tests.support.wheelkit import make_wheel, tree

MOD = "momentum_strategy/__init__.py"


def not_a_zip(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "momentum_strategy-1.0.0-py3-none-any.whl"
    path.write_bytes(b"this is not a zip archive\n")
    return path


def truncated(out: Path) -> Path:
    path = make_wheel(out)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


def bad_file_name(out: Path) -> Path:
    return make_wheel(out).rename(out / "momentum.whl")


CORPUS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "not a zip": (not_a_zip, "not a readable zip archive"),
    "truncated zip": (truncated, "not a readable zip archive"),
    "bad file name": (bad_file_name, "not a valid wheel file name"),
    "missing METADATA": (lambda o: make_wheel(o, omit=["{dist_info}/METADATA"]),
                         "METADATA missing from momentum_strategy-1.0.0.dist-info/"),
    "invalid METADATA": (lambda o: make_wheel(o, requires=["liveswap >>> 1"]), "METADATA: "),
    "name mismatch": (lambda o: make_wheel(o, metadata_name="other-strategy"),
                      "METADATA name 'other-strategy' does not match the file name (momentum-strategy)"),
    "Wheel-Version 2": (lambda o: make_wheel(o, wheel_version="2.0"), "Wheel-Version 2.0 is not supported"),
    "RECORD hash mismatch": (lambda o: make_wheel(o, tamper={MOD: b"import os\nos.system('rm -rf ~')\n"}),
                             f"RECORD: hash of {MOD} does not match its content"),
    "file missing from RECORD": (lambda o: make_wheel(o, unlisted={"momentum_strategy/extra.py": b"x = 1\n"}),
                                 "RECORD: momentum_strategy/extra.py is in the archive but not listed in RECORD"),
    "RECORD lists a file not in the archive": (
        lambda o: make_wheel(o, record_extra=["momentum_strategy/gone.py,sha256=AAAA,4"]),
        "RECORD lists momentum_strategy/gone.py, which is not in the archive"),
    "md5 hashes": (lambda o: make_wheel(o, hash_algo="md5"),
                   f"RECORD: {MOD} is hashed with md5; sha256 or stronger is required"),
    "path traversal": (lambda o: make_wheel(o, unlisted={"../evil.py": b"x = 1\n"}),
                       "unsafe path in archive: ../evil.py (parent directory '..')"),
    "path traversal in RECORD": (lambda o: make_wheel(o, record_extra=["../../evil.py,sha256=AAAA,4"]),
                                 "RECORD lists an unsafe path in archive: ../../evil.py (parent directory '..')"),
    "absolute path": (lambda o: make_wheel(o, unlisted={"/etc/evil.py": b"x = 1\n"}),
                      "unsafe path in archive: /etc/evil.py (absolute path)"),
    "symlink": (lambda o: make_wheel(o, symlinks={"momentum_strategy/passwd": "/etc/passwd"}),
                "unsafe path in archive: momentum_strategy/passwd is a symbolic link"),
    "foreign data scheme": (lambda o: make_wheel(o, files={"momentum_strategy-1.0.0.data/root/x": b"x"}),
                            "unknown install scheme 'root'"),
    "incompatible tags": (lambda o: make_wheel(o, tag="cp27-cp27m-win32"),
                          "tags cp27-cp27m-win32 do not match this interpreter"),
    "Requires-Python excludes": (lambda o: make_wheel(o, requires_python=">=4"),
                                 "Requires-Python >=4 excludes this interpreter (Python 3."),
    "no liveswap requirement": (lambda o: make_wheel(o, requires=()),
                                "no liveswap requirement: declare Requires-Dist: liveswap>=1.0,<2"),
    "liveswap requirement unsatisfied": (lambda o: make_wheel(o, requires=["liveswap>=2"]),
                                         "requires liveswap>=2 but this host is liveswap 1.0.0"),
    "no entry point": (lambda o: make_wheel(o, ep=None), "no entry point in group liveswap.strategies"),
    "bad entry point value": (lambda o: make_wheel(o, ep_value="not a target"), "is not 'module:attr'"),
    "direct URL dependency": (lambda o: make_wheel(o, requires=["liveswap>=1.0,<2", "x @ https://e.invalid/x.whl"]),
                              "dependency x @ https://e.invalid/x.whl is a direct URL"),
}


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_broken_wheel_is_refused_with_its_reason(case: str, tmp_path: Path) -> None:
    build, expected = CORPUS[case]
    wheel = build(tmp_path / "in")
    before = tree(tmp_path)
    report = check_wheel(wheel)
    assert report.verdict == "refused"
    assert any(expected in r for r in report.reasons), report.reasons
    assert all("\n" not in r for r in report.reasons)
    assert tree(tmp_path) == before  # a check writes nothing


def test_good_wheel_is_compatible_with_a_full_report(tmp_path: Path) -> None:
    requires = ["liveswap>=1.0,<2", "packaging>=20", "winonly; os_name == 'nt'"]
    report = check_wheel(make_wheel(tmp_path, requires=requires))
    assert report.reasons == []
    assert report.verdict == "compatible"
    assert report.kind == "strategy"
    assert report.entry_points == {"momentum": "momentum_strategy:Strategy"}
    assert report.dist_name == "momentum-strategy" and report.version == "1.0.0"
    assert report.requires_liveswap == "<2,>=1.0"
    # listed, not resolved: the resolver pins them at install (the host's own packaging does not count)
    assert [(d.requirement, d.satisfied_by) for d in report.dependencies] == [("packaging>=20", "")]


def test_every_reason_is_collected_not_just_the_first(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, requires=["liveswap>=2"], ep=None, hash_algo="md5", requires_python="<3")
    reasons = check_wheel(wheel).reasons
    for expected in ("is hashed with md5", "Requires-Python <3 excludes", "requires liveswap>=2",
                     "no entry point in group liveswap.strategies"):
        assert any(expected in r for r in reasons), (expected, reasons)


def test_a_real_wheel_built_by_hatchling_is_compatible(real_wheels: dict[str, Path]) -> None:
    report = check_wheel(real_wheels["1.0.0"])
    assert report.reasons == []
    assert report.entry_points == {"momentum": "momentum_strategy:Strategy"}


def test_real_wheel_with_one_flipped_byte_is_refused(real_wheels: dict[str, Path], tmp_path: Path) -> None:
    import zipfile

    src = real_wheels["1.0.0"]
    dst = tmp_path / src.name
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == MOD:
                data = data.replace(b'VERSION = "1.0.0"', b'VERSION = "6.6.6"')
            zout.writestr(info, data)
    assert f"RECORD: hash of {MOD} does not match its content" in check_wheel(dst).reasons


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_broken_wheel_in_a_registry_is_listed_refused_and_never_installed(case: str, home: Path) -> None:
    build, expected = CORPUS[case]
    wheel = build(home.parent / "in")
    (home / "registry" / wheel.name).write_bytes(wheel.read_bytes())
    before = tree(home)
    registry = Registry(home)
    (version,) = registry.scan()
    assert version.verdict == "refused"
    assert any(expected in r for r in version.reasons), version.reasons
    with pytest.raises(RegistryError) as err:
        registry.install(version)
    assert "\n" not in str(err.value)
    with pytest.raises(RegistryError):
        registry.resolve(f"{version.name}=={version.version}" if version.version else version.name)
    assert tree(home) == before  # nothing accepted: no index, no install directory


def test_check_wheel_on_a_missing_file_or_directory_does_not_raise(tmp_path: Path) -> None:
    assert check_wheel(tmp_path / "nope-1.0-py3-none-any.whl").verdict == "refused"
    (tmp_path / "dir-1.0-py3-none-any.whl").mkdir()
    assert check_wheel(tmp_path / "dir-1.0-py3-none-any.whl").verdict == "refused"
