//! Everything a started network sets up on the host, in order: the subnet checked against the
//! host's routes, the bridge ([`crate::host`]), the sysctls ([`crate::netsys`]), the firewall
//! ([`crate::nft`], its rules recorded in `run/network/NAME.fw`) and dnsmasq
//! ([`crate::dnsmasq`]); undone in the reverse order on destroy, and set up again where it is
//! missing after a restart ([`Plumbing::reconcile`]).

use std::path::{Path, PathBuf};

use oxvirt_conf::network::{ForwardMode, Network};
use oxvirt_daemon::fsutil::write_atomic;

use crate::dnsmasq::{self, DnsmasqFiles};
use crate::host::{device_exists, HostNetwork};
use crate::{leases, netsys, nft, NetworkError};

/// The host side of the driver: what it changes, and where it keeps its files.
#[derive(Debug, Clone)]
pub struct Plumbing {
    pub mode: HostNetwork,
    /// `run/network`: pid files and firewall records.
    run_dir: PathBuf,
    /// `lib/network/dnsmasq`: dnsmasq's files and the lease status files.
    dnsmasq_dir: PathBuf,
    /// The lease helper dnsmasq runs.
    helper: PathBuf,
}

/// Where the lease helper is: `$OXVIRT_LEASESHELPER` if that file exists, else next to the
/// running program, else on PATH.
pub fn helper_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("OXVIRT_LEASESHELPER") {
        let p = PathBuf::from(p);
        if p.is_file() {
            return p;
        }
    }
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1).take(2) {
            let c = dir.join("oxvirt-leaseshelper");
            if c.is_file() {
                return c;
            }
        }
    }
    PathBuf::from("oxvirt-leaseshelper")
}

/// What a start adds to the live definition, as libvirt 9.0 shows it once the network runs:
/// a NAT network that masquerades IPv4 gets the default source port range (1024-65535).
pub fn live_defaults(def: &mut Network) {
    let nat = &mut def.forward.nat;
    if def.forward.mode == ForwardMode::Nat
        && nat.port_start == 0
        && nat.port_end == 0
        && def.ips.iter().any(|ip| ip.address.is_ipv4())
    {
        nat.port_start = 1024;
        nat.port_end = 65535;
    }
}

impl Plumbing {
    /// The plumbing of a daemon whose state is under `run` and `lib`.
    pub fn new(mode: HostNetwork, run: &Path, lib: &Path) -> Result<Self, NetworkError> {
        let p = Plumbing {
            mode,
            run_dir: run.join("network"),
            dnsmasq_dir: lib.join("network").join("dnsmasq"),
            helper: helper_binary(),
        };
        if mode != HostNetwork::Off {
            for d in [&p.run_dir, &p.dnsmasq_dir] {
                std::fs::create_dir_all(d)
                    .map_err(|e| NetworkError::Io(format!("cannot create {}: {e}", d.display())))?;
            }
        }
        Ok(p)
    }

    /// The directory of the lease status files.
    pub fn leases_dir(&self) -> &Path {
        &self.dnsmasq_dir
    }

    /// The leases of network `def` (its bridge's status file).
    pub fn leases(&self, def: &Network) -> Vec<leases::Lease> {
        match &def.bridge {
            Some(br) => leases::read(&leases::status_path(&self.dnsmasq_dir, br)),
            None => Vec::new(),
        }
    }

    pub fn dnsmasq_files(&self, name: &str) -> DnsmasqFiles {
        DnsmasqFiles::new(&self.dnsmasq_dir, &self.run_dir, name)
    }

    fn fw_file(&self, name: &str) -> PathBuf {
        self.run_dir.join(format!("{name}.fw"))
    }

    fn fw_record(&self, name: &str) -> Option<nft::FwRecord> {
        std::fs::read_to_string(self.fw_file(name))
            .ok()
            .and_then(|t| nft::FwRecord::from_text(&t))
    }

    fn applies(&self, def: &Network) -> Option<String> {
        if self.mode == HostNetwork::Off || !def.forward.mode.is_l3() {
            return None;
        }
        def.bridge.clone()
    }

    /// Set up network `def` (a start); on failure, what this start made is undone.
    pub fn start(&self, def: &Network) -> Result<(), NetworkError> {
        let Some(br) = self.applies(def) else {
            return Ok(());
        };
        netsys::check_route_collision(def, &netsys::host_routes())?;
        let existed = device_exists(&br);
        let r = self
            .mode
            .start(def)
            .and_then(|()| self.setup_after_bridge(def, &br));
        if r.is_err() {
            self.teardown(def, !existed);
        }
        r
    }

    fn setup_after_bridge(&self, def: &Network, br: &str) -> Result<(), NetworkError> {
        netsys::set_sysctls(def, br)?;
        crate::qos::set(br, def.bandwidth.as_ref(), true)?;
        self.setup_firewall(def, br)?;
        self.start_dnsmasq(def).map(|_| ())
    }

