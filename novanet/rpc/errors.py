"""Typed errors across the wire, without tracebacks where none helps.

Theory of operation
-------------------
On the server, a :class:`~novanet.exception.NovanetError` raised by a request
(no more fixed IPs, address in use, invalid request...) is an *expected*
outcome: :func:`expected` logs one line and re-raises it inside
oslo.messaging's ``ExpectedException``, which the RPC server replies with but
does not log as a failure. The reply carries the class, the message and the
``kwargs`` that rebuild it; the server's traceback is deliberately dropped
from it (the exception is recorded without its traceback), because for an
expected error it only exposes the server's internals. Anything else is a bug:
oslo.messaging logs it with its traceback and the caller gets it as a remote
error.

On the client, oslo.messaging rebuilds an allowed exception (module
``novanet.exception``) as a dynamically made ``<Class>_Remote`` subclass whose
``str()`` has the remote traceback glued on. :func:`unwrap` turns it back into
the plain class, with the clean message, so callers can compare types and
show the message to a person.
"""

from __future__ import annotations

import logging

from novanet import exception
from novanet.rpc.messaging import dispatcher

#: Modules the client rebuilds exceptions from (oslo.messaging's allow list).
ALLOWED_EXMODS = ["novanet.exception"]

_REMOTE_SUFFIX = "_Remote"


def expected(error: exception.NovanetError, method: str, log: logging.Logger,
             level: int = logging.INFO) -> dispatcher.ExpectedException:
    """Log an expected error in one line and wrap it for the RPC server.

    Call inside the ``except`` block and ``raise`` the result ``from None``.
    """
    log.log(level, "%s refused: %s: %s", method, type(error).__name__, error)
    wrapped = dispatcher.ExpectedException()
    # NOTE(oslo.messaging): the reply serialises traceback.format_exception()
    # of this triple. Without a traceback, and without the exceptions it was
    # raised from (format_exception prints those with their own tracebacks),
    # it is just "Class: message".
    error.__cause__ = None
    error.__suppress_context__ = True
    wrapped.exc_info = (type(error), error, None)
    return wrapped


def unwrap(error: BaseException) -> BaseException:
    """The plain novanet exception behind oslo.messaging's ``_Remote`` wrapper.

    Anything else is returned unchanged.
    """
    cls = type(error)
    if isinstance(error, exception.NovanetError) and cls.__name__.endswith(_REMOTE_SUFFIX):
        original = cls.__mro__[1]
        if issubclass(original, exception.NovanetError):
            error.__class__ = original
            error.__traceback__ = None
    return error
