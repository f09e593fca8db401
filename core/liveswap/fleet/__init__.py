"""A fleet of hosts on NATS JetStream (contract section 6, guarantee 8).

* :mod:`.values` -- every value the fleet keeps in its buckets, validated like control.json;
* :mod:`.connect` -- the NATS connection (credentials from settings, never logged) and the buckets;
* :mod:`.leases` -- the lease table the engine asks, synchronously, "may I open on M, with which token?";
* :mod:`.agent` -- the host's fleet agent: nats-py's asyncio loop on its own thread (claim, renew,
  spread, release, desired state in, observed state out);
* :mod:`.admin` -- what ``liveswap fleet status|rollout|undo`` do, from any machine that reaches NATS.
"""
