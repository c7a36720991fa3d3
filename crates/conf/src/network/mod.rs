//! Network XML (`<network>`), as libvirt 9.0's `network_conf.c` reads, checks and prints it,
//! and the network port XML (`<networkport>`).
//!
//! [`parse`] gives a [`Network`] (what `virNetworkDefParseXML` accepts, with its errors);
//! [`validate`] does what the network driver checks on define and create (and assigns the
//! bridge name and MAC address libvirt generates); [`Network::format`] prints libvirt's
//! canonical XML byte for byte.

mod addr;
mod error;
mod format;
pub mod fragment;
mod parse;
pub mod port;
mod validate;

pub use addr::{check_range, format_ip, in_network, ip_prefix, parse_ip, parse_mac};
pub use error::{NetError, Result};
pub(crate) use format::format_bandwidth;
pub use parse::parse;
pub(crate) use parse::parse_bandwidth;
pub use validate::{assign_bridge, validate};

use crate::xml::Element;
use std::net::IpAddr;

/// The namespace of `<dnsmasq:options>`.
pub const DNSMASQ_NS: &str = "http://libvirt.org/schemas/network/dnsmasq/1.0";

/// A network definition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Network {
    /// `<name>`: the network's name, unique on the host.
    pub name: String,
    /// `<uuid>`: the network's UUID (generated when not given).
    pub uuid: [u8; 16],
    /// Whether `<uuid>` was given (otherwise it was generated).
    pub uuid_specified: bool,
    /// `<network ipv6='yes'>`: guest-to-guest IPv6 without a gateway address.
    pub ipv6nogw: bool,
    /// `trustGuestRxFilters`: whether a guest's MAC/multicast filter changes are trusted (unset: libvirt's default, no).
    pub trust_guest_rx_filters: Option<bool>,
    /// `<metadata>` (kept even when empty, as libvirt 9.0 does).
    pub metadata: Option<Vec<Element>>,
    /// `<forward>`: how guests reach the outside (none: an isolated network).
    pub forward: Forward,
    /// `<bridge name>`: the host bridge's name (libvirt generates `virbrN` when missing).
    pub bridge: Option<String>,
    /// `<bridge zone>`: the firewalld zone of the bridge.
    pub bridge_zone: Option<String>,
    /// `stp` is on unless `stp='off'`.
    pub stp: bool,
    /// Whether `stp` was given at all (libvirt refuses it outside the L3 modes).
    pub stp_given: bool,
    /// `<bridge delay>`: the STP forward delay, in seconds (default 0).
    pub delay: u64,
    /// `<bridge macTableManager>`: who manages the bridge's forwarding table.
    pub mac_table_manager: Option<MacTableManager>,
    /// `<mac address>`: the bridge's MAC address (libvirt generates one on define).
    pub mac: Option<[u8; 6]>,
    /// `<mtu size>`: the bridge's MTU in bytes (0: the kernel's default).
    pub mtu: u32,
    /// `<domain>`: the DNS domain of the network's guests.
    pub domain: Option<DomainName>,
    /// `<dns>`: the DNS server dnsmasq runs for the network.
    pub dns: Dns,
    /// `<vlan>`: the VLAN tags of the network's ports.
    pub vlan: Vlan,
    /// `<bandwidth>`: the network's quality of service.
    pub bandwidth: Option<Bandwidth>,
    /// `<port isolated>`: whether ports may not talk to each other (unset: no).
    pub isolated_port: Option<bool>,
    /// `<ip>`: the network's addresses, each with its DHCP settings.
    pub ips: Vec<IpDef>,
    /// `<route>`: static routes through guests of the network.
    pub routes: Vec<Route>,
    /// `<virtualport>`: the switch port profile (openvswitch, 802.1Qbh, ...).
    pub virtualport: Option<VirtualPort>,
    /// `<portgroup>`: named sets of port settings.
    pub portgroups: Vec<PortGroup>,
    /// `<dnsmasq:options>`: the values of the `<dnsmasq:option>` elements.
    pub dnsmasq_options: Vec<String>,
    /// Live only: the number of guest connections.
    pub connections: u32,
}

