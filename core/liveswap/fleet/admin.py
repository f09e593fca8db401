"""What ``liveswap fleet status | rollout | undo`` do: they talk only to NATS (any machine that
reaches it will do), read the hosts' observed state and write the fleet's desired version.

A rollout: the first ``canary_hosts`` live hosts run the version as a canary candidate on all their
markets, judged by the analysis exactly as ``liveswap canary`` is (each host promotes it on a
successful verdict); then the other hosts activate it one step (one host) at a time; a failure
anywhere sets every host back to the version before (the desired state names it), and the command
fails with the reason.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from liveswap.fleet.connect import Buckets, FleetError, connect_options, safe_url
from liveswap.fleet.values import FleetDesired, FleetValueError, HostOrder, Observed, encode, parse_value
from liveswap.settings import FleetSettings
from liveswap.specs import parse_spec

POLL_SECONDS = 0.2


@dataclass(slots=True)
class View:
    """The fleet as one read sees it."""

    desired: FleetDesired | None
    desired_revision: int
    alive: list[str]
    observed: dict[str, Observed] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)

    def to_json(self, name: str) -> dict[str, Any]:
        hosts = []
        for host_id in sorted(set(self.alive) | set(self.observed)):
            seen = self.observed.get(host_id)
            alive = host_id in self.alive
            hosts.append({"host_id": host_id, "alive": alive, "active": seen.active if seen else None,
                          "markets": dict(seen.markets) if seen and alive else {},
                          "observed_generation": seen.observed_generation if seen else None,
                          "balance": seen.balance if seen else None,
                          "realized_pnl": seen.realized_pnl if seen else None,
                          "error": (seen.fleet_error or seen.control_error) if seen else self.refused.get(host_id)})
        desired = self.desired.model_dump(mode="json") if self.desired else None
        return {"fleet": name, "desired": desired, "hosts": hosts}


class FleetClient:
    """One connection to a fleet's buckets, for the CLI."""

    def __init__(self, settings: FleetSettings) -> None:
        self.settings = settings
        self.name = settings.name
        self._nc: Any = None
        self._leases: Any = None
        self._state: Any = None

    async def __aenter__(self) -> FleetClient:
        import nats
        from nats.js.errors import BucketNotFoundError

        options = connect_options(self.settings, name="liveswap-cli")
        options.update(allow_reconnect=False, max_reconnect_attempts=0)
        try:
            self._nc = await nats.connect(**options)
        except Exception as exc:  # noqa: BLE001 - one line, no secrets
            raise FleetError(f"cannot reach NATS at {safe_url(self.settings.url)}: {type(exc).__name__}") from None
        js = self._nc.jetstream(timeout=3)
        names = Buckets.of(self.name)
        try:
            self._leases = await js.key_value(names.leases)
            self._state = await js.key_value(names.state)
        except BucketNotFoundError:
            await self._nc.close()
            raise FleetError(f"fleet {self.name!r} has no buckets on {safe_url(self.settings.url)}: "
                             "no host of it has started") from None
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._nc.close()

    async def view(self) -> View:
        from nats.js.errors import KeyNotFoundError, NoKeysError

        try:
            lease_keys = await self._leases.keys()
        except NoKeysError:
            lease_keys = []
        try:
            state_keys = await self._state.keys()
        except NoKeysError:
            state_keys = []
        view = View(desired=None, desired_revision=0,
                    alive=sorted(k.removeprefix("host.") for k in lease_keys if k.startswith("host.")))
        for key in state_keys:
            if not key.startswith("observed."):
                continue
            host_id = key.removeprefix("observed.")
            try:
                entry = await self._state.get(key)
                view.observed[host_id] = parse_value(Observed, entry.value, key)
            except KeyNotFoundError:
                continue
            except FleetValueError as exc:
                view.refused[host_id] = str(exc)
        try:
            entry = await self._state.get("desired")
            view.desired, view.desired_revision = parse_value(FleetDesired, entry.value, "desired"), entry.revision
        except KeyNotFoundError:
            pass
        except FleetValueError as exc:
            raise FleetError(f"{exc}; fix it with a rollout or undo is refused until then") from None
        return view

    async def write(self, desired: FleetDesired, revision: int) -> int:
        """Compare-and-set: refused if someone else changed the desired state in between."""
        from nats.js.errors import KeyWrongLastSequenceError

        try:
            if revision:
                return int(await self._state.update("desired", encode(desired), last=revision))
            return int(await self._state.create("desired", encode(desired)))
        except KeyWrongLastSequenceError:
            raise FleetError("the fleet's desired state changed under this command (another rollout?): "
                             "nothing written; try again") from None


# ---- the commands' logic ------------------------------------------------------------------------

def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def status(settings: FleetSettings) -> dict[str, Any]:
    async with FleetClient(settings) as client:
        return (await client.view()).to_json(settings.name)


def matches(spec: str, active: str | None) -> bool:
    if active is None:
        return False
    wanted = parse_spec(spec)
    name, _, version = active.partition("==")
    return name == wanted.name and (wanted.version is None or version == wanted.version)


