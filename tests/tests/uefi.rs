//! UEFI guests on oxvirt-qemud with Debian's OVMF (package `ovmf`): firmware='efi' selected
//! from QEMU's firmware descriptors as libvirt 9.0 selects it, the NVRAM file made from its
//! template on the first start, OVMF really running (it loads the test guest's kernel through
//! its EFI stub), and virt-install's `--boot uefi`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::time::{Duration, Instant};

use oxvirt_e2e::{command, count_in_file, guest, Qemud};

const OVMF_MS_CODE: &str = "/usr/share/OVMF/OVMF_CODE_4M.ms.fd";
const OVMF_MS_VARS: &str = "/usr/share/OVMF/OVMF_VARS_4M.ms.fd";

/// Hang guard for OVMF under TCG on a busy host (never a timing assertion).
const BOOT_GUARD: Duration = Duration::from_secs(300);

fn wait_for_text(path: &Path, text: &str) {
    let deadline = Instant::now() + BOOT_GUARD;
    while count_in_file(path, text) == 0 {
        assert!(
            Instant::now() < deadline,
            "{text:?} did not appear in {}:\n{}",
            path.display(),
            String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default())
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn efi_xml(name: &str, machine: &str, serial: &Path, firmware: &str) -> String {
    let (kernel, initrd) = guest();
    format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os firmware='efi'><type arch='x86_64' machine='{machine}'>hvm</type>{firmware}<kernel>{}</kernel><initrd>{}</initrd><cmdline>console=ttyS0</cmdline></os>
<features><acpi/></features><on_poweroff>destroy</on_poweroff>
<devices><serial type='file'><source path='{}'/><target port='0'/></serial></devices></domain>",
        kernel.display(),
        initrd.display(),
        serial.display()
    )
}

#[test]
fn firmware_efi_boots_with_secure_boot_and_its_own_nvram() {
    if !Path::new(OVMF_MS_CODE).exists() {
        panic!("Debian's ovmf is not installed (run scripts/install-deps)");
    }
    let q = Qemud::start();
    let serial = q.root().join("efi.serial");
    let xml = q.root().join("efi.xml");
    std::fs::write(&xml, efi_xml("efi", "q35", &serial, "")).unwrap();
    q.virsh(&["define", xml.to_str().unwrap()]).ok();
    let inactive = q.virsh(&["dumpxml", "efi"]).ok().to_string();
    assert!(inactive.contains("<os firmware='efi'>"), "{inactive}");
    assert!(!inactive.contains("<loader"), "{inactive}");
    q.virsh(&["start", "efi"]).ok();
    // libvirt 9.0's choice on Debian 12: the first descriptor (Microsoft keys enrolled,
    // secure boot, SMM), the NVRAM under the driver's own directory
    let nvram = q.root().join("lib/qemu/nvram/efi_VARS.fd");
    let live = q.virsh(&["dumpxml", "efi"]).ok().to_string();
    for want in [
        "  <os>\n".to_owned(),
        format!("    <loader readonly='yes' secure='yes' type='pflash'>{OVMF_MS_CODE}</loader>\n"),
        format!(
            "    <nvram template='{OVMF_MS_VARS}'>{}</nvram>\n",
            nvram.display()
        ),
        "    <acpi/>\n    <smm state='on'/>\n  </features>".to_owned(),
    ] {
        assert!(live.contains(&want), "missing {want:?} in\n{live}");
    }
    // the template copied, private to its owner
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(&nvram).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(meta.len(), std::fs::metadata(OVMF_MS_VARS).unwrap().len());
    // OVMF runs and starts the kernel through its EFI stub, with secure boot on
    wait_for_text(&serial, "EFI stub: UEFI Secure Boot is enabled.");
    wait_for_text(&serial, "Linux version");
    // QEMU got libvirt's pflash arguments
    let cmdline = q
        .qemus()
        .into_iter()
        .map(|p| p.cmdline)
        .find(|c| c.contains("guest=efi,"))
        .unwrap_or_default();
    assert!(
        cmdline.contains("smm=on,dump-guest-core=off")
            && cmdline.contains("pflash0=libvirt-pflash0-format,pflash1=libvirt-pflash1-format")
            && cmdline.contains("-global driver=cfi.pflash01,property=secure,value=on"),
        "{cmdline}"
    );
    // the inactive definition is unchanged; a second start keeps the guest's variables
    let inactive_after = q.virsh(&["dumpxml", "--inactive", "efi"]).ok().to_string();
    assert_eq!(inactive_after, inactive);
    q.virsh(&["destroy", "efi"]).ok();
    // (paused: the firmware does not run and write its variables)
    let vars = vec![0xa5u8; meta.len() as usize];
    std::fs::write(&nvram, &vars).unwrap();
    q.virsh(&["start", "--paused", "efi"]).ok();
    assert!(std::fs::read(&nvram).unwrap() == vars);
    q.virsh(&["destroy", "efi"]).ok();
    // as libvirt: the NVRAM file must be named in the undefine, and goes with it
    let e = q.virsh(&["undefine", "efi"]).err().to_string();
    assert!(
        e.contains("Requested operation is not valid: cannot undefine domain with nvram"),
        "{e}"
    );
    q.virsh(&["undefine", "--nvram", "efi"]).ok();
    assert!(!nvram.exists());
}

#[test]
fn firmware_efi_follows_the_requested_features() {
    let q = Qemud::start();
    let serial = q.root().join("s.serial");
    let cases = [
        // secure boot off: the plain OVMF (no SMM, not secure)
        (
            "nosb",
            "q35",
            "<firmware><feature enabled='no' name='secure-boot'/></firmware>",
            Some("<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>"),
        ),
        // i440fx: only the plain OVMF serves it
        (
            "pc",
            "pc",
            "",
            Some("<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>"),
        ),
        // secure boot on i440fx: nothing matches, libvirt's error
        (
            "pcsb",
            "pc",
            "<firmware><feature enabled='yes' name='secure-boot'/></firmware>",
            None,
        ),
    ];
    for (name, machine, fw, loader) in cases {
        let xml = q.root().join(format!("{name}.xml"));
        std::fs::write(&xml, efi_xml(name, machine, &serial, fw)).unwrap();
        q.virsh(&["define", xml.to_str().unwrap()]).ok();
        match loader {
            Some(l) => {
                q.virsh(&["start", name]).ok();
                let live = q.virsh(&["dumpxml", name]).ok().to_string();
                assert!(live.contains(l), "{name}: {live}");
                assert!(!live.contains("<smm"), "{name}: {live}");
                assert!(!live.contains("firmware='efi'"), "{name}: {live}");
                q.virsh(&["destroy", name]).ok();
            }
            None => {
                let e = q.virsh(&["start", name]).err().to_string();
                assert!(
                    e.contains("operation failed: Unable to find any firmware to satisfy 'efi'"),
                    "{name}: {e}"
                );
            }
        }
    }
}

#[test]
fn virt_install_boot_uefi_starts() {
    let q = Qemud::start();
    let (kernel, initrd) = guest();
    let boot = format!(
        "uefi,kernel={},initrd={},kernel_args=console=ttyS0",
        kernel.display(),
        initrd.display()
    );
    let out = command("virt-install")
        .env("HOME", q.root())
        .args(["--connect", &q.uri(), "--name", "vu", "--virt-type", "qemu"])
        .args(["--memory", "256", "--vcpus", "1", "--graphics", "none"])
        .args([
            "--noautoconsole",
            "--import",
            "--osinfo",
            "detect=on,require=off",
        ])
        .args(["--boot", &boot, "--disk", "none", "--network", "none"])
        .output()
        .expect("run virt-install");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "virt-install failed:\n{stdout}\n{stderr}\n--- daemon:\n{}",
        q.log()
    );
    assert_eq!(q.domstate("vu"), "running (booted)");
    let inactive = q.virsh(&["dumpxml", "--inactive", "vu"]).ok().to_string();
    assert!(inactive.contains("<os firmware='efi'>"), "{inactive}");
    // no emulated TPM: libvirt offers none without swtpm
    assert!(!inactive.contains("<tpm"), "{inactive}");
    let live = q.virsh(&["dumpxml", "vu"]).ok().to_string();
    assert!(
        live.contains(
            "<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>"
        ),
        "{live}"
    );
    q.virsh(&["destroy", "vu"]).ok();
}
