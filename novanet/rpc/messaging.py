"""oslo.messaging, imported without eventlet's import-time warnings.

Every novanet module takes ``oslo_messaging`` (and its RPC ``dispatcher``
and option lists, ``opts``) from here.

NOTE(eventlet): oslo.messaging 18.3 imports oslo.service, whose eventlet
backend imports eventlet 0.41, and both warn at import time that eventlet is
deprecated (``EventletDeprecationWarning``, then ``DeprecationWarning`` from
``oslo_utils.eventletutils`` and ``oslo_service.eventlet_backdoor``). novanet
never uses eventlet: the RPC server runs oslo.messaging's threading executor
and nothing is monkey-patched (``eventlet.patcher.is_monkey_patched`` stays
false, which is how oslo.messaging picks the threading executor). The
warnings say nothing about novanet, so they are silenced for this import
only; any later use of eventlet would still warn.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import oslo_messaging
    from oslo_messaging import opts
    from oslo_messaging.rpc import dispatcher

__all__ = ["dispatcher", "opts", "oslo_messaging"]
