//! Debian's virt-install 4.1 against oxvirt-qemud: it reads the capabilities and domain
//! capabilities, writes a pc machine with its USB controllers, and starts the test guest.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oxvirt_e2e::{command, guest, Qemud};

#[test]
fn virt_install_imports_and_boots_the_guest() {
    let q = Qemud::start();
    let (kernel, initrd) = guest();
    let boot = format!(
        "kernel={},initrd={},kernel_args=console=ttyS0 quiet",
        kernel.display(),
        initrd.display()
    );
    let out = command("virt-install")
        .env("HOME", q.root())
        .args([
            "--connect",
            &q.uri(),
            "--name",
            "vi1",
            "--virt-type",
            "qemu",
        ])
        .args(["--memory", "256", "--vcpus", "1", "--graphics", "none"])
        .args([
            "--noautoconsole",
            "--import",
            "--osinfo",
            "detect=on,require=off",
        ])
        .args(["--boot", &boot, "--disk", "none", "--network", "none"])
        .output()
        .expect("run virt-install (is virtinst installed? run scripts/install-deps)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "virt-install failed:\n{stdout}\n{stderr}\n--- daemon:\n{}\n--- VM:\n{}",
        q.log(),
        q.vm_log("vi1")
    );
    assert!(stdout.contains("Domain creation completed"), "{stdout}");
    assert_eq!(q.domstate("vi1"), "running (booted)");
    let live = q.virsh(&["dumpxml", "vi1"]).ok().to_string();
    assert!(live.contains("machine='pc-i440fx-"), "{live}");
    assert!(live.contains("model='ich9-uhci3'"), "{live}");
    assert!(live.contains("<master startport='4'/>"), "{live}");
    // the guest boots: its shell answers on the console (typed again until it does, since
    // input before the shell runs is lost)
    oxvirt_e2e::python_console_roundtrip(&q.uri(), "vi1", false);
    q.virsh(&["destroy", "vi1"]).ok();
    q.virsh(&["undefine", "vi1"]).ok();
}