/// `<forward mode>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardMode {
    /// No `<forward>`: an isolated network.
    #[default]
    None,
    /// `nat`: guests reach out through the host's NAT.
    Nat,
    /// `route`: routed to the outside without NAT.
    Route,
    /// `open`: routed with no firewall rules at all.
    Open,
    /// `bridge`: an existing host bridge (or macvtap on a device).
    Bridge,
    /// `private`: macvtap in private mode.
    Private,
    /// `vepa`: macvtap in VEPA mode.
    Vepa,
    /// `passthrough`: macvtap in passthrough mode.
    Passthrough,
    /// `hostdev`: SR-IOV functions assigned to guests.
    Hostdev,
}

impl ForwardMode {
    /// The `mode` attribute's value.
    pub fn as_str(self) -> &'static str {
        match self {
            ForwardMode::None => "none",
            ForwardMode::Nat => "nat",
            ForwardMode::Route => "route",
            ForwardMode::Open => "open",
            ForwardMode::Bridge => "bridge",
            ForwardMode::Private => "private",
            ForwardMode::Vepa => "vepa",
            ForwardMode::Passthrough => "passthrough",
            ForwardMode::Hostdev => "hostdev",
        }
    }

    /// The mode a `mode` attribute names.
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "none" => ForwardMode::None,
            "nat" => ForwardMode::Nat,
            "route" => ForwardMode::Route,
            "open" => ForwardMode::Open,
            "bridge" => ForwardMode::Bridge,
            "private" => ForwardMode::Private,
            "vepa" => ForwardMode::Vepa,
            "passthrough" => ForwardMode::Passthrough,
            "hostdev" => ForwardMode::Hostdev,
            _ => return None,
        })
    }

    /// The modes whose bridge, addresses and DHCP libvirt itself sets up.
    pub fn is_l3(self) -> bool {
        matches!(
            self,
            ForwardMode::None | ForwardMode::Nat | ForwardMode::Route | ForwardMode::Open
        )
    }
}

/// `<forward>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Forward {
    /// `mode`: the kind of forwarding (default: none).
    pub mode: ForwardMode,
    /// `managed='yes'` (hostdev): devices are detached from their host driver.
    pub managed: bool,
    /// `<driver name>` (hostdev).
    pub driver: Option<String>,
    /// The pool of devices: `<interface dev>` or PCI `<address>`.
    pub ifs: Vec<ForwardIf>,
    /// `<pf dev>` (at most one).
    pub pf: Option<String>,
    /// `<nat>`: the address and port ranges of NAT.
    pub nat: Nat,
}

/// One device of a `<forward>` pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardIf {
    /// `<interface dev>` with the live count of connections.
    Netdev {
        /// The device's name.
        dev: String,
        /// The live count of connections using it.
        connections: u32,
    },
    /// `<address type='pci'>`: domain, bus, slot, function.
    Pci {
        /// PCI domain.
        domain: u32,
        /// PCI bus.
        bus: u32,
        /// PCI slot.
        slot: u32,
        /// PCI function.
        function: u32,
    },
}

/// `<nat>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Nat {
    /// `ipv6='yes'`: NAT IPv6 too.
    pub ipv6: Option<bool>,
    /// `<address start>`: the first public address of the NAT range.
    pub addr_start: Option<IpAddr>,
    /// `<address end>`: the last public address of the NAT range.
    pub addr_end: Option<IpAddr>,
    /// `<port start>`: the first source port of the NAT range (0: the default 1024).
    pub port_start: u32,
    /// `<port end>`: the last source port of the NAT range (0: the default 65535).
    pub port_end: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// `<bridge macTableManager>`: who manages the bridge's forwarding table.
pub enum MacTableManager {
    /// `kernel`: the kernel learns addresses (the default).
    Kernel,
    /// `libvirt`: libvirt adds the guests' addresses and turns learning off.
    Libvirt,
}

impl MacTableManager {
    /// The attribute's value.
    pub fn as_str(self) -> &'static str {
        match self {
            MacTableManager::Kernel => "kernel",
            MacTableManager::Libvirt => "libvirt",
        }
    }
}

