//! dnsmasq for a started network, as libvirt 9.0 runs it: a configuration file
//! `lib/network/dnsmasq/NAME.conf` (libvirt's `networkDnsmasqConfContents` layout), the DHCP
//! hosts file `NAME.hostsfile`, the DNS hosts `NAME.addnhosts`, leases kept by oxvirt's lease
//! helper (`--leasefile-ro --dhcp-script`) in libvirt's status format (`BRIDGE.status`), and
//! the process found again by its pid file `run/network/NAME.pid`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use oxvirt_conf::network::{check_range, format_ip, Network};
use oxvirt_daemon::fsutil::write_atomic;

use crate::NetworkError;

/// The environment variable naming the directory of the status files, for the lease helper.
pub const LEASES_DIR_ENV: &str = "OXVIRT_LEASES_DIR";

/// The files of one network's dnsmasq.
#[derive(Debug, Clone)]
pub struct DnsmasqFiles {
    pub conf: PathBuf,
    pub hosts: PathBuf,
    pub addn_hosts: PathBuf,
    pub pid: PathBuf,
}

impl DnsmasqFiles {
    pub fn new(dnsmasq_dir: &Path, run_dir: &Path, name: &str) -> Self {
        DnsmasqFiles {
            conf: dnsmasq_dir.join(format!("{name}.conf")),
            hosts: dnsmasq_dir.join(format!("{name}.hostsfile")),
            addn_hosts: dnsmasq_dir.join(format!("{name}.addnhosts")),
            pid: run_dir.join(format!("{name}.pid")),
        }
    }
}

/// Whether a network needs dnsmasq: an address on its bridge (DNS), or DHCP.
pub fn needed(def: &Network) -> bool {
    def.forward.mode.is_l3() && def.bridge.is_some() && !def.ips.is_empty()
}

/// The configuration file, as libvirt 9.0 writes it.
pub fn conf_contents(def: &Network, files: &DnsmasqFiles) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n\
         ##OVERWRITTEN AND LOST.  Changes to this configuration should be made using:\n\
         ##    virsh net-edit {}\n\
         ## or other application using the libvirt API.\n\
         ##\n\
         ## dnsmasq conf file created by libvirt\n\
         strict-order\n",
        def.name
    );
    let dns_off = def.dns.enable == Some(false);
    if dns_off {
        s.push_str("port=0\n");
    } else {
        for f in &def.dns.forwarders {
            let mut v = String::new();
            if let Some(dom) = &f.domain {
                let _ = write!(v, "/{dom}/");
            }
            if let Some(a) = &f.addr {
                v.push_str(&format_ip(a));
            } else {
                v.push('#');
            }
            let _ = writeln!(s, "server={v}");
        }
        if def
            .dns
            .forwarders
            .iter()
            .any(|f| f.domain.is_none() && f.addr.is_some())
        {
            s.push_str("no-resolv\n");
        }
    }
    if let Some(d) = &def.domain {
        if d.local_only == Some(true) {
            let _ = writeln!(s, "local=/{}/", d.name);
        }
        let _ = writeln!(s, "domain={}", d.name);
        s.push_str("expand-hosts\n");
    }
    if !dns_off && def.dns.forward_plain_names == Some(false) {
        s.push_str("domain-needed\nlocal=//\n");
    }
    let _ = writeln!(s, "pid-file={}", files.pid.display());
    s.push_str("except-interface=lo\nbind-dynamic\n");
    if let Some(br) = &def.bridge {
        let _ = writeln!(s, "interface={br}");
    }
    // an isolated network: no default route for the guests, no DNS forwarded out
    if def.forward.mode == oxvirt_conf::network::ForwardMode::None {
        s.push_str("dhcp-option=3\nno-resolv\nra-param=*,0,0\n");
    }
    if !dns_off {
        for t in &def.dns.txts {
            let _ = writeln!(s, "txt-record={},{}", t.name, t.value);
        }
        for r in &def.dns.srvs {
            let mut v = format!("_{}._{}", r.service, r.protocol);
            if let Some(d) = &r.domain {
                let _ = write!(v, ".{d}");
            }
            if let Some(t) = &r.target {
                let _ = write!(v, ",{t},{},{},{}", r.port, r.priority, r.weight);
            }
            let _ = writeln!(s, "srv-host={v}");
        }
    }
    let mut leases: u128 = 0;
    let mut dhcp = false;
    let mut v6 = false;
    for ip in &def.ips {
        let prefix = ip.effective_prefix().unwrap_or(0);
        if !ip.address.is_ipv4() {
            v6 = true;
        }
        for r in &ip.ranges {
            let size = check_range(&r.start, &r.end, None).unwrap_or(0);
            leases += size;
            let mut line = format!("dhcp-range={},{}", format_ip(&r.start), format_ip(&r.end));
            if ip.address.is_ipv4() {
                let _ = write!(line, ",{}", netmask_v4(prefix));
            } else {
                let _ = write!(line, ",{prefix}");
            }
            if let Some(l) = &r.lease {
                let secs = l.expiry
                    * match l.unit {
                        oxvirt_conf::network::LeaseUnit::Seconds => 1,
                        oxvirt_conf::network::LeaseUnit::Minutes => 60,
                        oxvirt_conf::network::LeaseUnit::Hours => 3600,
                    };
                if secs == 0 {
                    line.push_str(",infinite");
                } else {
                    let _ = write!(line, ",{secs}");
                }
            }
            let _ = writeln!(s, "{line}");
            dhcp = true;
        }
        if ip.ranges.is_empty() && !ip.hosts.is_empty() {
            let _ = writeln!(s, "dhcp-range={},static", format_ip(&ip.address));
            dhcp = true;
        }
    }
    if dhcp {
        s.push_str("dhcp-no-override\ndhcp-authoritative\n");
        if leases > 0 {
            let _ = writeln!(s, "dhcp-lease-max={leases}");
        }
        let _ = writeln!(s, "dhcp-hostsfile={}", files.hosts.display());
    }
    if !dns_off {
        let _ = writeln!(s, "addn-hosts={}", files.addn_hosts.display());
    }
    for ip in def
        .ips
        .iter()
        .filter(|i| !i.address.is_ipv4() && i.ranges.is_empty())
    {
        let _ = writeln!(s, "dhcp-range={},ra-only", format_ip(&ip.address));
    }
    if v6 {
        s.push_str("enable-ra\n");
    }
    for o in &def.dnsmasq_options {
        let _ = writeln!(s, "{o}");
    }
    s
}

