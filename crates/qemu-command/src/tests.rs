//! The command line's tests: definitions in, QEMU's arguments out.

use super::*;

fn caps() -> oxvirt_conf::domain::QemuCaps {
    oxvirt_conf::domain::QemuCaps {
        emulator: "/usr/bin/qemu-system-x86_64".into(),
        arch: "x86_64".into(),
        machines: vec![
            oxvirt_conf::domain::MachineType {
                name: "pc-q35-7.2".into(),
                alias: Some("q35".into()),
                default: false,
                max_cpus: 288,
            },
            oxvirt_conf::domain::MachineType {
                name: "pc-i440fx-7.2".into(),
                alias: Some("pc".into()),
                default: true,
                max_cpus: 255,
            },
        ],
        default_cpu_model: "qemu64".into(),
        nvram_dir: "/var/lib/libvirt/qemu/nvram".into(),
    }
}

pub(super) fn dom(xml: &str) -> Domain {
    let mut d = oxvirt_conf::domain::parse(xml).expect("parse");
    oxvirt_conf::domain::post_parse(&mut d, &caps()).expect("post_parse");
    d
}

/// The command line of a domain, as one string.
pub(super) fn args_of(xml: &str) -> String {
    build(
        &dom(xml),
        &Inputs {
            emulator: "q",
            monitor_fd: 3,
            tap_fds: &[],
        },
    )
    .expect("build")
    .args
    .join(" ")
}

pub(super) const GUEST: &str = "<domain type='qemu'><name>g1</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>\
<os><type arch='x86_64' machine='q35'>hvm</type><kernel>/k</kernel><initrd>/i</initrd><cmdline>console=ttyS0 quiet</cmdline></os>\
<features><acpi/></features><on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>\
<devices><serial type='pty'><log file='/tmp/s,1.log' append='off'/><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console></devices></domain>";

#[test]
fn libvirts_command_line_for_the_test_guest() {
    let d = dom(GUEST);
    let c = build(
        &d,
        &Inputs {
            emulator: "/usr/bin/qemu-system-x86_64",
            monitor_fd: 3,
            tap_fds: &[],
        },
    )
    .expect("build");
    let s = c.args.join(" ");
    for want in [
        "-name guest=g1,debug-threads=on -S -machine pc-q35-7.2,usb=off,dump-guest-core=off -accel tcg -cpu qemu64 -m 256",
        "-smp 1,sockets=1,cores=1,threads=1",
        "-chardev socket,id=charmonitor,fd=3,server=on,wait=off",
        "-no-shutdown -boot strict=on -kernel /k -initrd /i -append console=ttyS0 quiet",
        r#"-device {"addr":"0x1","bus":"pcie.0","chassis":1,"driver":"pcie-root-port","id":"pci.1","multifunction":true,"port":8}"#,
        r#"{"addr":"0x0","bus":"pci.1","driver":"qemu-xhci","id":"usb"}"#,
        "-chardev pty,id=charserial0,logfile=/tmp/s,,1.log,logappend=off",
        r#"{"chardev":"charserial0","driver":"isa-serial","id":"serial0","index":0}"#,
        r#"{"addr":"0x0","bus":"pci.2","driver":"virtio-balloon-pci","id":"balloon0"}"#,
        "-sandbox on,obsolete=deny",
    ] {
        assert!(s.contains(want), "missing {want}\nin {s}");
    }
}

#[test]
fn refuses_what_it_cannot_start() {
    let x = GUEST.replace(
        "<devices>",
        "<devices><interface type='network'><source network='default'/></interface>",
    );
    let e = build(
        &dom(&x),
        &Inputs {
            emulator: "q",
            monitor_fd: 3,
            tap_fds: &[],
        },
    )
    .expect_err("network interface");
    assert!(e.to_string().contains("interface type='network'"), "{e}");
}

