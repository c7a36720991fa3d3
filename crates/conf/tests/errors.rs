//! Errors in libvirt's terms: code, domain and message (the corpus checks many more).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oxvirt_conf::domain::{parse, post_parse, QemuCaps};
use oxvirt_conf::ConfError;
use oxvirt_proto::ToVirError;

fn define(xml: &str) -> Result<(), ConfError> {
    let mut d = parse(xml)?;
    post_parse(&mut d, &QemuCaps::debian_qemu_7_2_x86_64())
}

fn err(xml: &str) -> (i32, i32, String) {
    match define(xml) {
        Ok(()) => panic!("accepted: {xml}"),
        Err(e) => e.libvirt(),
    }
}

const OS: &str = "<os><type>hvm</type></os>";

#[test]
fn malformed_xml_is_xml_detail_with_the_line() {
    let e = define("<domain type='kvm'>\n  <name>x</name>\n</domian>").err();
    let Some(ConfError::Malformed { line, .. }) = e.clone() else {
        panic!("{e:?}")
    };
    assert_eq!(line, 3);
    let e = e.map(|e| e.to_vir_error());
    let Some(v) = e else { panic!() };
    assert_eq!((v.code, v.domain), (35, 20));
    assert!(
        v.message.starts_with("(domain_definition):3: "),
        "{}",
        v.message
    );
    assert_eq!(v.str1.as_deref(), Some("%s"));
}

#[test]
fn missing_name() {
    let xml = format!("<domain type='kvm'><memory>1024</memory>{OS}</domain>");
    assert_eq!(err(&xml), (21, 20, "missing name information".into()));
    let Err(e) = define(&xml) else { panic!() };
    let v = e.to_vir_error();
    assert_eq!(v.message, "missing name information");
    assert_eq!(v.str2, None);
}

#[test]
fn semantic_errors() {
    let cases: &[(&str, (i32, i32, &str))] = &[
        (
            "<domain><name>a</name><memory>1</memory><os><type>hvm</type></os></domain>",
            (1, 20, "internal error: missing domain type attribute"),
        ),
        (
            "<domain type='potato'><name>a</name><memory>1</memory><os><type>hvm</type></os></domain>",
            (67, 20, "unsupported configuration: invalid domain type potato"),
        ),
        (
            "<domain type='xen'><name>a</name><memory>1</memory><os><type>hvm</type></os></domain>",
            (
                67,
                10,
                "unsupported configuration: Emulator '/usr/bin/qemu-system-x86_64' does not support virt type 'xen'",
            ),
        ),
        (
            "<domain type='kvm'><name>a</name><uuid>12</uuid><memory>1</memory><os><type>hvm</type></os></domain>",
            (1, 20, "internal error: malformed uuid element"),
        ),
        (
            "<domain type='kvm'><name>a</name><os><type>hvm</type></os></domain>",
            (
                27,
                20,
                "XML error: Memory size must be specified via <memory> or in the <numa> configuration",
            ),
        ),
        (
            "<domain type='kvm'><name>a</name><memory unit='XB'>1</memory><os><type>hvm</type></os></domain>",
            (8, 0, "invalid argument: unknown suffix 'XB'"),
        ),
        (
            "<domain type='kvm'><name>a</name><memory>abc</memory><os><type>hvm</type></os></domain>",
            (27, 5, "XML error: Invalid value 'abc' for element or attribute './memory[1]'"),
        ),
        (
            "<domain type='kvm'><name>a</name><memory>1</memory><os><type>hvm</type><boot dev='usb'/></os></domain>",
            (27, 5, "XML error: Invalid value for attribute 'dev' in element 'boot': 'usb'."),
        ),
        (
            "<network><name>a</name></network>",
            (27, 5, "XML error: expecting root element of 'domain', not 'network'"),
        ),
        (
            "<domain type='kvm'><name>a/b</name><memory>1</memory><os><type>hvm</type></os></domain>",
            (27, 20, "XML error: name a/b cannot contain '/'"),
        ),
        (
            "<domain type='kvm'><name>a</name><memory>1</memory><os><type>hvm</type></os><on_poweroff>preserve</on_poweroff></domain>",
            (
                67,
                10,
                "unsupported configuration: qemu driver doesn't support the 'preserve' action for 'on_reboot'/'on_poweroff'",
            ),
        ),
        (
            "<domain type='kvm'><name>a</name><memory>1</memory><vcpu>2</vcpu><os><type>hvm</type></os><cpu><topology sockets='2' cores='2' threads='1'/></cpu></domain>",
            (67, 10, "unsupported configuration: CPU topology doesn't match maximum vcpu count"),
        ),
        (
            "<domain type='kvm'><name>a</name><memory>1</memory><os><type machine='pc-i440fx-0.1'>hvm</type></os></domain>",
            (
                67,
                10,
                "unsupported configuration: Emulator '/usr/bin/qemu-system-x86_64' does not support machine type 'pc-i440fx-0.1'",
            ),
        ),
        (
            "<domain type='kvm'><name>a</name><memory>1</memory><vcpu>256</vcpu><os><type>hvm</type></os></domain>",
            (
                67,
                10,
                "unsupported configuration: Maximum CPUs greater than specified machine type limit 255",
            ),
        ),
    ];
    for (xml, (code, domain, msg)) in cases {
        assert_eq!(err(xml), (*code, *domain, (*msg).to_owned()), "{xml}");
    }
}