async def rollout(settings: FleetSettings, spec: str, *, canary_hosts: int, analysis: dict[str, Any],
                  wait: float, say: Callable[[str], None]) -> None:
    """Raises :class:`FleetError` with the reason when the rollout failed (every host is then set back)."""
    async with FleetClient(settings) as client:
        view = await client.view()
        if not view.alive:
            raise FleetError(f"fleet {settings.name!r} has no live host")
        previous = (view.desired.active if view.desired else None) or _common_active(view)
        if previous is None:
            raise FleetError("the fleet's hosts run different versions and none is desired: undo or activate first")
        before = view.desired.previous if view.desired else None
        canaries, rest = view.alive[:max(1, canary_hosts)], view.alive[max(1, canary_hosts):]
        step = _Stepper(client, view, previous=previous, before=before, wait=wait)
        try:
            say(f"canary: {', '.join(canaries)} run {spec} as a canary on all their markets")
            orders = {h: HostOrder(spec=spec, mode="canary", analysis=analysis) for h in canaries}
            await step.ask(orders, reason=f"rollout {spec}: canary", judge=_canary_done(spec))
            for host in rest:
                say(f"step: {host} activates {spec}")
                orders = {**{h: HostOrder(spec=spec) for h in orders}, host: HostOrder(spec=spec)}
                await step.ask(orders, reason=f"rollout {spec}: {host}", judge=_activated(spec), only=[host])
            done = FleetDesired(generation=step.generation + 1, active=spec, previous=previous,
                                reason=f"rollout {spec} done")
            await client.write(done, step.revision)
            say(f"{spec} is the fleet's version on {len(view.alive)} host(s) (undo: back to {previous})")
        except FleetError as exc:
            back = FleetDesired(generation=step.generation + 1, active=previous, previous=before,
                                reason=f"rollout {spec} failed: {exc}"[:500])
            await client.write(back, step.revision)
            raise FleetError(f"rollout of {spec} failed: {exc}; every host set back to {previous}") from None


async def undo(settings: FleetSettings, *, wait: float, say: Callable[[str], None]) -> None:
    async with FleetClient(settings) as client:
        view = await client.view()
        if view.desired is None or view.desired.previous is None:
            raise FleetError("nothing to undo: the fleet has no previous version")
        target = view.desired.previous
        step = _Stepper(client, view, previous=target, before=view.desired.active, wait=wait)
        await step.ask({}, reason=f"undo: back to {target}", judge=_activated(target), active=target)
        say(f"every host is back on {target}")


def _common_active(view: View) -> str | None:
    actives = {view.observed[h].active for h in view.alive if h in view.observed}
    return actives.pop() if len(actives) == 1 else None


Judge = Callable[[Observed], str | None]
"""``"ok"`` when a host has done what it was asked, a reason when it failed, None while under way."""


def _canary_done(spec: str) -> Judge:
    def judge(seen: Observed) -> str | None:
        if matches(spec, seen.active):
            return "ok"
        candidate = seen.candidate or {}
        verdict = candidate.get("verdict")
        if candidate and matches(spec, candidate.get("spec")) and verdict in ("failed", "inconclusive"):
            return f"canary on {seen.host_id}: {verdict}: {candidate.get('reason', '')}"[:300]
        if candidate.get("ended_at") and verdict not in ("successful", "running"):
            return f"canary on {seen.host_id} ended: {candidate.get('ended_reason') or verdict}"
        return None

    return judge


def _activated(spec: str) -> Judge:
    def judge(seen: Observed) -> str | None:
        if matches(spec, seen.active):
            return "ok"
        swap = seen.last_swap or {}
        if swap.get("to") and matches(spec, swap["to"]) and not swap.get("ok", True):
            return f"{seen.host_id} refused {spec}: {swap.get('reason', '')}"[:300]
        if seen.control_error:
            return f"{seen.host_id}: {seen.control_error}"[:300]
        return None

    return judge


class _Stepper:
    """Writes one desired state after another and waits for the hosts it asks."""

    def __init__(self, client: FleetClient, view: View, *, previous: str, before: str | None, wait: float) -> None:
        self.client, self.previous, self.before, self.wait = client, previous, before, wait
        self.generation = view.desired.generation if view.desired else 0
        self.revision = view.desired_revision
        self.alive = view.alive

    async def ask(self, orders: dict[str, HostOrder], *, reason: str, judge: Judge, only: list[str] | None = None,
                  active: str | None = None) -> None:
        self.generation += 1
        desired = FleetDesired(generation=self.generation, active=active or self.previous, previous=self.before,
                               hosts=orders, reason=reason)
        self.revision = await self.client.write(desired, self.revision)
        waiting = list(only if only is not None else (orders or self.alive))
        deadline = time.monotonic() + self.wait
        while waiting:
            view = await self.client.view()
            for host in list(waiting):
                seen = view.observed.get(host)
                if host not in view.alive:
                    raise FleetError(f"{host} left the fleet during the rollout")
                if seen is None or seen.observed_generation < self.generation:
                    continue
                verdict = judge(seen)
                if verdict == "ok":
                    waiting.remove(host)
                elif verdict is not None:
                    raise FleetError(verdict)
            if waiting and time.monotonic() > deadline:
                raise FleetError(f"{', '.join(waiting)} not there within {self.wait:g}s")
            if waiting:
                await asyncio.sleep(POLL_SECONDS)
