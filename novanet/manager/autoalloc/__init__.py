"""Get me a network: ``auto`` and ``none`` requested networks, dry-run, on-demand project networks.

:mod:`.plan` decides (pure), :mod:`.allocator` is the collaborator the
managers hold (:mod:`.host` is its view of the manager's host plumbing),
:mod:`.admin` checks operators' pools and egress, :mod:`.options` reads the
``[auto_allocate]`` options.
"""