/// `<domain name localOnly>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainName {
    /// `name`: the domain name.
    pub name: String,
    /// `localOnly='yes'`: names of the domain are never forwarded upstream.
    pub local_only: Option<bool>,
}

/// `<dns>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dns {
    /// `enable`: whether dnsmasq serves DNS (unset: yes).
    pub enable: Option<bool>,
    /// `forwardPlainNames`: whether names without a dot are forwarded upstream.
    pub forward_plain_names: Option<bool>,
    /// `<forwarder>`: upstream servers, by domain or address.
    pub forwarders: Vec<DnsForwarder>,
    /// `<txt>`: TXT records.
    pub txts: Vec<DnsTxt>,
    /// `<srv>`: SRV records.
    pub srvs: Vec<DnsSrv>,
    /// `<host>`: A/AAAA records.
    pub hosts: Vec<DnsHost>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// `<dns><forwarder>`: an upstream DNS server.
pub struct DnsForwarder {
    /// `domain`: only names of this domain go to it.
    pub domain: Option<String>,
    /// `addr`: the server's address (none: resolved locally).
    pub addr: Option<IpAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// `<dns><txt>`: a TXT record.
pub struct DnsTxt {
    /// `name`: the record's name.
    pub name: String,
    /// `value`: its text.
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
/// `<dns><srv>`: an SRV record.
pub struct DnsSrv {
    /// `service`: the service name.
    pub service: String,
    /// `protocol`: `tcp` or `udp`.
    pub protocol: String,
    /// `domain`: the service's domain.
    pub domain: Option<String>,
    /// `target`: the host providing the service.
    pub target: Option<String>,
    /// `port`: its port (0: not given).
    pub port: u32,
    /// `priority`: lower is preferred (0: not given).
    pub priority: u32,
    /// `weight`: the share among equal priorities (0: not given).
    pub weight: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// `<dns><host>`: the names of an address.
pub struct DnsHost {
    /// `ip`: the address.
    pub ip: IpAddr,
    /// `<hostname>`: its names.
    pub hostnames: Vec<String>,
}

/// `<vlan>`: `trunk='yes'` and the tags with their native mode.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vlan {
    /// `trunk='yes'`: the port carries several tags.
    pub trunk: bool,
    /// `<tag id>`: the VLAN ids.
    pub tags: Vec<u32>,
    /// The native tag and its mode (`tagged`/`untagged`).
    pub native: Option<(u32, String)>,
}

/// `<bandwidth>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bandwidth {
    /// `<inbound>`: traffic to the guests.
    pub inbound: Option<Rate>,
    /// `<outbound>`: traffic from the guests.
    pub outbound: Option<Rate>,
}

/// `<inbound>`/`<outbound>` (kilobytes per second, kilobytes).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rate {
    /// `average`: the average rate, in KiB/s.
    pub average: u64,
    /// `peak`: the highest rate, in KiB/s (0: not given).
    pub peak: u64,
    /// `floor` (inbound only): the guaranteed rate, in KiB/s (0: not given).
    pub floor: u64,
    /// `burst`: KiB sent at peak speed (0: not given).
    pub burst: u64,
}

/// `<virtualport type>` and its `<parameters>` in libvirt's order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VirtualPort {
    /// `type`: `openvswitch`, `802.1Qbg`, `802.1Qbh` or `midonet`.
    pub kind: String,
    /// (name, value) pairs, values already normalised.
    pub params: Vec<(&'static str, String)>,
}

/// `<portgroup>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortGroup {
    /// `name`: the group's name.
    pub name: String,
    /// `default='yes'`: the group of ports that name none.
    pub is_default: bool,
    /// `trustGuestRxFilters` of the group's ports.
    pub trust_guest_rx_filters: Option<bool>,
    /// `<virtualport>` of the group's ports.
    pub virtualport: Option<VirtualPort>,
    /// `<bandwidth>` of the group's ports.
    pub bandwidth: Option<Bandwidth>,
    /// `<vlan>` of the group's ports.
    pub vlan: Vlan,
}