#[test]
fn not_implemented_is_config_unsupported() {
    let xml = format!(
        "<domain type='kvm'><name>a</name><memory>1</memory>{OS}<devices><parallel type='pty'/></devices></domain>"
    );
    let (code, domain, msg) = err(&xml);
    assert_eq!((code, domain), (67, 20));
    assert!(msg.contains("<parallel>"), "{msg}");
}

#[test]
fn disk_errors() {
    let dev = |d: &str| {
        format!("<domain type='kvm'><name>a</name><memory>1</memory>{OS}<devices>{d}</devices></domain>")
    };
    assert_eq!(
        err(&dev("<disk type='file'><source file='/a'/></disk>")),
        (20, 20, "missing target information for device /a".into())
    );
    assert_eq!(
        err(&dev(
            "<disk type='file'><source file='/a'/><target dev='vda' bus='nvme9'/></disk>"
        )),
        (
            27,
            5,
            "XML error: Invalid value for attribute 'bus' in element 'target': 'nvme9'.".into()
        )
    );
    assert_eq!(
        err(&dev("<disk type='file'><source file='/a'/><target dev='vda'/></disk><disk type='file'><source file='/b'/><target dev='vda'/></disk>")),
        (27, 20, "XML error: target 'vda' duplicated for disk sources '/a' and '/b'".into())
    );
    assert_eq!(
        err(&dev("<disk type='file'><source file='/a'/><target dev='vda'/><serial>a&amp;b</serial></disk>")),
        (1, 20, "internal error: driver serial 'a&b' contains unsafe characters".into())
    );
    assert_eq!(
        err(&dev(
            "<disk type='file'><driver iothread='3'/><source file='/a'/><target dev='vda'/></disk>"
        )),
        (
            67,
            10,
            "unsupported configuration: Disk iothread '3' not defined in iothreadid".into()
        )
    );
    let q35 = "<domain type='kvm'><name>a</name><memory>1</memory><os><type machine='q35'>hvm</type></os><devices><disk type='file'><target dev='hda'/></disk></devices></domain>";
    assert_eq!(
        err(q35),
        (
            67,
            10,
            "unsupported configuration: IDE controllers are unsupported for this QEMU binary or machine type".into()
        )
    );
}

#[test]
fn to_vir_error_prefixes() {
    let e = ConfError::Xml("x".into()).to_vir_error();
    assert_eq!(e.message, "XML error: x");
    assert_eq!(e.str2.as_deref(), Some("x"));
}