/// virt-install's USB for a pc machine: EHCI with three UHCI companions, all index 0.
#[test]
fn usb_companion_controllers() {
    let x = GUEST.replace("machine='q35'", "machine='pc'").replace(
        "<devices>",
        "<devices><controller type='usb' model='ich9-ehci1'/>\
<controller type='usb' model='ich9-uhci1'><master startport='0'/></controller>\
<controller type='usb' model='ich9-uhci2'><master startport='2'/></controller>\
<controller type='usb' model='ich9-uhci3'><master startport='4'/></controller>",
    );
    let s = args_of(&x);
    assert_eq!(s.matches(r#""id":"usb""#).count(), 1, "{s}");
    assert!(s.contains(r#""driver":"ich9-usb-ehci1""#), "{s}");
    for (n, port) in [(1, 0), (2, 2), (3, 4)] {
        assert!(
            s.contains(&format!(
                r#""driver":"ich9-usb-uhci{n}","firstport":{port},"masterbus":"usb.0""#
            )),
            "{s}"
        );
    }
}

/// A pci-bridge with the chassis number libvirt gives it, and a virtio-serial controller
/// with its ports and vectors.
#[test]
fn pci_bridge_and_virtio_serial_options() {
    let x = GUEST.replace("machine='q35'", "machine='pc'").replace(
        "<devices>",
        "<devices><controller type='virtio-serial' ports='16' vectors='4'/>\
<controller type='pci' index='1' model='pci-bridge'/>",
    );
    let s = args_of(&x);
    assert!(
        s.contains(
            r#"{"addr":"0x2","bus":"pci.0","chassis_nr":1,"driver":"pci-bridge","id":"pci.1"}"#
        ),
        "{s}"
    );
    assert!(
        s.contains(
            r#""driver":"virtio-serial-pci","id":"virtio-serial0","max_ports":16,"vectors":4"#
        ),
        "{s}"
    );
}

/// Three USB inputs on the pc machine's two UHCI ports: libvirt's hub on port 1 comes
/// first, the devices behind it take dotted port paths.
#[test]
fn usb_hub_and_port_paths() {
    let x = GUEST.replace("machine='q35'", "machine='pc'").replace(
        "<devices>",
        "<devices><input type='tablet' bus='usb'/><input type='keyboard' bus='usb'/>\
<input type='mouse' bus='usb'/>",
    );
    let s = args_of(&x);
    let hub = s
        .find(r#"{"bus":"usb.0","driver":"usb-hub","id":"hub0","port":"1"}"#)
        .expect(&s);
    let kbd = s
        .find(r#"{"bus":"usb.0","driver":"usb-kbd","id":"input1","port":"1.1"}"#)
        .expect(&s);
    assert!(hub < kbd, "{s}");
    assert!(
        s.contains(r#""driver":"usb-tablet","id":"input0","port":"2""#),
        "{s}"
    );
    assert!(
        s.contains(r#""driver":"usb-mouse","id":"input2","port":"1.2""#),
        "{s}"
    );
}

#[test]
fn disks_and_user_networking() {
    let x = GUEST.replace(
        "<devices>",
        "<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/d.qcow2'/><target dev='vda' bus='virtio'/></disk>\
<disk type='file' device='cdrom'><target dev='sda' bus='sata'/><readonly/></disk>\
<interface type='user'><mac address='52:54:00:12:34:56'/><model type='virtio'/></interface>",
    );
    let s = args_of(&x);
    assert!(
        s.contains(r#""driver":"qcow2","file":"libvirt-1-storage""#),
        "{s}"
    );
    assert!(
        s.contains(r#""drive":"libvirt-1-format","driver":"virtio-blk-pci","id":"virtio-disk0""#),
        "{s}"
    );
    assert!(
        s.contains(r#"{"bus":"ide.0","driver":"ide-cd","id":"sata0-0-0"}"#),
        "{s}"
    );
    assert!(
        s.contains(r#"-netdev {"id":"hostnet0","type":"user"}"#),
        "{s}"
    );
    assert!(s.contains(r#""mac":"52:54:00:12:34:56""#), "{s}");
}

#[test]
fn tap_interfaces_take_their_inherited_fds() {
    let x = GUEST.replace(
        "<devices>",
        "<devices><interface type='network'><mac address='52:54:00:12:34:56'/><source network='default'/><model type='virtio'/></interface>\
<interface type='bridge'><mac address='52:54:00:12:34:57'/><source bridge='br0'/><model type='virtio'/><driver queues='2'/></interface>",
    );
    let d = dom(&x);
    let build_with = |fds: &[i32]| {
        build(
            &d,
            &Inputs {
                emulator: "q",
                monitor_fd: 3,
                tap_fds: fds,
            },
        )
    };
    let s = build_with(&[20, 21, 22]).unwrap().args.join(" ");
    assert!(
        s.contains(r#"-netdev {"fd":"20","id":"hostnet0","type":"tap"}"#),
        "{s}"
    );
    assert!(
        s.contains(r#"-netdev {"fds":"21:22","id":"hostnet1","type":"tap"}"#),
        "{s}"
    );
    let e = build_with(&[20]).unwrap_err().to_string();
    assert!(e.contains("has no TAP device"), "{e}");
}
