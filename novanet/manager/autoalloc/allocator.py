"""AutoAllocator: the collaborator a manager holds for ``requested_networks = 'auto'``.

Theory of operation
-------------------
``auto`` means "the one network this project can use; if there is none, make
it". :meth:`AutoAllocator.network_for_instance` answers in this order:

1. **Fast path.** The project's usable networks (VLAN manager: its own; flat
   managers: its own and the shared ones): exactly one is used, several are
   AMBIGUOUS. A network still being built is not usable, so nobody ever sees
   two networks while one is made (nova bug 1591766 cannot happen).
2. **Claim first, then build** (:meth:`get_or_build`). The project's claim
   row decides who builds (:mod:`novanet.db.auto_allocation`):

   * no row: run the checks (:func:`~novanet.manager.autoalloc.plan.evaluate`,
     the same ones as the dry-run; a failure writes nothing), then claim;
     the one request that claims builds;
   * BUILDING: wait for it (a per-project condition wakes waiters of this
     process at once; others poll the row with a growing interval, bounded by
     ``build_timeout``); a claim whose lease passed belongs to a builder that
     died and is taken over by exactly one waiter, which first removes what
     the dead builder left;
   * ACTIVE: its network (if it was deleted behind novanet's back, the row is
     dropped and the network built again);
   * ERROR: the same failure, to everyone, until ``failed_build_hold`` has
     passed (or forever with ``keep_failed_topology``); then a new build.

3. **Build** (one builder per project; builds of different projects share
   nothing but the pool's compare-and-swap and the unique constraints, so they
   never wait for each other's host work): carve a prefix and a VLAN from
   fresh facts and insert the network as BUILDING (retrying with jitter when a
   concurrent build took them first), make it on this host (bridge, gateway,
   SNAT through the egress, isolation, dnsmasq), then publish network and
   claim together. A lease keeper renews the claim meanwhile. Any failure
   undoes the host side, removes the rows and records the failure on the
   claim for the waiters; the caller gets a typed
   :class:`~novanet.exception.AutoAllocationFailure` naming the reason.

A builder whose claim was taken over (it stalled past its lease) changes
nothing more and follows the new builder like any waiter.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from novanet import exception
from novanet.db import api as db
from novanet.db import auto_allocation as store
from novanet.db.auto_models import NetworkStatus, TopologyStatus
from novanet.db.models import Network
from novanet.db.session import RetryRequest, is_retryable
from novanet.manager import create
from novanet.manager.autoalloc import plan
from novanet.manager.autoalloc.options import AutoOptions
from novanet.manager.autoalloc.plan import AutoFacts, Reason, Verdict

LOG = logging.getLogger(__name__)

DRY_RUN_PASS = "dry-run=pass"


class HostSide(Protocol):
    """What the allocator needs done on this host (:class:`~novanet.manager.plumbing.HostPlumbing`)."""

    def setup_network(self, network: Network) -> None:
        """Bridge, gateway, rules (SNAT through the network's egress) and DHCP for ``network``."""

    def discard_network(self, network: Network) -> None:
        """Remove what :meth:`setup_network` made, finished or not; nothing there is fine."""

    def device_exists(self, name: str) -> bool | None:
        """Whether device ``name`` exists on this host; None when this process cannot tell."""


class Networks(Protocol):
    """The manager's flat or VLAN strategy, as far as ``auto`` asks it."""

    vlan: bool

    def usable_networks(self, project_id: str) -> list[Network]: ...


def failure(project_id: str, reason: Reason | str, detail: str) -> exception.AutoAllocationFailure:
    """The typed error of ``reason`` (NetworkAmbiguous for AMBIGUOUS)."""
    code = reason.value if isinstance(reason, Reason) else str(reason)
    cls = exception.NetworkAmbiguous if code == Reason.AMBIGUOUS.value else exception.AutoAllocationFailure
    return cls(project_id=project_id, reason=code, detail=detail)


@dataclasses.dataclass(frozen=True)
class AutoNetworkView:
    """A project's auto-allocation state, for ``show``."""

    project_id: str
    status: str
    network: Network | None
    claimed_by: str | None
    reason: str | None
    last_error: str | None
    instances: tuple[str, ...] = ()


class _LeaseKeeper:
    """Renews a build's claim every third of the lease until stopped."""

    def __init__(self, project_id: str, token: str, lease: float) -> None:
        self.project_id = project_id
        self.token = token
        self.lease = lease
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"auto-lease-{project_id}", daemon=True)

    def __enter__(self) -> _LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=self.lease)

    def _run(self) -> None:
        while not self._stop.wait(self.lease / 3):
            try:
                if not store.topology_renew(self.project_id, self.token, self.lease):
                    self.lost = True
                    return
            except Exception:  # the store is briefly unreachable: try again next time
                LOG.warning("Could not renew the build claim of project %s", self.project_id, exc_info=True)


