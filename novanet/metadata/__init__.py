"""How instances learn their network: network_data.json, the metadata
service, config drives and the injected Debian interfaces file.

Layering (nothing here reads the store or calls the manager):

* :mod:`~novanet.metadata.source` — the facts about one instance
  (:class:`InstanceRecord`) and the small :class:`InstanceSource` protocol the
  service asks for them; the daemon plugs in an RPC- or store-backed one.
* :mod:`~novanet.metadata.network_data` — pure: ``NetworkInfo`` to the
  versioned, guest-agnostic ``network_data.json`` document.
* :mod:`~novanet.metadata.interfaces` — pure: the legacy ``flat_injected``
  interfaces(5) file, rendered from ``templates/interfaces.template``.
* :mod:`~novanet.metadata.versions` and :mod:`~novanet.metadata.content` —
  pure: which OpenStack/EC2 versions exist and every file of every version
  (one tree shared by the HTTP service and the config drive).
* :mod:`~novanet.metadata.identify` — pure: who is asking (source address or
  signed proxy headers), every refusal typed.
* :mod:`~novanet.metadata.wsgi` / :mod:`~novanet.metadata.server` — the WebOb
  application and the cheroot server that runs it.
* :mod:`~novanet.metadata.configdrive` — the ``config-2`` ISO 9660 or vfat
  image.
"""