/// `<ip>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpDef {
    /// `family` as written (`ipv4`, `ipv6`), if given.
    pub family: Option<String>,
    /// `address`: the host's address on the network.
    pub address: IpAddr,
    /// `netmask` (IPv4): the network's mask.
    pub netmask: Option<IpAddr>,
    /// `prefix`: the network's prefix length (0: not given).
    pub prefix: u32,
    /// `localPtr='yes'`: reverse lookups of the network are not forwarded upstream.
    pub local_ptr: Option<bool>,
    /// `<dhcp><range>`: the addresses DHCP hands out.
    pub ranges: Vec<DhcpRange>,
    /// `<dhcp><host>`: fixed leases.
    pub hosts: Vec<DhcpHost>,
    /// `<tftp root>`: the directory the TFTP server serves.
    pub tftp_root: Option<String>,
    /// `<dhcp><bootp file>`: the boot file DHCP names.
    pub bootp_file: Option<String>,
    /// `<dhcp><bootp server>`: the server that file is on.
    pub bootp_server: Option<IpAddr>,
}

impl IpDef {
    /// The prefix length of the network (given, from the netmask, or natural).
    pub fn effective_prefix(&self) -> Option<u32> {
        ip_prefix(&self.address, self.netmask.as_ref(), self.prefix)
    }

    /// Whether dnsmasq serves DHCP on this address (a range or a host is given).
    pub fn has_dhcp(&self) -> bool {
        !self.ranges.is_empty() || !self.hosts.is_empty()
    }
}

/// `<lease expiry unit>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    /// `expiry`: the lease time, in `unit`s (0: infinite).
    pub expiry: u64,
    /// `unit`: the unit of `expiry` (default minutes).
    pub unit: LeaseUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// `<lease unit>`.
pub enum LeaseUnit {
    /// `seconds`.
    Seconds,
    /// `minutes` (the default).
    Minutes,
    /// `hours`.
    Hours,
}

impl LeaseUnit {
    /// The attribute's value.
    pub fn as_str(self) -> &'static str {
        match self {
            LeaseUnit::Seconds => "seconds",
            LeaseUnit::Minutes => "minutes",
            LeaseUnit::Hours => "hours",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// `<dhcp><range>`: addresses DHCP hands out.
pub struct DhcpRange {
    /// `start`: the first address.
    pub start: IpAddr,
    /// `end`: the last address.
    pub end: IpAddr,
    /// `<lease>`: the lease time of the range (none: dnsmasq's default, one hour).
    pub lease: Option<Lease>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
/// `<dhcp><host>`: a fixed lease.
pub struct DhcpHost {
    /// As written (libvirt keeps the text).
    pub mac: Option<String>,
    /// `id`: the DHCPv6 client id (DUID).
    pub id: Option<String>,
    /// `name`: the host name given to the guest.
    pub name: Option<String>,
    /// `ip`: the address leased.
    pub ip: Option<IpAddr>,
    /// `<lease>`: its lease time.
    pub lease: Option<Lease>,
}

/// `<route>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// `family` as written (`ipv4`, `ipv6`), if given.
    pub family: Option<String>,
    /// `address`: the destination network.
    pub address: IpAddr,
    /// `netmask` (IPv4): the destination's mask.
    pub netmask: Option<IpAddr>,
    /// `prefix`: the destination's prefix length.
    pub prefix: Option<u32>,
    /// `gateway`: the guest routing it.
    pub gateway: IpAddr,
    /// `metric`: the route's metric (unset: 1).
    pub metric: Option<u32>,
}

/// What [`Network::format`] prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FormatFlags {
    /// `VIR_NETWORK_XML_INACTIVE`: leave out live-only details (connection counts).
    pub inactive: bool,
}

impl Network {
    /// The `n`-th IP definition of a family (`None`: any).
    pub fn ip_by_index(&self, v4: Option<bool>, n: usize) -> Option<&IpDef> {
        self.ips
            .iter()
            .filter(|i| v4.is_none_or(|v4| i.address.is_ipv4() == v4))
            .nth(n)
    }
}
