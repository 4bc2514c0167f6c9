"""novanet: a nova-network style host networking daemon.

Compute hosts ask novanet over AMQP RPC for networking; novanet records every
fact in a SQL store and makes the Linux host match those facts. See
DESIGN notes in the README for the layering.
"""
