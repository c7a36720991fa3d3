//! What a started network sets up on the host: for the modes libvirt configures itself
//! (isolated, nat, route, open), the Linux bridge with its MAC address, MTU, STP and delay and
//! the network's addresses, through `ip` (iproute2), undone on destroy. The rest of a start
//! (firewall, dnsmasq) is [`crate::plumbing`]'s.
//!
//! A daemon started without privileges, or with `--no-host-network`, changes nothing on the
//! host (networks are still recorded active, as before this existed).

use std::process::Command;

use oxvirt_conf::domain::mac_string;
use oxvirt_conf::network::{format_ip, Network};

use crate::NetworkError;

/// Whether and how started networks are set up on the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostNetwork {
    /// Leave the host alone.
    Off,
    /// Bridges and addresses with `ip`.
    Ip,
}

fn ip(args: &[&str]) -> Result<(), NetworkError> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| NetworkError::Internal(format!("cannot run ip {}: {e}", args.join(" "))))?;
    if out.status.success() {
        return Ok(());
    }
    Err(NetworkError::Internal(format!(
        "ip {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    )))
}

/// Whether a network interface named `name` exists.
pub fn device_exists(name: &str) -> bool {
    !name.contains('/')
        && !name.is_empty()
        && std::path::Path::new("/sys/class/net").join(name).exists()
}

impl HostNetwork {
    /// Set up what network `def` needs (idempotent: a bridge that exists is kept and
    /// configured again, as after a crash between two steps).
    pub fn start(self, def: &Network) -> Result<(), NetworkError> {
        if self == HostNetwork::Off || !def.forward.mode.is_l3() {
            return Ok(());
        }
        let Some(br) = def.bridge.as_deref() else {
            return Ok(());
        };
        let existed = device_exists(br);
        if let Err(e) = self.setup_bridge(def, br) {
            // undo only what this start made: an active network's bridge stays
            if !existed {
                let _ = self.stop(def);
            }
            return Err(e);
        }
        Ok(())
    }

    fn setup_bridge(self, def: &Network, br: &str) -> Result<(), NetworkError> {
        if !device_exists(br) {
            ip(&["link", "add", br, "type", "bridge"])?;
        }
        // the delay with STP off: the kernel refuses short delays while STP is on
        let delay = (def.delay.saturating_mul(100)).to_string();
        ip(&["link", "set", br, "type", "bridge", "stp_state", "0"])?;
        ip(&["link", "set", br, "type", "bridge", "forward_delay", &delay])?;
        let stp = if def.stp { "1" } else { "0" };
        ip(&["link", "set", br, "type", "bridge", "stp_state", stp])?;
        if let Some(m) = &def.mac {
            ip(&["link", "set", br, "address", &mac_string(m)])?;
        }
        if def.mtu != 0 {
            ip(&["link", "set", br, "mtu", &def.mtu.to_string()])?;
        }
        for a in &def.ips {
            let Some(prefix) = a.effective_prefix() else {
                continue;
            };
            let cidr = format!("{}/{prefix}", format_ip(&a.address));
            // "replace" so that a restart after a crash finds no duplicate
            ip(&["addr", "replace", &cidr, "dev", br])?;
        }
        ip(&["link", "set", br, "up"])
    }

    /// Undo [`HostNetwork::start`]: the bridge goes with its addresses.
    pub fn stop(self, def: &Network) -> Result<(), NetworkError> {
        if self == HostNetwork::Off || !def.forward.mode.is_l3() {
            return Ok(());
        }
        match def.bridge.as_deref() {
            Some(br) if device_exists(br) => ip(&["link", "del", br]),
            _ => Ok(()),
        }
    }
}