class AutoAllocator:
    """Gives projects their one network for ``auto`` (see the module docstring).

    :param host: this network host (the built network's ``host``).
    :param strategy: the manager's flat or VLAN strategy: which networks a
        project can use, and whether it gets one of its own (VLAN: built here).
    :param rules: the manager's network creation rules.
    :param host_side: how to make and remove a network here.
    :param options: read on every request, so option changes apply at once.
    """

    def __init__(self, host: str, strategy: Networks, rules: create.ManagerRules, host_side: HostSide,
                 options: Callable[[], AutoOptions] = AutoOptions.from_conf) -> None:
        self.host = host
        self.strategy = strategy
        self.rules = rules
        self.host_side = host_side
        self.options = options
        self._lock = threading.Lock()
        #: project -> (condition its waiters in this process sleep on, how many sleep).
        self._waiters: dict[str, tuple[threading.Condition, int]] = {}

    # -- what the project can use -----------------------------------------------------

    @property
    def can_build(self) -> bool:
        return self.strategy.vlan

    def usable_networks(self, project_id: str) -> list[Network]:
        """The networks ``auto`` may pick for the project (step 1)."""
        return self.strategy.usable_networks(project_id)

    def facts(self, project_id: str, options: AutoOptions | None = None, probe: bool = True) -> AutoFacts:
        """One read of everything the checks look at."""
        options = options or self.options()
        pool = store.default_pool()
        carving = store.carving_facts()
        egress = self._egress(options)
        present = None
        if probe and egress is not None:
            present = self.host_side.device_exists(egress.public_interface)
        return AutoFacts(
            project_id=project_id, enabled=options.enabled, can_build=self.can_build,
            candidates=tuple(n.uuid for n in self.usable_networks(project_id)),
            pool=plan.PoolFacts(pool.id, pool.name, pool.prefixes, pool.default_prefixlen, pool.generation)
            if pool is not None else None,
            egress=egress, used_cidrs=carving.cidrs, used_vlans=carving.vlans, used_bridges=carving.bridges,
            vlan_start=options.vlan_start, vlan_end=options.vlan_end, interface_present=present)

    @staticmethod
    def _egress(options: AutoOptions) -> plan.EgressFacts | None:
        row = store.default_egress()
        if row is not None:
            return plan.EgressFacts(row.id, row.name, row.public_interface, row.snat_source)
        return options.config_egress

    def check(self, project_id: str) -> Verdict:
        """The dry-run: every check of a real request, nothing written, nothing touched."""
        options = self.options()
        row = store.topology_get(project_id)
        if row is not None and row.status is TopologyStatus.BUILDING and not row.expired():
            return Verdict(None, f"a network is being built for the project by {row.claimed_by}")
        facts = self.facts(project_id, options)
        verdict = plan.evaluate(facts)
        if verdict.ok and verdict.prefix is not None:
            try:
                self._network_plan(project_id, facts, verdict, options)
            except exception.Invalid as error:
                return Verdict(Reason.MISCONFIGURED, str(error))
        return verdict

    def dry_run(self, project_id: str) -> dict[str, str]:
        """``{"id": "dry-run=pass", "project_id": ...}`` or the failure.

        :raises AutoAllocationFailure, NetworkAmbiguous:
        """
        verdict = self.check(project_id)
        if not verdict.ok:
            assert verdict.reason is not None
            raise failure(project_id, verdict.reason, verdict.detail)
        return {"id": DRY_RUN_PASS, "project_id": project_id}

    # -- the real request ----------------------------------------------------------------

    def network_for_instance(self, project_id: str) -> Network:
        """The network an ``auto`` boot of the project gets (built if need be)."""
        usable = self.usable_networks(project_id)
        if len(usable) == 1:
            return usable[0]
        if len(usable) > 1:
            raise failure(project_id, Reason.AMBIGUOUS, f"the project can use {len(usable)} networks "
                          f"({', '.join(n.uuid for n in usable)}); name one instead of 'auto'")
        return self.get_or_build(project_id)

    def get_or_build(self, project_id: str) -> Network:
        """The project's auto-allocated network, built by this request or another one.

        :raises AutoAllocationFailure: a check failed, the build failed (for
            this request or the one it waited for), or it took too long.
        """
        options = self.options()
        deadline = time.monotonic() + options.build_timeout
        pause = 0.02
        while True:
            row = store.topology_get(project_id)
            if row is None:
                usable = self.usable_networks(project_id)
                if len(usable) == 1:
                    return usable[0]
                verdict = self.check(project_id)
                if not verdict.ok:
                    assert verdict.reason is not None
                    raise failure(project_id, verdict.reason, verdict.detail)
                token = store.topology_claim(project_id, self.host, options.claim_lease)
                if token is not None:
                    built = self._build(project_id, token, options, leftovers=None)
                    if built is not None:
                        return built
                continue
            if row.status is TopologyStatus.ACTIVE:
                network = store.network_any_status(row.network_id) if row.network_id is not None else None
                if network is not None and network.status == NetworkStatus.ACTIVE.value:
                    return network
                LOG.warning("The auto-allocated network of project %s is gone; building it again", project_id)
                store.topology_forget(project_id, TopologyStatus.ACTIVE, network_id=row.network_id)
                continue
            if row.status is TopologyStatus.ERROR:
                if options.keep_failed_topology or not row.expired():
                    raise failure(project_id, row.reason or Reason.BUILD_FAILED.value, row.last_error or "")
                store.topology_forget(project_id, TopologyStatus.ERROR, token=row.claim_token)
                continue
            assert row.claim_token is not None
            if row.expired():
                token = store.topology_take_over(project_id, row.claim_token, self.host, options.claim_lease)
                if token is not None:
                    LOG.warning("Taking over the build of project %s's network abandoned by %s",
                                project_id, row.claimed_by)
                    built = self._build(project_id, token, options, leftovers=row.network_id)
                    if built is not None:
                        return built
                continue
            if time.monotonic() >= deadline:
                raise failure(project_id, Reason.BUILD_TIMEOUT,
                              f"{row.claimed_by} is still building the project's network after "
                              f"{options.build_timeout} s ([auto_allocate] build_timeout)")
            self._wait(project_id, min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(0.5, pause * 2)

    def _wait(self, project_id: str, seconds: float) -> None:
        """Sleep until a build of the project in this process ends, or ``seconds``."""
        with self._lock:
            condition, count = self._waiters.get(project_id) or (threading.Condition(self._lock), 0)
            self._waiters[project_id] = (condition, count + 1)
            try:
                condition.wait(seconds)
            finally:
                condition, count = self._waiters[project_id]
                if count == 1:
                    del self._waiters[project_id]
                else:
                    self._waiters[project_id] = (condition, count - 1)

    def _notify(self, project_id: str) -> None:
        with self._lock:
            entry = self._waiters.get(project_id)
            if entry is not None:
                entry[0].notify_all()

    # -- building -----------------------------------------------------------------------------

    def _build(self, project_id: str, token: str, options: AutoOptions, leftovers: int | None) -> Network | None:
        """Build under the claim ``token``; None when the claim was lost (follow the new builder)."""
        network: Network | None = None
        started = time.monotonic()
        with _LeaseKeeper(project_id, token, options.claim_lease) as keeper:
            try:
                if leftovers is not None:
                    self._remove_leftovers(leftovers)
                network = self._carve(project_id, token, options)
                try:
                    self.host_side.setup_network(network)
                except exception.NovanetError as error:
                    LOG.error("Making project %s's network %s on this host failed: %s", project_id,
                              network.bridge, error)
                    raise failure(project_id, Reason.HOST_FAILURE,
                                  f"making network {network.cidr} on {self.host} failed: {error}") from error
                if keeper.lost or not store.topology_publish(project_id, token, network.id):
                    raise store.ClaimLost()
            except store.ClaimLost:
                LOG.warning("Project %s's build was taken over by another request; following it", project_id)
                return None
            except Exception as error:
                typed = self._failure(project_id, error)
                self._roll_back(project_id, network)
                hold = None if options.keep_failed_topology else float(options.failed_build_hold)
                store.topology_fail(project_id, token, typed.reason, typed.kwargs.get("detail", str(error)), hold)
                self._notify(project_id)
                raise typed from error
        self._notify(project_id)
        LOG.info("Built network %s (%s, VLAN %s) for project %s in %.2f s", network.uuid, network.cidr,
                 network.vlan, project_id, time.monotonic() - started)
        published = store.network_any_status(network.id)
        assert published is not None
        return published

    @staticmethod
    def _failure(project_id: str, error: Exception) -> exception.AutoAllocationFailure:
        if isinstance(error, exception.AutoAllocationFailure):
            return error
        if isinstance(error, exception.Invalid):
            return failure(project_id, Reason.MISCONFIGURED, str(error))
        if isinstance(error, exception.NovanetError):
            LOG.error("Building project %s's network failed: %s", project_id, error)
            return failure(project_id, Reason.BUILD_FAILED, str(error))
        LOG.exception("Building project %s's network failed", project_id)
        return failure(project_id, Reason.BUILD_FAILED, f"{type(error).__name__}: {error}")

    def _roll_back(self, project_id: str, network: Network | None) -> None:
        if network is None:
            return
        try:
            self.host_side.discard_network(network)
        except Exception:
            LOG.exception("Could not remove network %s of project %s from this host; init_host will",
                          network.uuid, project_id)
        store.auto_network_discard(network.id)
        LOG.info("Rolled back network %s (%s) of project %s", network.uuid, network.cidr, project_id)

    def _remove_leftovers(self, network_id: int) -> None:
        network = store.network_any_status(network_id)
        if network is None or network.status != NetworkStatus.BUILDING.value:
            return
        LOG.info("Removing network %s (%s) left by an abandoned build", network.uuid, network.cidr)
        if network.host == self.host:
            self.host_side.discard_network(network)
        # Another host's leftovers go when that host restarts (init_host
        # removes devices, rules and dnsmasq files that no usable network backs).
        store.auto_network_discard(network.id)

    def _carve(self, project_id: str, token: str, options: AutoOptions) -> Network:
        for attempt in range(options.allocation_retries):
            facts = self.facts(project_id, options, probe=False)
            verdict = plan.evaluate(dataclasses.replace(facts, candidates=()))
            if not verdict.ok:
                assert verdict.reason is not None
                raise failure(project_id, verdict.reason, verdict.detail)
            assert facts.pool is not None
            network_plan = self._network_plan(project_id, facts, verdict, options)
            try:
                return store.auto_network_insert(project_id, token, facts.pool.id, facts.pool.generation,
                                                 network_plan)
            except (exception.CidrConflict, exception.DuplicateVlan, exception.DuplicateBridge, RetryRequest) as lost:
                LOG.debug("Project %s: prefix or VLAN taken concurrently (%s); planning again", project_id,
                          type(lost).__name__)
            except Exception as error:
                if not is_retryable(error):
                    raise
            time.sleep(random.uniform(0, options.retry_jitter_ms / 1000.0) * (1 + attempt))
        raise failure(project_id, Reason.POOL_CONTENTION, f"concurrent builds took every prefix or VLAN chosen "
                      f"in {options.allocation_retries} attempts ([auto_allocate] allocation_retries)")

    def _network_plan(self, project_id: str, facts: AutoFacts, verdict: Verdict,
                      options: AutoOptions) -> store.NetworkPlan:
        """The network row and its addresses, with the manager's creation rules.

        :raises Invalid: the options cannot make a network (no VLAN uplink...).
        """
        assert verdict.prefix is not None and verdict.vlan is not None and facts.egress is not None
        args: dict[str, Any] = {
            "label": options.network_label, "cidr": str(verdict.prefix), "num_networks": 1,
            "network_size": verdict.prefix.size, "vlan": verdict.vlan, "project_id": project_id,
            "multi_host": False,
        }
        existing = create.Existing(vlans=facts.used_vlans, bridges=facts.used_bridges)
        (planned,) = create.plan_networks(args, self.rules, options.create_defaults, existing)
        # No public VPN port: cloudpipe is not offered on networks nobody created by hand.
        values = dict(planned.values, status=NetworkStatus.BUILDING.value, host=self.host,
                      egress_id=facts.egress.id, bridge=plan.bridge_for(verdict.vlan), vpn_public_port=None)
        return store.NetworkPlan(values=values, addresses=planned.addresses)

    # -- operators -----------------------------------------------------------------------------------

    def show(self, project_id: str) -> AutoNetworkView:
        """:raises AutoNetworkNotFound: the project has no auto-allocation record."""
        row = store.topology_get(project_id)
        if row is None:
            raise exception.AutoNetworkNotFound(project_id=project_id)
        network = store.network_any_status(row.network_id) if row.network_id is not None else None
        instances = tuple(store.network_instances(network.id)) if network is not None else ()
        return AutoNetworkView(project_id, row.status.value, network, row.claimed_by, row.reason, row.last_error,
                               instances)

    def network_host(self, project_id: str) -> str | None:
        """The host serving the project's auto-allocated network (None: it has none)."""
        row = store.topology_get(project_id)
        network = store.network_any_status(row.network_id) if row is not None and row.network_id else None
        return network.host if network is not None else None

    def delete(self, project_id: str) -> Network | None:
        """Remove the project's auto-allocated network (store, then host, then the record).

        Deleting twice, or for a project without one, is a no-op (None).

        :raises NetworkInUse: instances still hold addresses on it.
        :raises Conflict: it is being built right now.
        """
        row = store.topology_get(project_id)
        if row is None:
            return None
        if row.status is TopologyStatus.BUILDING and not row.expired():
            raise exception.Conflict(reason=f"project {project_id}'s network is being built by {row.claimed_by}")
        network = store.network_any_status(row.network_id) if row.network_id is not None else None
        if network is not None:
            users = store.network_instances(network.id)
            if users:
                raise exception.NetworkInUse(network_id=f"{network.uuid} (instances {', '.join(users)})")
            if network.status == NetworkStatus.BUILDING.value:
                self.host_side.discard_network(network)
                store.auto_network_discard(network.id)
            else:
                db.network_delete_safe(network.id)
                self.host_side.discard_network(network)
        # Only the record as it was read: a concurrent boot may already have
        # dropped it (its network gone) and claimed a new build.
        store.topology_forget(project_id, row.status, token=row.claim_token, network_id=row.network_id)
        self._notify(project_id)
        LOG.info("Deleted the auto-allocated network %s of project %s", network.uuid if network else "-", project_id)
        return network
