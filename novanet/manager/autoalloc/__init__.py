"""Get me a network: ``auto`` and ``none`` requested networks, dry-run, on-demand project networks.

:mod:`.plan` decides (pure), :mod:`.allocator` is the collaborator the
managers hold, :mod:`.requests` reads what callers send.
"""
