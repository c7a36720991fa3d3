//! The host facts oxvirt-qemud computes, next to Debian's libvirtd 9.0 on the same machine:
//! the capabilities' host `<cpu>` (model, vendor, signature, topology, features read from
//! CPUID as libvirt reads them), the domain capabilities' firmware (`<os>`: firmware
//! `efi`, the loaders of QEMU's descriptors) and TPM blocks, and the live XML's `<cpu>` of
//! TCG guests with the default models (check='full' and the features QEMU's vCPU really has
//! beyond libvirt's model).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oxvirt_e2e::{virsh, Libvirtd, Qemud};

/// The lines of the first `<tag` … `</tag>` block of `xml` that starts at `indent`.
fn block(xml: &str, indent: &str, tag: &str) -> String {
    let open = format!("{indent}<{tag}");
    let close = format!("{indent}</{tag}>");
    let mut out = String::new();
    let mut inside = false;
    for line in xml.lines() {
        if !inside && line.starts_with(&open) {
            inside = true;
        }
        if inside {
            out.push_str(line);
            out.push('\n');
            if line.starts_with(&close) || (line.starts_with(&open) && line.ends_with("/>")) {
                break;
            }
        }
    }
    out
}

#[test]
fn host_cpu_and_firmware_are_libvirts() {
    let lv = Libvirtd::start();
    let q = Qemud::start();
    let caps_lv = lv.virsh(&["capabilities"]).ok().to_string();
    let caps_ox = q.virsh(&["capabilities"]).ok().to_string();
    let cpu_lv = block(&caps_lv, "    ", "cpu");
    assert!(cpu_lv.contains("<model>"), "{caps_lv}");
    assert_eq!(block(&caps_ox, "    ", "cpu"), cpu_lv);
    for machine in ["pc", "q35"] {
        let args = [
            "domcapabilities",
            "--virttype",
            "qemu",
            "--machine",
            machine,
        ];
        let dc_lv = lv.virsh(&args).ok().to_string();
        let dc_ox = q.virsh(&args).ok().to_string();
        let os_lv = block(&dc_lv, "  ", "os");
        assert!(os_lv.contains("<value>efi</value>"), "{dc_lv}");
        assert_eq!(block(&dc_ox, "  ", "os"), os_lv, "{machine}");
        assert_eq!(
            block(&dc_ox, "    ", "tpm"),
            block(&dc_lv, "    ", "tpm"),
            "{machine}"
        );
    }
}

#[test]
fn live_cpu_of_default_models_is_libvirts() {
    let lv = Libvirtd::start();
    let q = Qemud::start();
    let cases = [
        ("cnone", ""),
        (
            "cqemu64",
            "<cpu mode='custom' match='exact'><model>qemu64</model></cpu>",
        ),
        ("ckvm64", "<cpu><model>kvm64</model></cpu>"),
        ("cqemu32", "<cpu><model>qemu32</model></cpu>"),
        (
            "cfeat",
            "<cpu mode='custom' match='exact'><model>qemu64</model>\
             <feature policy='require' name='sse4.1'/><feature policy='disable' name='lahf_lm'/></cpu>",
        ),
    ];
    for (name, cpu) in cases {
        let xml = q.root().join(format!("{name}.xml"));
        std::fs::write(
            &xml,
            format!(
                "<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>\
                 <os><type arch='x86_64' machine='q35'>hvm</type></os>{cpu}</domain>"
            ),
        )
        .unwrap();
        let xml = xml.to_str().unwrap();
        let mut blocks = Vec::new();
        for uri in [lv.uri().to_owned(), q.uri()] {
            virsh(&uri, &["define", xml]).ok();
            virsh(&uri, &["start", "--paused", name]).ok();
            blocks.push(block(virsh(&uri, &["dumpxml", name]).ok(), "  ", "cpu"));
            virsh(&uri, &["destroy", name]).ok();
            virsh(&uri, &["undefine", name]).ok();
        }
        assert!(blocks[0].contains("check='full'"), "{name}: {}", blocks[0]);
        assert_eq!(blocks[1], blocks[0], "{name}");
    }
}