    fn setup_firewall(&self, def: &Network, br: &str) -> Result<(), NetworkError> {
        match self.fw_record(&def.name) {
            Some(rec) if !rec.rules.is_empty() => {
                if nft::rules_present(&rec) {
                    return Ok(());
                }
                nft::remove_rules(&def.name, Some(&rec))?;
            }
            // the record of a start that had not written the handles yet (a crash between
            // the rules and their record): the comment finds them
            Some(_) => nft::remove_rules(&def.name, None)?,
            // no record at all: no rule of this network was ever added on this root
            None => {}
        }
        let path = self.fw_file(&def.name);
        let write = |rec: &nft::FwRecord| {
            write_atomic(&path, rec.to_text().as_bytes())
                .map_err(|e| NetworkError::Io(format!("cannot write {}: {e}", path.display())))
        };
        write(&nft::FwRecord {
            comment: nft::comment_for(&def.name),
            rules: Vec::new(),
        })?;
        write(&nft::add_rules(def, br)?)
    }

    /// Write dnsmasq's files and start it unless it runs; its pid.
    pub fn start_dnsmasq(&self, def: &Network) -> Result<Option<i32>, NetworkError> {
        if self.applies(def).is_none() || !dnsmasq::needed(def) {
            return Ok(None);
        }
        let files = self.dnsmasq_files(&def.name);
        dnsmasq::write_files(def, &files)?;
        if let Some(pid) = dnsmasq::running_pid(&files) {
            return Ok(Some(pid));
        }
        dnsmasq::spawn(def, &files, &self.helper, &self.dnsmasq_dir).map(Some)
    }

    /// After a change of the definition of a running network: dnsmasq's files written again
    /// and dnsmasq told (SIGHUP), started if it was not running. A root whose directories
    /// dnsmasq's unprivileged user cannot go through (a private temporary root) gets a new
    /// dnsmasq instead, which reads its files before it drops its privileges.
    pub fn refresh_dnsmasq(&self, def: &Network) -> Result<(), NetworkError> {
        if self.applies(def).is_none() || !dnsmasq::needed(def) {
            return Ok(());
        }
        let files = self.dnsmasq_files(&def.name);
        dnsmasq::write_files(def, &files)?;
        if !dnsmasq::readable_by_others(&self.dnsmasq_dir) {
            return self.restart_dnsmasq(def);
        }
        if !dnsmasq::reload(&files) {
            self.start_dnsmasq(def)?;
        }
        Ok(())
    }

    /// A new dnsmasq for running network `def` (its ranges changed).
    pub fn restart_dnsmasq(&self, def: &Network) -> Result<(), NetworkError> {
        dnsmasq::kill(&self.dnsmasq_files(&def.name));
        self.start_dnsmasq(def).map(|_| ())
    }

    /// Undo [`Plumbing::start`] (a destroy).
    pub fn stop(&self, def: &Network) -> Result<(), NetworkError> {
        if self.applies(def).is_none() {
            return Ok(());
        }
        self.teardown(def, true);
        self.mode.stop(def)
    }

    fn teardown(&self, def: &Network, bridge_too: bool) {
        dnsmasq::kill(&self.dnsmasq_files(&def.name));
        let rec = self.fw_record(&def.name);
        if let Err(e) = nft::remove_rules(&def.name, rec.as_ref()) {
            tracing::warn!(network = %def.name, error = %e, "cannot remove the firewall rules");
        } else {
            let _ = std::fs::remove_file(self.fw_file(&def.name));
        }
        if bridge_too {
            if let (Some(br), Some(_)) = (&def.bridge, &def.bandwidth) {
                crate::qos::clear(br);
            }
            let _ = self.mode.stop(def);
        }
    }

    /// After a restart: what an active network needs and is missing is set up again (the
    /// bridge, rules removed behind the daemon's back, a dnsmasq that died).
    pub fn reconcile(&self, def: &Network) -> Result<(), NetworkError> {
        let Some(br) = self.applies(def) else {
            return Ok(());
        };
        self.mode.start(def)?;
        self.setup_after_bridge(def, &br)
    }

    /// Whether the dnsmasq of running network `def` should run and does not.
    pub fn dnsmasq_died(&self, def: &Network) -> bool {
        self.applies(def).is_some()
            && dnsmasq::needed(def)
            && dnsmasq::running_pid(&self.dnsmasq_files(&def.name)).is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live(xml: &str) -> String {
        let mut def = oxvirt_conf::network::parse(xml).unwrap();
        live_defaults(&mut def);
        def.format(oxvirt_conf::network::FormatFlags { inactive: false })
    }

    #[test]
    fn a_nat_network_gets_libvirts_port_range_once_started() {
        let nat = "<network><name>n</name><forward mode='nat'/><bridge name='virbr5'/>\
                   <ip address='192.168.5.1' netmask='255.255.255.0'/></network>";
        assert!(live(nat).contains(
            "<forward mode='nat'>\n    <nat>\n      <port start='1024' end='65535'/>\n    </nat>\n  </forward>\n"
        ));
        // a range given stays; no IPv4 address (nothing masqueraded) or no NAT: nothing added
        let given = nat.replace(
            "<forward mode='nat'/>",
            "<forward mode='nat'><nat><port start='2000' end='3000'/></nat></forward>",
        );
        assert!(live(&given).contains("<port start='2000' end='3000'/>"));
        let v6 = "<network><name>n</name><forward mode='nat'/><bridge name='virbr5'/>\
                  <ip family='ipv6' address='fd00::1' prefix='64'/></network>";
        assert!(live(v6).contains("<forward mode='nat'/>"));
        let route = nat.replace("mode='nat'", "mode='route'");
        assert!(!live(&route).contains("<port"));
    }
}
