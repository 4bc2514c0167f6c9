"""Floating IP NAT (nova-network.md §4.6 ``ensure_floating_forward``).

nova's rules per floating address F bound to fixed address X on device D:

* ``-d F/32 -j DNAT --to-destination X``, in ``$PREROUTING`` and ``$OUTPUT``;
* in ``$float-snat``: ``-s X/32 -d X/32 -j SNAT --to-source F`` (hairpin: an
  instance reaching itself by its floating address) and ``-s X/32 -o D -j
  SNAT --to-source F`` (just ``-s X/32 -j SNAT ...`` without a device);
* in ``$POSTROUTING``: ``-s X/32 -m conntrack --ctstate DNAT -j SNAT
  --to-source F`` (a DNATed connection from X leaves with F).

Layout: with ``floating_ip_buckets = 0`` these go into those chains as in
nova. Then every association rewrites four chains that each hold a rule per
floating IP: with the chain-at-a-time ``--noflush`` apply, one association
costs as much as rewriting the whole NAT table (measured by
``tools/bench_iptables.py``). By default the rules are spread over buckets
chosen by the low bits of an address, matched with a non-contiguous mask
(``-d 0.0.0.7/0.0.0.255`` matches every address ending in .7):

* ``$PREROUTING``/``$OUTPUT``: ``-d 0.0.0.K/0.0.0.M -j $fip-dnat-KK``,
  bucket K of F; the DNAT rule goes into ``$fip-dnat-KK``;
* ``$float-snat``: ``-s 0.0.0.K/0.0.0.M -j $fip-snat-KK``, bucket K of X,
  holding the two SNAT rules;
* ``$POSTROUTING``: ``-s 0.0.0.K/0.0.0.M -j $fip-post-KK``, holding the
  reverse SNAT.

An association then rewrites three chains of about n/buckets rules; the
dispatch rules and bucket chains are shared by the floating IPs of a bucket
(the firewall reference-counts them through the tags) and disappear with the
last one. Address matching per connection (NAT rules only see the first
packet) drops from n rules to at most buckets + n/buckets.

Re-association: the rules of one floating address are owned by
``floating_tag(F)``; :meth:`IptablesFirewall.ensure` with that tag replaces
them, so a new fixed address never leaves the old rules behind (nova bug
1133527).
"""

from __future__ import annotations

import ipaddress

from novanet import exception
from novanet.drivers.base import FloatingForward
from novanet.drivers.iptables.builders.common import RuleConfig
from novanet.drivers.iptables.model import ChainSpec, RuleItem, RuleSpec

__all__ = ["floating_forward_rules", "floating_tag"]


def floating_tag(floating: str) -> str:
    """The firewall tag that owns a floating address's rules."""
    return f"floating:{floating}"


def _ipv4(value: str) -> str:
    try:
        return str(ipaddress.IPv4Address(value.split("/")[0]))
    except ValueError as exc:
        raise exception.InvalidAddress(address=value) from exc


def _bucket(addr: str, buckets: int) -> tuple[int, str]:
    """Bucket number of ``addr`` and the address selector matching it."""
    number = int(ipaddress.IPv4Address(addr)) & (buckets - 1)
    if buckets == 1:
        return 0, ""
    return number, f"0.0.0.{number}/0.0.0.{buckets - 1}"


def floating_forward_rules(forward: FloatingForward, cfg: RuleConfig) -> tuple[RuleItem, ...]:
    """The NAT of one floating address (see the module docstring).

    The device is ``public_interface`` when set, else the forward's own.

    :raises InvalidAddress: the floating or fixed address is not IPv4.
    """
    floating, fixed = _ipv4(forward.floating), _ipv4(forward.fixed)
    device = cfg.public_interface or forward.interface
    dnat = f"-d {floating}/32 -j DNAT --to-destination {fixed}"
    snat: tuple[str, ...]
    if device:
        snat = (f"-s {fixed}/32 -d {fixed}/32 -j SNAT --to-source {floating}",
                f"-s {fixed}/32 -o {device} -j SNAT --to-source {floating}")
    else:
        snat = (f"-s {fixed}/32 -j SNAT --to-source {floating}",)
    reverse = f"-s {fixed}/32 -m conntrack --ctstate DNAT -j SNAT --to-source {floating}"

    buckets = cfg.floating_ip_buckets
    if not buckets:
        return (RuleSpec("nat", "PREROUTING", dnat), RuleSpec("nat", "OUTPUT", dnat),
                *(RuleSpec("nat", "float-snat", rule) for rule in snat),
                RuleSpec("nat", "POSTROUTING", reverse))

    dnat_bucket, dnat_selector = _bucket(floating, buckets)
    snat_bucket, snat_selector = _bucket(fixed, buckets)
    dnat_chain, snat_chain, post_chain = (
        f"fip-dnat-{dnat_bucket:02x}", f"fip-snat-{snat_bucket:02x}", f"fip-post-{snat_bucket:02x}")
    to_dnat = f"-d {dnat_selector} -j ${dnat_chain}" if dnat_selector else f"-j ${dnat_chain}"
    to_snat = f"-s {snat_selector} -j ${snat_chain}" if snat_selector else f"-j ${snat_chain}"
    to_post = f"-s {snat_selector} -j ${post_chain}" if snat_selector else f"-j ${post_chain}"
    return (
        ChainSpec("nat", dnat_chain), ChainSpec("nat", snat_chain), ChainSpec("nat", post_chain),
        RuleSpec("nat", "PREROUTING", to_dnat), RuleSpec("nat", "OUTPUT", to_dnat),
        RuleSpec("nat", "float-snat", to_snat), RuleSpec("nat", "POSTROUTING", to_post),
        RuleSpec("nat", dnat_chain, dnat),
        *(RuleSpec("nat", snat_chain, rule) for rule in snat),
        RuleSpec("nat", post_chain, reverse),
    )
