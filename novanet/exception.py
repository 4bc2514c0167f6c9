"""Typed errors.

Every error novanet raises on purpose is a :class:`NovanetError` subclass with
a message a person can act on. The class names follow nova-network's, so a
caller that knew nova-network recognises them.

Errors cross the RPC boundary: oslo.messaging rebuilds them on the caller's
side from ``args`` and ``kwargs``, so every class must be constructible from
the keyword arguments its message uses (``kwargs`` is kept on the instance for
exactly that reason) or from a finished message.
"""

from __future__ import annotations

from typing import Any, ClassVar


class NovanetError(Exception):
    """Base class of every deliberate novanet error.

    :param message: a finished message; when omitted, ``msg_fmt`` is filled
        from ``kwargs``.
    """

    msg_fmt: ClassVar[str] = "An unknown error occurred."
    #: HTTP-like status used by the CLI and the metadata service.
    code: ClassVar[int] = 500

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError, ValueError):
                # A programming error in a caller must not hide the real one.
                message = f"{self.msg_fmt} ({kwargs!r})"
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


class Invalid(NovanetError):
    msg_fmt = "Invalid request: %(reason)s"
    code = 400


class InvalidRequest(Invalid):
    """A malformed RPC or CLI argument: missing, wrong type, or unknown."""

    msg_fmt = "Invalid request: %(reason)s"


class InvalidInput(Invalid):
    msg_fmt = "Invalid input received: %(reason)s"


class InvalidCidr(Invalid):
    msg_fmt = "%(cidr)s is not a valid IP network."


class InvalidAddress(Invalid):
    msg_fmt = "%(address)s is not a valid IP address."


class InvalidIntValue(Invalid):
    msg_fmt = "%(key)s must be an integer."


class InvalidVlan(Invalid):
    msg_fmt = "%(reason)s"


class InvalidBridge(Invalid):
    msg_fmt = "Invalid bridge name %(bridge)s: %(reason)s"


class InvalidConfig(Invalid):
    msg_fmt = "Invalid configuration: %(reason)s"


class AddressOutOfRange(Invalid):
    msg_fmt = "%(address)s is not within %(cidr)s."


class NetworkNotCreated(Invalid):
    msg_fmt = "%(req)s is required to create a network."


class LabelTooLong(Invalid):
    msg_fmt = "Maximum allowed length for 'label' is 255."


class FixedIpInvalid(Invalid):
    msg_fmt = "Fixed IP address %(address)s is invalid."


class Forbidden(NovanetError):
    msg_fmt = "Not authorized: %(reason)s"
    code = 403


class PolicyNotAuthorized(Forbidden):
    msg_fmt = "Policy does not allow %(action)s to be performed."


class NotFound(NovanetError):
    msg_fmt = "Resource could not be found: %(reason)s"
    code = 404


class Conflict(NovanetError):
    msg_fmt = "Conflict: %(reason)s"
    code = 409


# -- networks -----------------------------------------------------------------


class NetworkNotFound(NotFound):
    msg_fmt = "Network %(network_id)s could not be found."


class NetworkNotFoundForUUID(NetworkNotFound):
    msg_fmt = "Network could not be found for uuid %(uuid)s"


class NetworkNotFoundForCidr(NetworkNotFound):
    msg_fmt = "Network could not be found with cidr %(cidr)s."


class NetworkNotFoundForProject(NetworkNotFound):
    msg_fmt = "Either network uuid %(network_uuid)s is not present or is not assigned to the project %(project_id)s."


class NoNetworksFound(NotFound):
    msg_fmt = "No networks defined."


class NoMoreNetworks(NovanetError):
    msg_fmt = "No more available networks."
    code = 409


class CidrConflict(Conflict):
    msg_fmt = "Requested cidr (%(cidr)s) conflicts with existing cidr (%(other)s)"


class DuplicateVlan(Conflict):
    msg_fmt = "Detected existing vlan with id %(vlan)d"


class DuplicateBridge(Conflict):
    msg_fmt = "Bridge %(bridge)s is already used by network %(network)s"


class NetworkHasProject(Conflict):
    msg_fmt = "Network must be disassociated from project %(project_id)s before delete."


class NetworkInUse(Conflict):
    msg_fmt = "Network %(network_id)s is still in use."


class NetworkSetHostFailed(NovanetError):
    msg_fmt = "Failed to set host for network %(network_id)s: %(reason)s"


class NetworkDhcpReleaseFailed(NovanetError):
    msg_fmt = "Failed to release IP %(address)s with MAC %(mac_address)s"


