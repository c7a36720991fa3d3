//! The host facts oxvirt-qemud computes, next to Debian's libvirtd 9.0 on the same machine:
//! the capabilities' host `<cpu>` (model, vendor, signature, topology, features read from
//! CPUID as libvirt reads them), the domain capabilities' firmware (`<os>`: firmware
//! `efi`, the loaders of QEMU's descriptors) and TPM blocks, and the live XML's `<cpu>` of
//! TCG guests with the default models (check='full' and the features QEMU's vCPU really has
//! beyond libvirt's model), the domain capabilities' `<cpu>` (host-model decoded from QEMU's
//! max CPU, the custom models), and the live `<cpu>` of every model libvirt lists as usable
//! under TCG, of some it does not, and of host-model.
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

#[test]
fn domcapabilities_cpu_is_libvirts() {
    let lv = Libvirtd::start();
    let q = Qemud::start();
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
        let cpu_lv = block(&dc_lv, "  ", "cpu");
        assert!(
            cpu_lv.contains("<mode name='host-model' supported='yes'>"),
            "{dc_lv}"
        );
        assert_eq!(block(&dc_ox, "  ", "cpu"), cpu_lv, "{machine}");
    }
    // KVM's (the host CPU decoded with its signature), where the host has KVM
    if std::path::Path::new("/dev/kvm").exists() {
        let args = ["domcapabilities", "--virttype", "kvm", "--machine", "q35"];
        let dc_lv = lv.virsh(&args).ok().to_string();
        let dc_ox = q.virsh(&args).ok().to_string();
        assert_eq!(
            block(&dc_ox, "  ", "cpu"),
            block(&dc_lv, "  ", "cpu"),
            "kvm"
        );
    }
}

/// The models libvirt's domain capabilities list as usable for TCG.
fn usable_models(domcaps: &str) -> Vec<String> {
    domcaps
        .lines()
        .filter(|l| l.contains("<model usable='yes'"))
        .filter_map(|l| {
            let (_, rest) = l.split_once('>')?;
            Some(rest.split_once('<')?.0.to_owned())
        })
        .collect()
}

#[test]
fn live_cpu_of_every_model_is_libvirts() {
    let lv = Libvirtd::start();
    let q = Qemud::start();
    let dc = lv
        .virsh(&["domcapabilities", "--virttype", "qemu", "--machine", "q35"])
        .ok()
        .to_string();
    let usable = usable_models(&dc);
    assert!(usable.len() > 10, "{dc}");
    // every usable model, some that are not (TCG starts them without what it cannot do),
    // and host-model
    let mut cpus: Vec<(String, String)> = usable
        .iter()
        .map(|m| {
            (
                m.clone(),
                format!("<cpu mode='custom' match='exact'><model>{m}</model></cpu>"),
            )
        })
        .collect();
    for m in [
        "SandyBridge",
        "Skylake-Client",
        "EPYC",
        "Opteron_G3",
        "EPYC-Rome",
    ] {
        if !usable.iter().any(|u| u == m) {
            cpus.push((
                m.to_owned(),
                format!("<cpu mode='custom' match='exact'><model>{m}</model></cpu>"),
            ));
        }
    }
    cpus.push(("host-model".into(), "<cpu mode='host-model'/>".into()));
    cpus.push((
        "EPYC+monitor".into(),
        "<cpu mode='custom' match='exact'><model>EPYC</model>\
         <feature policy='require' name='monitor'/><feature policy='disable' name='sse4a'/></cpu>"
            .into(),
    ));
    cpus.push((
        "host-model+feat".into(),
        "<cpu mode='host-model'><feature policy='disable' name='la57'/>\
         <feature policy='require' name='pclmuldq'/></cpu>"
            .into(),
    ));
    // define and start every domain on both daemons, then compare (on pc: q35's root ports
    // need MSI-X, which the 486's missing APIC cannot give)
    let mut names = Vec::new();
    for (i, (_, cpu)) in cpus.iter().enumerate() {
        let name = format!("m{i}");
        let xml = q.root().join(format!("{name}.xml"));
        std::fs::write(
            &xml,
            format!(
                "<domain type='qemu'><name>{name}</name><memory unit='MiB'>32</memory>\
                 <os><type arch='x86_64' machine='pc'>hvm</type></os>{cpu}</domain>"
            ),
        )
        .unwrap();
        names.push((name, xml));
    }
    // (both daemons at once: TCG starts are slow)
    let run = |uri: String| {
        let mut blocks = Vec::new();
        for (name, xml) in &names {
            virsh(&uri, &["define", xml.to_str().unwrap()]).ok();
            virsh(&uri, &["start", "--paused", name]).ok();
            blocks.push(block(virsh(&uri, &["dumpxml", name]).ok(), "  ", "cpu"));
            virsh(&uri, &["destroy", name]).ok();
            virsh(&uri, &["undefine", name]).ok();
        }
        blocks
    };
    let live: Vec<Vec<String>> = std::thread::scope(|s| {
        let a = s.spawn(|| run(lv.uri().to_owned()));
        let b = s.spawn(|| run(q.uri()));
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    let mut differ = Vec::new();
    for (i, (label, _)) in cpus.iter().enumerate() {
        assert!(
            live[0][i].contains("check='full'"),
            "{label}: {}",
            live[0][i]
        );
        if live[0][i] != live[1][i] {
            differ.push(format!(
                "{label}:\nlibvirt:\n{}oxvirt:\n{}",
                live[0][i], live[1][i]
            ));
        }
    }
    let usable_same = usable
        .iter()
        .filter(|u| !differ.iter().any(|d| d.starts_with(&format!("{u}:"))))
        .count();
    println!(
        "live <cpu> identical to libvirt's: {} of {} domains; {usable_same} of {} usable models",
        cpus.len() - differ.len(),
        cpus.len(),
        usable.len()
    );
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
