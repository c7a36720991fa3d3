//! Test guests with NICs, for the tests that boot guests on networkd's networks: their domain
//! XML (a NIC, the serial shell of [`crate::serial_shell`]), their start, and the address the
//! guest reports on its serial port after its DHCP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::time::{Duration, Instant};

use crate::serial_shell::serial_xml;
use crate::{guest, Qemud};

/// How long a TCG guest may take to boot and ask for its lease on a loaded machine (a hang
/// guard, not a timing assertion).
pub const BOOT: Duration = Duration::from_secs(300);

/// The test guest `name` with one NIC (`nic`: an `<interface>` element), its serial shell on
/// `root/NAME.sock` and logged to `root/log/NAME.serial`.
pub fn guest_xml(root: &Path, name: &str, nic: &str) -> String {
    let (kernel, initrd) = guest();
    let serial = serial_xml(
        &root.join(format!("{name}.sock")),
        &root.join(format!("log/{name}.serial")),
    );
    format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='q35'>hvm</type><kernel>{}</kernel><initrd>{}</initrd><cmdline>console=ttyS0 quiet</cmdline></os>
<features><acpi/></features><on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>
<devices>{nic}{serial}</devices></domain>
",
        kernel.display(),
        initrd.display(),
    )
}

pub fn network_nic(network: &str, mac: &str) -> String {
    format!(
        "<interface type='network'><mac address='{mac}'/><source network='{network}'/>\
         <model type='virtio'/></interface>"
    )
}

/// Start guest `name` (transient) on `q`.
pub fn start(q: &Qemud, name: &str, nic: &str) {
    let root = q.root();
    let file = root.join(format!("{name}.xml"));
    std::fs::write(&file, guest_xml(root, name, nic)).unwrap();
    let r = q.virsh(&["create", file.to_str().unwrap()]);
    assert_eq!(r.status, 0, "{r:?}\n{}\n{}", q.log(), q.vm_log(name));
}

/// The guest's own report of its DHCP: its address (`A.B.C.D/N`) or `none`.
pub fn guest_net(root: &Path, name: &str) -> String {
    let log = root.join(format!("log/{name}.serial"));
    let deadline = Instant::now() + BOOT;
    loop {
        let text = std::fs::read(&log)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        if let Some(at) = text.find("OXVIRT-GUEST-NET eth0 ") {
            let rest = &text[at + "OXVIRT-GUEST-NET eth0 ".len()..];
            return rest.split_whitespace().next().unwrap_or("").to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "{name} did not report its network:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