# -- fixed IPs ----------------------------------------------------------------


class FixedIpNotFound(NotFound):
    msg_fmt = "No fixed IP associated with id %(id)s."


class FixedIpNotFoundForAddress(FixedIpNotFound):
    msg_fmt = "Fixed IP not found for address %(address)s."


class FixedIpNotFoundForInstance(FixedIpNotFound):
    msg_fmt = "Instance %(instance_uuid)s has no fixed IP."


class FixedIpNotFoundForNetwork(FixedIpNotFound):
    msg_fmt = "Fixed IP address (%(address)s) does not exist in network (%(network_uuid)s)."


class FixedIpNotFoundForSpecificInstance(FixedIpNotFound):
    msg_fmt = "Instance %(instance_uuid)s doesn't have fixed IP '%(ip)s'."


class FixedIpAlreadyInUse(Conflict):
    msg_fmt = "Fixed IP address %(address)s is already in use on instance %(instance_uuid)s."


class FixedIpReservedForNetwork(Conflict):
    msg_fmt = "%(address)s is the %(role)s of network %(network)s and must stay reserved."


class FixedIpExists(Conflict):
    msg_fmt = "Fixed IP %(address)s already exists."


class NoMoreFixedIps(NovanetError):
    msg_fmt = "No fixed IP addresses available for network: %(net)s"
    code = 409


class FixedIpAssociateFailed(NovanetError):
    msg_fmt = "Fixed IP associate failed for network: %(net)s."


class FixedIpLimitExceeded(Forbidden):
    msg_fmt = "Maximum number of fixed IPs exceeded"


# -- floating IPs ---------------------------------------------------------------


class FloatingIpNotFound(NotFound):
    msg_fmt = "Floating IP not found for ID %(id)s."


class FloatingIpNotFoundForAddress(FloatingIpNotFound):
    msg_fmt = "Floating IP not found for address %(address)s."


class FloatingIpNotFoundForHost(FloatingIpNotFound):
    msg_fmt = "Floating IP not found for host %(host)s."


class NoFloatingIpsDefined(NotFound):
    msg_fmt = "Zero floating IPs exist."


class FloatingIpPoolNotFound(NotFound):
    msg_fmt = "Floating IP pool %(pool)s not found."


class NoMoreFloatingIps(NovanetError):
    msg_fmt = "Zero floating IPs available."
    code = 409


class FloatingIpExists(Conflict):
    msg_fmt = "Floating IP %(address)s already exists."


class FloatingIpAssociated(Conflict):
    msg_fmt = "Floating IP %(address)s is associated."


class FloatingIpNotAssociated(Conflict):
    msg_fmt = "Floating IP %(address)s is not associated."


class FloatingIpNotOwned(Forbidden):
    msg_fmt = "Floating IP %(address)s is not allocated to project %(project_id)s."


class CannotDisassociateAutoAssignedFloatingIP(Forbidden):
    msg_fmt = "Cannot disassociate auto assigned floating IP"


class FloatingIpLimitExceeded(Forbidden):
    msg_fmt = "Maximum number of floating IPs exceeded"


class FloatingIpAllocateFailed(NovanetError):
    msg_fmt = "Floating IP allocate failed."


class FloatingIpAssociateFailed(NovanetError):
    msg_fmt = "Floating IP %(address)s association has failed."


class NoFloatingIpInterface(NotFound):
    msg_fmt = "Interface %(interface)s not found."


class FloatingIpDNSExists(Conflict):
    msg_fmt = "The DNS entry %(name)s already exists in domain %(domain)s."


# -- instances and VIFs ---------------------------------------------------------


class InstanceNotFound(NotFound):
    msg_fmt = "Instance %(instance_id)s could not be found."


class VirtualInterfaceCreateException(NovanetError):
    msg_fmt = "Virtual Interface creation failed"


class VirtualInterfaceMacAddressException(NovanetError):
    msg_fmt = "Creation of virtual interface with unique mac address failed"


class MacAddressInUse(Conflict):
    msg_fmt = "MAC address %(address)s is already used by another interface."


class InstanceHasNoNetworks(NotFound):
    msg_fmt = "Instance %(instance_uuid)s has no network interfaces."


class VirtualInterfaceNotFound(NotFound):
    msg_fmt = "Virtual interface %(vif)s could not be found."


class QuotaError(Forbidden):
    msg_fmt = "Quota exceeded for %(resource)s: limit %(limit)d"


# -- host side --------------------------------------------------------------------


class DriverError(NovanetError):
    """A host operation (netlink, iptables, dnsmasq) failed."""

    msg_fmt = "Host operation failed: %(reason)s"


