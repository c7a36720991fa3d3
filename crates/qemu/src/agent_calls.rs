//! The calls that go through the QEMU guest agent (`virsh domtime`, `domhostname`,
//! `domfsinfo`, `domfsfreeze`/`domfsthaw`, `guestinfo`, `guestvcpus`, `qemu-agent-command`,
//! `domifaddr --source agent`) and the interface addresses from other sources.
//!
//! oxvirt does not connect to guest agents yet, so these calls answer as libvirt 9.0 does when
//! no agent is connected: "QEMU guest agent is not configured" for a domain without the
//! `org.qemu.guest_agent.0` channel, "QEMU guest agent is not connected" for one with it, after
//! the same flag and state checks as libvirt's.

use oxvirt_conf::domain::Domain;
use oxvirt_proto::calls;
use oxvirt_proto::domain_api::{DomainInterface, DomainInterfaceAddressesRet, DomainIpAddr};
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::{NonnullDomain, VirError};
use oxvirt_remote::Router;

use crate::job_calls::check_active;
use crate::{QemuDriver, QemuError};

/// The guest agent's channel name.
const AGENT_CHANNEL: &str = "org.qemu.guest_agent.0";

/// `VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_*`.
const SRC_LEASE: u32 = 0;
const SRC_AGENT: u32 = 1;
const SRC_ARP: u32 = 2;

/// `VIR_DOMAIN_GET_HOSTNAME_LEASE`, `_AGENT`.
const HOSTNAME_LEASE: u32 = 1;
const HOSTNAME_AGENT: u32 = 2;

/// `VIR_DOMAIN_TIME_SYNC`.
const TIME_SYNC: u32 = 1;

/// `VIR_DOMAIN_GUEST_INFO_*` type bits.
const GUEST_INFO_TYPES: u32 = 0x7f;

/// `virIPAddrType`.
const IP_ADDR_IPV4: i32 = 0;

fn check_flags(flags: u32, allowed: u32, func: &'static str) -> Result<(), QemuError> {
    if flags & !allowed != 0 {
        return Err(QemuError::UnsupportedFlags { flags, func });
    }
    Ok(())
}

fn has_agent_channel(def: &Domain) -> bool {
    def.devices
        .channels
        .iter()
        .any(|c| c.name.as_deref() == Some(AGENT_CHANNEL))
}

/// libvirt's `virDomainObjCheckActive` then `qemuDomainAgentAvailable`: the domain must be
/// running (not paused), and its agent connected — which no agent is yet.
fn agent(d: &QemuDriver, dom: &NonnullDomain) -> QemuError {
    let vm = match check_active(d, dom) {
        Ok(vm) => vm,
        Err(e) => return e,
    };
    if vm.state().0 != oxvirt_proto::states::state::RUNNING {
        return QemuError::OperationInvalid("domain is not running".into());
    }
    if has_agent_channel(&vm.def()) {
        QemuError::Vir(VirError::new(
            code::AGENT_UNRESPONSIVE,
            domain::QEMU,
            "QEMU guest agent is not connected",
        ))
    } else {
        QemuError::Vir(VirError::new(
            code::ARGUMENT_UNSUPPORTED,
            domain::QEMU,
            "QEMU guest agent is not configured",
        ))
    }
}

/// The neighbours of the host's ARP table (`/proc/net/arp`): (IPv4 address, MAC).
fn arp_table() -> Vec<(String, String)> {
    let text = std::fs::read_to_string("/proc/net/arp").unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // IP address, HW type, Flags, HW address, Mask, Device; flags 0: incomplete
            (f.len() >= 4 && f[2] != "0x0").then(|| (f[0].to_owned(), f[3].to_ascii_lowercase()))
        })
        .collect()
}

