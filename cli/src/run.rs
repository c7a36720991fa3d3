//! `oxvirt run`: boot a VM in one command. It builds the domain XML from a few options,
//! creates the domain (transient) paused, attaches the console, lets the guest run, and, when
//! the console ends (the guest powered off) or the user leaves (Ctrl+], Ctrl+C), destroys
//! it. `--detach` starts it and returns, leaving it running.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use oxvirt::Connection;
use serde_json::json;

use crate::output::Out;
use crate::terminal::{self, Ended};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The domain's name.
    #[arg(long)]
    name: String,
    /// A Linux kernel to boot directly.
    #[arg(long)]
    kernel: Option<PathBuf>,
    /// Its initrd.
    #[arg(long, requires = "kernel")]
    initrd: Option<PathBuf>,
    /// The kernel command line.
    #[arg(long, default_value = "console=ttyS0", requires = "kernel")]
    cmdline: String,
    /// A disk image to boot from or attach (qcow2 if the name ends in .qcow2, else raw).
    #[arg(long)]
    disk: Option<PathBuf>,
    /// Memory, with a unit (K, M, G; plain numbers are MiB).
    #[arg(long, default_value = "256M")]
    memory: String,
    /// Virtual CPUs.
    #[arg(long, default_value_t = 1)]
    vcpus: u32,
    /// Machine type (pc, q35, or a versioned name).
    #[arg(long, default_value = "q35")]
    machine: String,
    /// kvm, or qemu (TCG, no hardware virtualization). Default: kvm when /dev/kvm can be used.
    #[arg(long)]
    virt_type: Option<String>,
    /// A user-mode (slirp) network card.
    #[arg(long)]
    user_network: bool,
    /// A network card on this network of oxvirt-networkd (its TAP device comes from there).
    #[arg(long, value_name = "NAME")]
    network: Option<String>,
    /// Start it and return; it keeps running (stop it with `oxvirt shutdown|destroy NAME`).
    #[arg(long)]
    detach: bool,
    /// Print the domain XML and do nothing else.
    #[arg(long)]
    print_xml: bool,
}

/// Parse "256M", "1G", "262144K", "512" (MiB) into KiB.
pub fn memory_kib(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let bad = || format!("invalid memory size '{s}' (examples: 256M, 1G, 524288K)");
    let (num, mult) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        None => (s, 1024),
        Some((i, _)) => {
            let unit = s[i..].to_ascii_lowercase();
            let m = match unit.trim_end_matches("ib").trim_end_matches('b') {
                "k" => 1,
                "m" => 1024,
                "g" => 1024 * 1024,
                "t" => 1024 * 1024 * 1024,
                _ => return Err(bad()),
            };
            (&s[..i], m)
        }
    };
    let n: u64 = num.parse().map_err(|_| bad())?;
    match n.checked_mul(mult) {
        Some(0) | None => Err(bad()),
        Some(k) => Ok(k),
    }
}

fn kvm_usable() -> bool {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok()
}

/// XML text escaping for attribute and element content.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;")
}

fn path_text(p: &Path) -> Result<String, String> {
    let abs = std::path::absolute(p).map_err(|e| format!("{}: {e}", p.display()))?;
    if !abs.exists() {
        return Err(format!("{} does not exist", abs.display()));
    }
    abs.to_str()
        .map(esc)
        .ok_or_else(|| format!("{} is not valid UTF-8", abs.display()))
}

/// The domain XML `run` creates.
pub fn domain_xml(a: &RunArgs, virt_type: &str) -> Result<String, String> {
    if a.kernel.is_none() && a.disk.is_none() {
        return Err("give --kernel (with --initrd) or --disk".into());
    }
    if a.vcpus == 0 {
        return Err("--vcpus must be at least 1".into());
    }
    let kib = memory_kib(&a.memory)?;
    let mut os = format!(
        "    <type arch='x86_64' machine='{}'>hvm</type>\n",
        esc(&a.machine)
    );
    if let Some(k) = &a.kernel {
        os.push_str(&format!("    <kernel>{}</kernel>\n", path_text(k)?));
        if let Some(i) = &a.initrd {
            os.push_str(&format!("    <initrd>{}</initrd>\n", path_text(i)?));
        }
        os.push_str(&format!("    <cmdline>{}</cmdline>\n", esc(&a.cmdline)));
    } else {
        os.push_str("    <boot dev='hd'/>\n");
    }
    let mut devices = String::new();
    if let Some(d) = &a.disk {
        let format = if d.extension().is_some_and(|e| e == "qcow2") {
            "qcow2"
        } else {
            "raw"
        };
        devices.push_str(&format!(
            "    <disk type='file' device='disk'>\n      <driver name='qemu' type='{format}'/>\n      <source file='{}'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n",
            path_text(d)?
        ));
    }
    if a.user_network {
        devices.push_str(
            "    <interface type='user'>\n      <model type='virtio'/>\n    </interface>\n",
        );
    }
    if let Some(n) = &a.network {
        devices.push_str(&format!(
            "    <interface type='network'>\n      <source network='{}'/>\n      <model type='virtio'/>\n    </interface>\n",
            esc(n)
        ));
    }
    devices.push_str("    <serial type='pty'>\n      <target port='0'/>\n    </serial>\n    <console type='pty'>\n      <target type='serial' port='0'/>\n    </console>\n");
    Ok(format!(
        "<domain type='{virt_type}'>\n  <name>{}</name>\n  <memory unit='KiB'>{kib}</memory>\n  <vcpu>{}</vcpu>\n  <os>\n{os}  </os>\n  <features>\n    <acpi/>\n  </features>\n  <cpu mode='{}'/>\n  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n  <on_crash>destroy</on_crash>\n  <devices>\n{devices}  </devices>\n</domain>\n",
        esc(&a.name),
        a.vcpus,
        if virt_type == "kvm" { "host-passthrough" } else { "maximum" },
    ))
}

