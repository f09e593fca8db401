"""The dashboard's HTTP surface (Starlette TestClient): reads, and writes that need the token.

A write without the token, from another origin, under a foreign Host or without a JSON body is
refused and leaves control.json untouched; with it, it goes through the CLI's desired state.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from liveswap.home import changes  # noqa: E402
from liveswap.home.control_store import load_control, update_control  # noqa: E402
from liveswap.settings import load_settings  # noqa: E402
from liveswap.web.actions import Guard  # noqa: E402
from liveswap.web.app import create_app  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

TOKEN = "s3cret-token"
OK = {"X-Liveswap-Token": TOKEN}


@pytest.fixture
def client(home: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    for key in [k for k in os.environ if k.startswith("LIVESWAP_")]:
        monkeypatch.delenv(key)
    app = create_app(load_settings(home), Guard(TOKEN, frozenset({"testserver"})))
    return TestClient(app)


def control(home: Path) -> dict | None:
    doc = load_control(home / "state")
    return doc.to_json() if doc else None


def test_the_page_and_its_vendored_chart_library_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "liveswap" in page.text and "/static/vendor/uPlot.iife.min.js" in page.text
    assert "http" not in page.text.replace("http-equiv", "")  # nothing from another server
    lib = client.get("/static/vendor/uPlot.iife.min.js")
    assert lib.status_code == 200 and "uPlot" in lib.text
    assert client.get("/api/overview").json()["host"]["seen"] is False


@pytest.mark.parametrize("headers", [
    {},
    {"X-Liveswap-Token": "wrong"},
    {**OK, "Origin": "http://evil.example"},
    {**OK, "Host": "evil.example:8765"},
], ids=["no token", "wrong token", "foreign origin", "foreign host"])
def test_a_write_without_the_token_or_from_elsewhere_is_refused_and_changes_nothing(
        client: TestClient, home: Path, headers: dict[str, str]) -> None:
    res = client.post("/api/actions/pause", json={}, headers=headers)
    assert res.status_code == 403
    assert res.json()["ok"] is False and res.json()["reason"]
    assert control(home) is None


def test_a_form_post_cannot_carry_a_write(client: TestClient, home: Path) -> None:
    res = client.post("/api/actions/pause", content=b"x=1",
                      headers={**OK, "Content-Type": "application/x-www-form-urlencoded"})
    assert res.status_code == 415 and control(home) is None


def test_reads_refuse_a_foreign_host(client: TestClient) -> None:
    assert client.get("/api/overview", headers={"Host": "rebound.example:8765"}).status_code == 403


def test_pause_and_resume_with_the_token_change_the_desired_state_like_the_cli(
        client: TestClient, home: Path) -> None:
    res = client.post("/api/actions/pause", json={"markets": ["ETH-5m"]}, headers=OK)
    assert res.status_code == 200, res.text
    assert res.json()["generation"] == 1
    assert control(home)["paused_markets"] == ["ETH-5m"]
    client.post("/api/actions/pause", json={}, headers=OK)
    assert control(home)["paused"] is True
    client.post("/api/actions/resume", json={}, headers=OK)
    doc = control(home)
    assert (doc["paused"], doc["paused_markets"], doc["generation"]) == (False, [], 3)


def test_activate_and_rollback_write_what_the_cli_writes(client: TestClient, home: Path) -> None:
    assert client.post("/api/actions/activate", json={"spec": "momentum==1.0.0"}, headers=OK).status_code == 200
    doc = control(home)
    assert (doc["active"], doc["active_request"], doc["rollback"]) == ("momentum==1.0.0", 1, None)
    assert client.post("/api/actions/rollback", json={"to": "1.1.0"}, headers=OK).status_code == 200
    doc = control(home)
    assert (doc["active"], doc["rollback"]) == (None, {"to": "1.1.0", "request": 2})


@pytest.mark.parametrize(("name", "body", "status", "says"), [
    ("activate", {"spec": "no spaces allowed"}, 400, "NAME==VERSION"),
    ("activate", {}, 400, "'spec' is required"),
    ("rollback", {"to": "not a version"}, 400, "PEP 440"),
    ("pause", {"markets": ["NOPE-5m"]}, 400, "unknown market"),
    ("promote", {}, 409, "no candidate"),
    ("explode", {}, 404, "unknown action"),
])
def test_invalid_actions_are_refused_with_the_reason(client: TestClient, home: Path, name: str, body: dict,
                                                     status: int, says: str) -> None:
    res = client.post(f"/api/actions/{name}", json=body, headers=OK)
    assert res.status_code == status and says in res.json()["reason"]
    assert control(home) is None


def test_promote_and_reject_change_the_candidate_in_control_json(client: TestClient, home: Path) -> None:
    update_control(home / "state", changes.start_candidate("momentum==1.1.0", mode="shadow"))  # liveswap shadow
    cand = control(home)["candidate"]
    res = client.post("/api/actions/promote", json={}, headers=OK)
    assert res.status_code == 200, res.text
    doc = json.loads((home / "state" / "control.json").read_text())
    assert doc["candidate"] == {**cand, "promote": 2}
    assert client.post("/api/actions/reject", json={}, headers=OK).status_code == 200
    assert control(home).get("candidate") is None
