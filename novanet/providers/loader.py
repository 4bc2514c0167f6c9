"""Network providers by name: known, enabled, loaded once.

Providers are entry points of ``novanet.baremetal.network_providers``,
loaded on first use and cached per name; they keep no per-node state
(Ironic's bug 78e689e53 handed one node's network to another through a
cached value), so one instance serves every node.
"""

from __future__ import annotations

import threading
from typing import Any

from stevedore import extension

from novanet import exception
from novanet.plugins import load_plugin
from novanet.providers.base import NetworkProvider

NAMESPACE = "novanet.baremetal.network_providers"

_lock = threading.Lock()
_loaded: dict[str, NetworkProvider] = {}
_known: list[str] = []


def known_names() -> list[str]:
    """Every provider name installed (entry points), sorted."""
    with _lock:
        if not _known:
            _known.extend(sorted(extension.ExtensionManager(NAMESPACE, invoke_on_load=False).names()))
        return list(_known)


def check_name(name: str, conf: Any) -> str:
    """``name`` if it is a known and enabled provider.

    :raises ProviderNotFound: no such provider.
    :raises ProviderNotEnabled: not in ``[baremetal] enabled_network_providers``.
    """
    if name not in known_names():
        raise exception.ProviderNotFound(name=name, known=", ".join(known_names()))
    enabled = list(conf.baremetal.enabled_network_providers)
    if name not in enabled:
        raise exception.ProviderNotEnabled(name=name, enabled=",".join(enabled))
    return name


def effective_name(node_provider: str | None, conf: Any) -> str:
    """The provider a node uses now: its own, else the default option."""
    return node_provider or conf.baremetal.default_network_provider


def get_provider(name: str, conf: Any) -> NetworkProvider:
    """The (cached) provider ``name``; checked against the enabled list every time."""
    check_name(name, conf)
    with _lock:
        provider = _loaded.get(name)
        if provider is None:
            provider = _loaded[name] = load_plugin(NAMESPACE, name, "network provider")()
        return provider