pub async fn run(conn: &Connection, out: &Out, a: RunArgs) -> Result<ExitCode, String> {
    let virt_type = match a.virt_type.as_deref() {
        Some(t @ ("kvm" | "qemu")) => t.to_owned(),
        Some(t) => return Err(format!("unknown --virt-type '{t}' (kvm or qemu)")),
        None if kvm_usable() => "kvm".to_owned(),
        None => "qemu".to_owned(),
    };
    let xml = domain_xml(&a, &virt_type)?;
    if a.print_xml {
        out!("{xml}");
        return Ok(ExitCode::SUCCESS);
    }
    let e = |e: oxvirt::Error| e.to_string();
    if a.detach {
        let d = conn.create_xml(&xml, 0).await.map_err(e)?;
        out.action(&d, "started", "started");
        return Ok(ExitCode::SUCCESS);
    }
    // paused first, so the console sees the guest's first byte
    let d = conn.create_xml(&xml, 1).await.map_err(e)?;
    let console = match d.open_console(None, 0).await {
        Ok(c) => c,
        Err(err) => {
            let _ = d.destroy(0).await;
            return Err(err.to_string());
        }
    };
    if let Err(err) = d.resume().await {
        let _ = d.destroy(0).await;
        return Err(err.to_string());
    }
    if !out.json {
        eprintln!("Domain '{}' started", d.name());
    }
    let ended = terminal::session(console, d.name()).await;
    // the console closes as the guest powers off: give the domain a moment to be shut off
    if matches!(ended, Ok(Ended::Closed)) {
        for _ in 0..50 {
            match d.state().await {
                Ok((s, _)) if s.is_active() => {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await
                }
                _ => break,
            }
        }
    }
    // the VM does not outlive `run` unless --detach: remove it if it still runs
    let destroyed = match d.state().await {
        Ok((s, _)) if s.is_active() => d.destroy(0).await.is_ok(),
        _ => false,
    };
    let ended = ended?;
    if out.json {
        outln!(
            "{}",
            json!({"domain": d.name(), "console": match ended { Ended::Closed => "closed", Ended::Detached => "detached" }, "destroyed": destroyed})
        );
    } else if destroyed {
        eprintln!("Domain '{}' destroyed", d.name());
    } else {
        eprintln!("Domain '{}' stopped", d.name());
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes() {
        assert_eq!(memory_kib("256M"), Ok(262_144));
        assert_eq!(memory_kib("256MiB"), Ok(262_144));
        assert_eq!(memory_kib("1G"), Ok(1_048_576));
        assert_eq!(memory_kib("524288K"), Ok(524_288));
        assert_eq!(memory_kib("512"), Ok(524_288));
        for bad in ["", "M", "0", "12X", "-5M", "99999999999999999999G"] {
            assert!(memory_kib(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn xml_of_a_kernel_boot() {
        let a = RunArgs {
            name: "d<e>mo".into(),
            kernel: Some("/".into()),
            initrd: None,
            cmdline: "console=ttyS0 a='b'".into(),
            disk: None,
            memory: "128M".into(),
            vcpus: 2,
            machine: "q35".into(),
            virt_type: None,
            user_network: false,
            network: Some("default".into()),
            detach: false,
            print_xml: false,
        };
        let x = domain_xml(&a, "qemu").unwrap();
        assert!(x.contains("<name>d&lt;e&gt;mo</name>"), "{x}");
        assert!(x.contains("<memory unit='KiB'>131072</memory>"), "{x}");
        assert!(x.contains("<kernel>/</kernel>"), "{x}");
        assert!(x.contains("a=&apos;b&apos;"), "{x}");
        assert!(x.contains("<cpu mode='maximum'/>"), "{x}");
        assert!(x.contains("<source network='default'/>"), "{x}");
        let none = RunArgs { kernel: None, ..a };
        assert!(domain_xml(&none, "qemu").is_err());
    }
}
