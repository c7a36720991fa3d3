//! The `default` network libvirt's packaging installs (its `default.xml`: NAT, DHCP, bridge
//! `virbr0`), defined and marked autostart when networkd first starts on a root (no network
//! configuration directory yet), on the first `192.168.N.0/24` from `192.168.122.0` upward that
//! no route of the host uses.

use std::net::{IpAddr, Ipv4Addr};

use crate::calls::{define_xml, set_autostart};
use crate::netsys::{host_routes, subnet_used, HostRoute};
use crate::wire::{NetworkSetAutostartArgs, NetworkXmlFlagsArgs};
use crate::{NetworkDriver, NetworkError};

/// The third byte of the first free `192.168.N.0/24`, from 122 up.
pub fn free_subnet(routes: &[HostRoute]) -> Option<u8> {
    (122..=254u8).find(|n| {
        let net = IpAddr::V4(Ipv4Addr::new(192, 168, *n, 0));
        !subnet_used(&net, 24, routes)
    })
}

/// The definition, on `192.168.N.0/24`.
pub fn default_xml(n: u8) -> String {
    format!(
        "<network>\n  <name>default</name>\n  <bridge name='virbr0'/>\n  <forward/>\n  \
         <ip address='192.168.{n}.1' netmask='255.255.255.0'>\n    <dhcp>\n      \
         <range start='192.168.{n}.2' end='192.168.{n}.254'/>\n    </dhcp>\n  </ip>\n</network>\n"
    )
}

/// Define `default` and mark it autostart.
pub fn define_default(d: &NetworkDriver) -> Result<(), NetworkError> {
    let n = free_subnet(&host_routes()).ok_or_else(|| {
        NetworkError::OperationFailed(
            "no free 192.168.N.0/24 subnet for the default network".into(),
        )
    })?;
    let net = define_xml(
        d,
        NetworkXmlFlagsArgs {
            xml: default_xml(n),
            flags: 0,
        },
    )?
    .net;
    set_autostart(d, NetworkSetAutostartArgs { net, autostart: 1 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netsys::ipv4_routes_from;

    #[test]
    fn picks_the_first_free_subnet() {
        assert_eq!(free_subnet(&[]), Some(122));
        let routes = ipv4_routes_from(
            "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n\
             eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\n\
             eth0\t007AA8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n\
             eth1\t007BA8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n",
        );
        assert_eq!(free_subnet(&routes), Some(124));
        let def = oxvirt_conf::network::parse(&default_xml(124)).unwrap();
        assert_eq!(def.bridge.as_deref(), Some("virbr0"));
    }
}
