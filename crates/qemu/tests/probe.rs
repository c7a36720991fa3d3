//! Probing the real QEMU 7.2 over QMP, and the per-binary cache.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oxvirt_qemu::probe::{cached_probe, probe};
use oxvirt_qemu::version::{find_emulator, probe_version};

#[tokio::test]
async fn probes_the_installed_qemu() {
    let bin = find_emulator().expect("qemu-system-x86_64 is installed");
    let dir = tempfile::tempdir().unwrap();
    let p = probe(&bin, dir.path()).await.unwrap();
    assert_eq!(p.version, probe_version(&bin).await.unwrap());
    assert_eq!(p.arch, "x86_64");
    let q35 = p.canonical_machine("q35").expect("q35 alias");
    assert!(q35.name.starts_with("pc-q35-"), "{q35:?}");
    let pc = p.canonical_machine("pc").expect("pc alias");
    assert!(pc.name.starts_with("pc-i440fx-"), "{pc:?}");
    assert!(pc.is_default, "pc is x86's default machine");
    assert!(p.cpu_models.iter().any(|c| c.name == "qemu64"));
    for d in [
        "virtio-net-pci",
        "virtio-blk-pci",
        "pcie-root-port",
        "isa-serial",
    ] {
        assert!(p.has_device(d), "{d}");
    }
    // nothing is left in the scratch directory
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Copies an executable with `cp`, not `std::fs::copy`: a file this process holds open for
/// writing is inherited by any child another test thread forks at that moment, and exec'ing
/// the copy then fails with ETXTBSY ("Text file busy") until that child execs. A `cp`
/// process's write fd is never in our forks.
fn copy_binary(from: &std::path::Path, to: &std::path::Path) {
    let st = std::process::Command::new("cp")
        .arg("--")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(st.success(), "cp {from:?} {to:?}");
}

#[tokio::test]
async fn cache_is_per_build_of_the_binary() {
    let real = find_emulator().expect("qemu-system-x86_64 is installed");
    let dir = tempfile::tempdir().unwrap();
    // a copy of the binary, so its identity can change
    let bin = dir.path().join("qemu-system-x86_64");
    copy_binary(&real, &bin);
    let cache = dir.path().join("cache");
    let (a, hit) = cached_probe(&bin, &cache).await.unwrap();
    assert!(!hit);
    let (b, hit) = cached_probe(&bin, &cache).await.unwrap();
    assert!(hit);
    assert_eq!(a, b);
    // a changed binary (new mtime/ctime) is probed again
    std::thread::sleep(std::time::Duration::from_millis(20));
    copy_binary(&real, &bin);
    let (c, hit) = cached_probe(&bin, &cache).await.unwrap();
    assert!(!hit);
    assert_eq!(a.machines, c.machines);
    // a corrupt cache entry is ignored and replaced
    for e in std::fs::read_dir(&cache).unwrap() {
        std::fs::write(e.unwrap().path(), b"{not json").unwrap();
    }
    let (_, hit) = cached_probe(&bin, &cache).await.unwrap();
    assert!(!hit);
    let (_, hit) = cached_probe(&bin, &cache).await.unwrap();
    assert!(hit);
}

#[tokio::test]
async fn a_binary_that_is_not_qemu_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let e = probe(std::path::Path::new("/bin/true"), dir.path())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("did not open its QMP socket"), "{e}");
}

/// The QEMU facts the XML crate's tests assume (a hand-written subset) are what the real
/// QEMU says.
#[tokio::test]
async fn conf_test_caps_agree_with_the_real_qemu() {
    let bin = find_emulator().expect("qemu-system-x86_64 is installed");
    let dir = tempfile::tempdir().unwrap();
    let probed = probe(&bin, dir.path()).await.unwrap().conf_caps();
    let assumed = oxvirt_conf::domain::QemuCaps::debian_qemu_7_2_x86_64();
    assert_eq!(probed.arch, assumed.arch);
    assert_eq!(probed.default_cpu_model, assumed.default_cpu_model);
    if probed.emulator == assumed.emulator {
        for m in &assumed.machines {
            let real = probed
                .machines
                .iter()
                .find(|r| r.name == m.name)
                .unwrap_or_else(|| panic!("QEMU has no machine {}", m.name));
            assert_eq!(real, m);
        }
    }
}