class ProcessExecutionError(DriverError):
    msg_fmt = "Command %(cmd)s failed with exit code %(exit_code)s: %(stderr)s"


class IptablesMixedBackends(DriverError):
    msg_fmt = "%(reason)s"


class RPCPinnedToOldVersion(NovanetError):
    msg_fmt = "RPC is pinned to old version"


class ServiceUnavailable(NovanetError):
    msg_fmt = "Service %(service)s is unavailable: %(reason)s"
    code = 503


# -- get me a network (auto-allocation) ----------------------------------------


class AutoAllocationFailure(NovanetError):
    """A project's network cannot be given or built for ``auto``.

    ``reason`` is one of :class:`novanet.manager.autoalloc.plan.Reason`'s
    values (NO_DEFAULT_POOL, POOL_EXHAUSTED, ...), for scripts and callers
    that branch on it; ``detail`` says what to do about it.
    """

    msg_fmt = "Cannot auto-allocate a network for project %(project_id)s (%(reason)s): %(detail)s"
    code = 400

    @property
    def reason(self) -> str:
        return str(self.kwargs.get("reason", ""))


class NetworkAmbiguous(AutoAllocationFailure):
    """``auto`` found several networks the project could use (nova's NetworkAmbiguous)."""

    code = 409


class SubnetPoolNotFound(NotFound):
    msg_fmt = "Subnet pool %(pool)s could not be found."


class SubnetPoolInUse(Conflict):
    msg_fmt = "Subnet pool %(pool)s still has networks carved from it: %(networks)s."


class EgressNotFound(NotFound):
    msg_fmt = "Egress %(egress)s could not be found."


class EgressInUse(Conflict):
    msg_fmt = "Egress %(egress)s is still used by networks: %(networks)s."


class AutoNetworkNotFound(NotFound):
    msg_fmt = "Project %(project_id)s has no auto-allocated network."


# -- baremetal nodes and network providers ----------------------------------------


class BaremetalNodeNotFound(NotFound):
    msg_fmt = "Baremetal node %(node)s could not be found."


class BaremetalPortNotFound(NotFound):
    msg_fmt = "Baremetal port %(port)s could not be found."


class BaremetalPortgroupNotFound(NotFound):
    msg_fmt = "Baremetal port group %(portgroup)s could not be found."


class BaremetalNodeExists(Conflict):
    msg_fmt = "A baremetal node named %(name)s exists already."


class BaremetalPortExists(Conflict):
    msg_fmt = "%(what)s %(value)s is used by another baremetal port already."


class NodeLocked(Conflict):
    msg_fmt = "Node %(node)s is locked by %(holder)s; another operation on it is in progress, try again later."


class NodeInvalidState(Conflict):
    """The operation does not fit the node's network phase or provision state."""

    msg_fmt = "Node %(node)s: %(reason)s"


class NodePoweredOn(NodeInvalidState):
    msg_fmt = ("Node %(node)s is reported powered on; power it off before %(action)s "
               "([baremetal] require_power_off_for_switch), or pass allow_powered_on.")


class ProviderNotFound(Invalid):
    msg_fmt = "Network provider %(name)r does not exist; known providers: %(known)s."


class ProviderNotEnabled(Invalid):
    msg_fmt = ("Network provider %(name)r is not enabled on this host ([baremetal] "
               "enabled_network_providers = %(enabled)s).")


class ProviderChanged(Conflict):
    msg_fmt = ("Node %(node)s was put in phase %(phase)s by provider %(old)s, but its provider is now %(new)s; "
               "set the provider back, or bring the node to phase idle with %(old)s first.")


class MissingParameterValue(Invalid):
    msg_fmt = "%(reason)s"


class InvalidParameterValue(Invalid):
    msg_fmt = "%(reason)s"


class BaremetalNetworkError(NovanetError):
    """Switching a node between networks failed (what was done is undone)."""

    msg_fmt = "Node %(node)s: %(reason)s"


class NoFreePhysicalPorts(Conflict):
    msg_fmt = "Node %(node)s has no free port or port group for another VIF."


class VifAlreadyAttached(Conflict):
    msg_fmt = "Node %(node)s has a VIF on network %(network)s already (%(vif)s)."


class VifNotAttached(NotFound):
    msg_fmt = "Node %(node)s has no VIF on network %(network)s."


class SwitchPortNotFound(DriverError):
    msg_fmt = "Switch port %(port)s does not exist%(where)s."


class SwitchError(DriverError):
    msg_fmt = "Switch port %(port)s: %(reason)s"