fn netmask_v4(prefix: u32) -> String {
    let m: u32 = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix.min(32))
    };
    std::net::Ipv4Addr::from(m).to_string()
}

/// The DHCP hosts file: `MAC,IP,NAME` (IPv4), `id:ID,[IP],NAME` (IPv6), one host a line.
pub fn hosts_contents(def: &Network) -> String {
    let mut s = String::new();
    for ip in &def.ips {
        for h in &ip.hosts {
            let mut parts = Vec::new();
            if let Some(m) = &h.mac {
                parts.push(m.clone());
            } else if let Some(id) = &h.id {
                parts.push(format!("id:{id}"));
            }
            if let Some(a) = &h.ip {
                parts.push(if a.is_ipv4() {
                    format_ip(a)
                } else {
                    format!("[{}]", format_ip(a))
                });
            }
            if let Some(n) = &h.name {
                parts.push(n.clone());
            }
            let _ = writeln!(s, "{}", parts.join(","));
        }
    }
    s
}

/// The DNS hosts file: `IP\tNAME...`.
pub fn addn_hosts_contents(def: &Network) -> String {
    let mut s = String::new();
    for h in &def.dns.hosts {
        let _ = writeln!(s, "{}\t{}", format_ip(&h.ip), h.hostnames.join("\t"));
    }
    s
}

/// Write the three files of a network.
pub fn write_files(def: &Network, files: &DnsmasqFiles) -> Result<(), NetworkError> {
    for (path, text) in [
        (&files.hosts, hosts_contents(def)),
        (&files.addn_hosts, addn_hosts_contents(def)),
        (&files.conf, conf_contents(def, files)),
    ] {
        write_atomic(path, text.as_bytes())
            .map_err(|e| NetworkError::Io(format!("cannot write {}: {e}", path.display())))?;
    }
    // dnsmasq reads the hosts files again as its unprivileged user (libvirt's are 0644)
    for path in [&files.hosts, &files.addn_hosts] {
        std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .map_err(|e| NetworkError::Io(format!("cannot chmod {}: {e}", path.display())))?;
    }
    Ok(())
}