fn interface_addresses(
    d: &QemuDriver,
    dom: &NonnullDomain,
    source: u32,
) -> Result<DomainInterfaceAddressesRet, QemuError> {
    let vm = check_active(d, dom)?;
    let def = vm.def();
    match source {
        // leases come from the virtual networks' DHCP servers: a NIC on no network has none,
        // and libvirt lists only the NICs that have a lease
        SRC_LEASE => Ok(DomainInterfaceAddressesRet { ifaces: Vec::new() }),
        SRC_AGENT => Err(agent(d, dom)),
        SRC_ARP => {
            let table = arp_table();
            let ifaces = def
                .devices
                .interfaces
                .iter()
                .filter_map(|n| {
                    let mac = oxvirt_conf::domain::mac_string(&n.mac);
                    let addrs: Vec<DomainIpAddr> = table
                        .iter()
                        .filter(|(_, m)| *m == mac)
                        .map(|(ip, _)| DomainIpAddr {
                            type_: IP_ADDR_IPV4,
                            addr: ip.clone(),
                            prefix: 0,
                        })
                        .collect();
                    (!addrs.is_empty()).then(|| DomainInterface {
                        name: n.target_dev.clone().unwrap_or_default(),
                        hwaddr: Some(mac),
                        addrs,
                    })
                })
                .collect();
            Ok(DomainInterfaceAddressesRet { ifaces })
        }
        s => Err(QemuError::Vir(VirError::new(
            code::ARGUMENT_UNSUPPORTED,
            domain::QEMU,
            format!("Unknown IP address data source {s}"),
        ))),
    }
}

/// Register the guest-agent calls.
pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add_sync(calls::DomainGetTime, |d, a, _| {
        check_flags(a.flags, 0, "qemuDomainGetTime")?;
        Err::<oxvirt_proto::domain_api::DomainGetTimeRet, _>(agent(d, &a.dom))
    });
    r.add_sync(calls::DomainSetTime, |d, a, _| {
        check_flags(a.flags, TIME_SYNC, "qemuDomainSetTime")?;
        Err::<(), _>(agent(d, &a.dom))
    });
    r.add_sync(calls::DomainGetHostname, |d, a, _| {
        check_flags(
            a.flags,
            HOSTNAME_LEASE | HOSTNAME_AGENT,
            "qemuDomainGetHostname",
        )?;
        if a.flags == HOSTNAME_LEASE | HOSTNAME_AGENT {
            return Err(QemuError::InvalidArg(
                "Flags 'VIR_DOMAIN_GET_HOSTNAME_LEASE' and 'VIR_DOMAIN_GET_HOSTNAME_AGENT' are mutually exclusive".into(),
            ));
        }
        if a.flags & HOSTNAME_LEASE != 0 {
            let vm = check_active(d, &a.dom)?;
            return Err(QemuError::Vir(VirError::new(
                code::NO_HOSTNAME,
                domain::QEMU,
                format!("no hostname found for domain {}", vm.name),
            )));
        }
        Err::<oxvirt_proto::remote::StringRet, _>(agent(d, &a.dom))
    });
    r.add_sync(calls::DomainGetFsinfo, |d, a, _| {
        check_flags(a.flags, 0, "qemuDomainGetFSInfo")?;
        Err::<oxvirt_proto::domain_api::DomainGetFsInfoRet, _>(agent(d, &a.dom))
    });
    r.add_sync(calls::DomainFsfreeze, |d, a, _| {
        check_flags(a.flags, 0, "qemuDomainFSFreeze")?;
        Err::<oxvirt_proto::remote::IntRet, _>(agent(d, &a.dom))
    });
    r.add_sync(calls::DomainFsthaw, |d, a, _| {
        check_flags(a.flags, 0, "qemuDomainFSThaw")?;
        Err::<oxvirt_proto::remote::IntRet, _>(agent(d, &a.dom))
    });
    r.add_sync(calls::DomainGetGuestInfo, |d, a, _| {
        check_flags(a.flags, 0, "qemuDomainGetGuestInfo")?;
        if a.types & !GUEST_INFO_TYPES != 0 {
            return Err(QemuError::UnsupportedFlags {
                flags: a.types,
                func: "qemuDomainGetGuestInfo",
            });
        }
        Err::<oxvirt_proto::domain_api::TypedParamsOnlyRet, _>(agent(d, &a.dom))
    });
    r.add_sync(calls::DomainGetGuestVcpus, |d, a, _| {
        check_flags(a.flags, 0, "qemuDomainGetGuestVcpus")?;
        Err::<oxvirt_proto::domain_api::TypedParamsOnlyRet, _>(agent(d, &a.dom))
    });
    r.add_sync(calls::QemuDomainAgentCommand, |d, a, _| {
        check_flags(a.flags, 0, "qemuDomainQemuAgentCommand")?;
        Err::<oxvirt_proto::domain_api::QemuDomainAgentCommandRet, _>(agent(d, &a.dom))
    });
    r.add_sync(calls::DomainInterfaceAddresses, |d, a, _| {
        check_flags(a.flags, 0, "qemuDomainInterfaceAddresses")?;
        interface_addresses(d, &a.dom, a.source)
    });
}
