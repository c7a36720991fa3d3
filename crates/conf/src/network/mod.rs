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
pub use parse::parse;
pub use validate::{assign_bridge, validate};

use crate::xml::Element;
use std::net::IpAddr;

/// The namespace of `<dnsmasq:options>`.
pub const DNSMASQ_NS: &str = "http://libvirt.org/schemas/network/dnsmasq/1.0";

/// A network definition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Network {
    pub name: String,
    pub uuid: [u8; 16],
    /// Whether `<uuid>` was given (otherwise it was generated).
    pub uuid_specified: bool,
    /// `<network ipv6='yes'>`: guest-to-guest IPv6 without a gateway address.
    pub ipv6nogw: bool,
    pub trust_guest_rx_filters: Option<bool>,
    /// `<metadata>` (kept even when empty, as libvirt 9.0 does).
    pub metadata: Option<Vec<Element>>,
    pub forward: Forward,
    pub bridge: Option<String>,
    pub bridge_zone: Option<String>,
    /// `stp` is on unless `stp='off'`.
    pub stp: bool,
    /// Whether `stp` was given at all (libvirt refuses it outside the L3 modes).
    pub stp_given: bool,
    pub delay: u64,
    pub mac_table_manager: Option<MacTableManager>,
    pub mac: Option<[u8; 6]>,
    pub mtu: u32,
    pub domain: Option<DomainName>,
    pub dns: Dns,
    pub vlan: Vlan,
    pub bandwidth: Option<Bandwidth>,
    pub isolated_port: Option<bool>,
    pub ips: Vec<IpDef>,
    pub routes: Vec<Route>,
    pub virtualport: Option<VirtualPort>,
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
    Nat,
    Route,
    Open,
    Bridge,
    Private,
    Vepa,
    Passthrough,
    Hostdev,
}

impl ForwardMode {
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
    pub mode: ForwardMode,
    pub managed: bool,
    /// `<driver name>` (hostdev).
    pub driver: Option<String>,
    /// The pool of devices: `<interface dev>` or PCI `<address>`.
    pub ifs: Vec<ForwardIf>,
    /// `<pf dev>` (at most one).
    pub pf: Option<String>,
    pub nat: Nat,
}

/// One device of a `<forward>` pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardIf {
    /// `<interface dev>` with the live count of connections.
    Netdev { dev: String, connections: u32 },
    /// `<address type='pci'>`: domain, bus, slot, function.
    Pci {
        domain: u32,
        bus: u32,
        slot: u32,
        function: u32,
    },
}

/// `<nat>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Nat {
    pub ipv6: Option<bool>,
    pub addr_start: Option<IpAddr>,
    pub addr_end: Option<IpAddr>,
    pub port_start: u32,
    pub port_end: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacTableManager {
    Kernel,
    Libvirt,
}

impl MacTableManager {
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
    pub name: String,
    pub local_only: Option<bool>,
}

/// `<dns>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dns {
    pub enable: Option<bool>,
    pub forward_plain_names: Option<bool>,
    pub forwarders: Vec<DnsForwarder>,
    pub txts: Vec<DnsTxt>,
    pub srvs: Vec<DnsSrv>,
    pub hosts: Vec<DnsHost>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsForwarder {
    pub domain: Option<String>,
    pub addr: Option<IpAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsTxt {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DnsSrv {
    pub service: String,
    pub protocol: String,
    pub domain: Option<String>,
    pub target: Option<String>,
    pub port: u32,
    pub priority: u32,
    pub weight: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsHost {
    pub ip: IpAddr,
    pub hostnames: Vec<String>,
}

/// `<vlan>`: `trunk='yes'` and the tags with their native mode.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vlan {
    pub trunk: bool,
    pub tags: Vec<u32>,
    /// The native tag and its mode (`tagged`/`untagged`).
    pub native: Option<(u32, String)>,
}

/// `<bandwidth>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bandwidth {
    pub inbound: Option<Rate>,
    pub outbound: Option<Rate>,
}

/// `<inbound>`/`<outbound>` (kilobytes per second, kilobytes).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rate {
    pub average: u64,
    pub peak: u64,
    pub floor: u64,
    pub burst: u64,
}

/// `<virtualport type>` and its `<parameters>` in libvirt's order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VirtualPort {
    pub kind: String,
    /// (name, value) pairs, values already normalised.
    pub params: Vec<(&'static str, String)>,
}

/// `<portgroup>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortGroup {
    pub name: String,
    pub is_default: bool,
    pub trust_guest_rx_filters: Option<bool>,
    pub virtualport: Option<VirtualPort>,
    pub bandwidth: Option<Bandwidth>,
    pub vlan: Vlan,
}

/// `<ip>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpDef {
    /// `family` as written (`ipv4`, `ipv6`), if given.
    pub family: Option<String>,
    pub address: IpAddr,
    pub netmask: Option<IpAddr>,
    pub prefix: u32,
    pub local_ptr: Option<bool>,
    pub ranges: Vec<DhcpRange>,
    pub hosts: Vec<DhcpHost>,
    pub tftp_root: Option<String>,
    pub bootp_file: Option<String>,
    pub bootp_server: Option<IpAddr>,
}

impl IpDef {
    /// The prefix length of the network (given, from the netmask, or natural).
    pub fn effective_prefix(&self) -> Option<u32> {
        ip_prefix(&self.address, self.netmask.as_ref(), self.prefix)
    }

    pub fn has_dhcp(&self) -> bool {
        !self.ranges.is_empty() || !self.hosts.is_empty()
    }
}

/// `<lease expiry unit>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    pub expiry: u64,
    pub unit: LeaseUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseUnit {
    Seconds,
    Minutes,
    Hours,
}

impl LeaseUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            LeaseUnit::Seconds => "seconds",
            LeaseUnit::Minutes => "minutes",
            LeaseUnit::Hours => "hours",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpRange {
    pub start: IpAddr,
    pub end: IpAddr,
    pub lease: Option<Lease>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DhcpHost {
    /// As written (libvirt keeps the text).
    pub mac: Option<String>,
    pub id: Option<String>,
    pub name: Option<String>,
    pub ip: Option<IpAddr>,
    pub lease: Option<Lease>,
}

/// `<route>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub family: Option<String>,
    pub address: IpAddr,
    pub netmask: Option<IpAddr>,
    pub prefix: Option<u32>,
    pub gateway: IpAddr,
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