/// Whether every directory up to `dir` lets anyone through, so that dnsmasq, which drops its
/// privileges once started, can read its hosts files again on SIGHUP.
pub fn readable_by_others(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    dir.ancestors().all(|d| {
        d.as_os_str().is_empty()
            || std::fs::metadata(d).is_ok_and(|m| m.permissions().mode() & 0o001 != 0)
    })
}

/// The pid in the pid file, if that process is a dnsmasq running this configuration.
pub fn running_pid(files: &DnsmasqFiles) -> Option<i32> {
    let pid: i32 = std::fs::read_to_string(&files.pid)
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let want = format!("--conf-file={}", files.conf.display());
    cmdline
        .split(|b| *b == 0)
        .any(|a| a == want.as_bytes())
        .then_some(pid)
}

/// Start dnsmasq (it forks and writes its pid file; the call returns once it is serving).
pub fn spawn(
    def: &Network,
    files: &DnsmasqFiles,
    helper: &Path,
    leases_dir: &Path,
) -> Result<i32, NetworkError> {
    let br = def.bridge.clone().unwrap_or_default();
    let out = Command::new("dnsmasq")
        .arg(format!("--conf-file={}", files.conf.display()))
        .arg("--leasefile-ro")
        .arg(format!("--dhcp-script={}", helper.display()))
        .env("VIR_BRIDGE_NAME", &br)
        .env(LEASES_DIR_ENV, leases_dir)
        .output()
        .map_err(|e| NetworkError::Internal(format!("cannot run dnsmasq: {e}")))?;
    if !out.status.success() {
        return Err(NetworkError::Internal(format!(
            "dnsmasq for network '{}' failed: {}",
            def.name,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(pid) = running_pid(files) {
            return Ok(pid);
        }
        if Instant::now() > deadline {
            return Err(NetworkError::Internal(format!(
                "dnsmasq for network '{}' wrote no pid file",
                def.name
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(pid: i32, sig: rustix::process::Signal) -> bool {
    rustix::process::Pid::from_raw(pid)
        .is_some_and(|p| rustix::process::kill_process(p, sig).is_ok())
}

/// SIGHUP: dnsmasq reads its hosts files again.
pub fn reload(files: &DnsmasqFiles) -> bool {
    running_pid(files).is_some_and(|pid| signal(pid, rustix::process::Signal::HUP))
}

/// Stop the network's dnsmasq (SIGTERM, then SIGKILL after 2 s) and remove its pid file.
pub fn kill(files: &DnsmasqFiles) {
    if let Some(pid) = running_pid(files) {
        signal(pid, rustix::process::Signal::TERM);
        let deadline = Instant::now() + Duration::from_secs(2);
        while Path::new(&format!("/proc/{pid}")).exists() && running_pid(files).is_some() {
            if Instant::now() > deadline {
                signal(pid, rustix::process::Signal::KILL);
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let _ = std::fs::remove_file(&files.pid);
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxvirt_conf::network::parse;

    #[test]
    fn conf_as_libvirt() {
        let def = parse(
            "<network><name>default</name><forward mode='nat'/><bridge name='virbr0'/>\
             <ip address='192.168.122.1' netmask='255.255.255.0'><dhcp>\
             <range start='192.168.122.2' end='192.168.122.254'/>\
             <host mac='52:54:00:00:00:01' name='a' ip='192.168.122.10'/>\
             </dhcp></ip></network>",
        )
        .unwrap();
        let files = DnsmasqFiles::new(Path::new("/d"), Path::new("/r"), "default");
        let c = conf_contents(&def, &files);
        assert!(
            c.starts_with("##WARNING:  THIS IS AN AUTO-GENERATED FILE."),
            "{c}"
        );
        assert!(
            c.ends_with(
                "strict-order\npid-file=/r/default.pid\nexcept-interface=lo\nbind-dynamic\n\
                 interface=virbr0\ndhcp-range=192.168.122.2,192.168.122.254,255.255.255.0\n\
                 dhcp-no-override\ndhcp-authoritative\ndhcp-lease-max=253\n\
                 dhcp-hostsfile=/d/default.hostsfile\naddn-hosts=/d/default.addnhosts\n"
            ),
            "{c}"
        );
        assert_eq!(hosts_contents(&def), "52:54:00:00:00:01,192.168.122.10,a\n");
    }
}
