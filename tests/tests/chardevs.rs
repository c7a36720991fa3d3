//! Character devices and graphics started for real: a virtio console with the guest's shell
//! on hvc0, the guest-agent channel's socket libvirt-style without a path, VNC (its RFB
//! greeting on the port autoport gave) and SPICE on a socket; and the live XML of the same
//! chardevs and graphics against libvirt 9.0's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::io::{Read, Write};
use std::os::unix::fs::FileTypeExt;
use std::time::Duration;

use oxvirt_e2e::chardev::chardev_elements;
use oxvirt_e2e::{guest, python_console_roundtrip, Libvirtd, Qemud};

/// A number attribute of the first element starting with `element` in `xml`.
fn attr_after(xml: &str, element: &str, attr: &str) -> String {
    let at = xml
        .find(element)
        .unwrap_or_else(|| panic!("no {element} in {xml}"));
    let rest = &xml[at..];
    let rest = &rest[..rest.find('>').unwrap_or(rest.len())];
    let key = format!(" {attr}='");
    let i = rest
        .find(&key)
        .unwrap_or_else(|| panic!("no {attr} in {rest}"));
    let v = &rest[i + key.len()..];
    v[..v.find('\'').unwrap_or(v.len())].to_owned()
}

#[test]
fn virtio_console_agent_channel_vnc_and_spice_started_for_real() {
    let q = Qemud::start();
    let (kernel, initrd) = guest();
    let xml = format!(
        "<domain type='qemu'><name>chr1</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='q35'>hvm</type><kernel>{}</kernel><initrd>{}</initrd><cmdline>console=hvc0 quiet</cmdline></os>
<features><acpi/></features><on_poweroff>destroy</on_poweroff>
<devices><console type='pty'><target type='virtio'/></console>
<channel type='unix'><source mode='bind'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
<graphics type='vnc' port='-1' passwd='sesame'/>
<graphics type='spice'><listen type='socket'/></graphics></devices></domain>",
        kernel.display(),
        initrd.display()
    );
    let f = q.root().join("chr1.xml");
    std::fs::write(&f, xml).unwrap();
    q.virsh(&["define", f.to_str().unwrap()]).ok();
    let r = q.virsh(&["start", "chr1"]);
    assert!(r.status == 0, "start: {r:?}\n--- VM:\n{}", q.vm_log("chr1"));
    let live = q.virsh(&["dumpxml", "chr1"]).ok().to_string();
    let id = q.virsh(&["domid", "chr1"]).ok().trim().to_owned();

    // the agent's socket, generated under the root as libvirt does under /var/lib/libvirt
    let chan_dir = q
        .root()
        .join(format!("lib/qemu/channel/target/domain-{id}-chr1"));
    let chan = chan_dir.join("org.qemu.guest_agent.0");
    assert!(
        live.contains(&format!(
            "<source mode='bind' path='{}'/>\n      <target type='virtio' name='org.qemu.guest_agent.0' state='disconnected'/>",
            chan.display()
        )),
        "{live}"
    );
    let meta = std::fs::metadata(&chan).expect("the channel socket exists");
    assert!(meta.file_type().is_socket());
    // the inactive form has no generated path (defining the live form drops it again: a unit
    // test of start_prep, since defining a live XML with channel addresses is refused so far)
    let inactive = q.virsh(&["dumpxml", "--inactive", "chr1"]).ok().to_string();
    assert!(
        inactive.contains(
            "<channel type='unix'>\n      <target type='virtio' name='org.qemu.guest_agent.0'/>"
        ),
        "{inactive}"
    );

    // the virtio console's pty
    assert!(
        live.contains("<target type='virtio' port='0'/>\n      <alias name='console0'/>"),
        "{live}"
    );
    assert!(!live.contains("<serial"), "{live}");

    // VNC: the port autoport gave, QEMU's RFB greeting on it, and VNC authentication
    // offered since the display has a password
    let port: u16 = attr_after(&live, "<graphics type='vnc'", "port")
        .parse()
        .unwrap();
    assert!(port >= 5900, "{live}");
    assert_eq!(
        attr_after(&live, "<graphics type='vnc'", "listen"),
        "127.0.0.1"
    );
    assert!(!live.contains("sesame"), "{live}");
    let secure = q
        .virsh(&["dumpxml", "--security-info", "chr1"])
        .ok()
        .to_string();
    assert!(secure.contains("passwd='sesame'"), "{secure}");
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect to VNC");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut greeting = [0u8; 12];
    s.read_exact(&mut greeting).unwrap();
    assert_eq!(&greeting, b"RFB 003.008\n");
    s.write_all(b"RFB 003.008\n").unwrap();
    let mut types = [0u8; 2];
    s.read_exact(&mut types).unwrap();
    assert_eq!(types, [1, 2], "one security type, VNC authentication");
    drop(s);

    // SPICE on the socket generated in the domain's directory
    let lib_dir = q.root().join(format!("lib/qemu/domain-{id}-chr1"));
    let spice = lib_dir.join("spice.sock");
    assert!(
        live.contains(&format!(
            "<listen type='socket' socket='{}'/>",
            spice.display()
        )),
        "{live}"
    );
    assert!(std::fs::metadata(&spice).unwrap().file_type().is_socket());

    // virsh's console stream reaches the guest's shell on hvc0
    python_console_roundtrip(&q.uri(), "chr1", false);

    q.virsh(&["destroy", "chr1"]).ok();
    assert!(!chan_dir.exists() && !lib_dir.exists(), "left behind");
    q.virsh(&["undefine", "chr1"]).ok();
}

/// The same serials, consoles (a serial one, a virtio one on a pty and one on a socket),
/// channels (unix with and without a target name, spicevmc, pty, file) and graphics on
/// libvirt 9.0 and on oxvirt: the live elements are the same but for pty numbers, ports and
/// where the generated sockets live.
#[test]
fn live_chardevs_and_graphics_match_libvirt() {
    let lv = Libvirtd::start();
    let files = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        files.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    // the files are outside the daemon's root: its path policy must be told they may be made
    let q = Qemud::start_with(&["--allow-path", files.path().to_str().unwrap()]);
    let log = files.path().join("serial1.log");
    let xml = format!(
        "<domain type='qemu'><name>chr2</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><serial type='pty'/><serial type='file'><source path='{}'/></serial>
<console type='pty'><target type='virtio'/></console>
<channel type='unix'><source mode='bind'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>
<channel type='pty'><target type='virtio' name='org.example.pty.0'/></channel>
<channel type='unix'><source mode='bind'/><target type='virtio'/></channel>
<channel type='file'><source path='{}'/><target type='virtio' name='org.example.file.0'/></channel>
<console type='unix'><source mode='bind' path='{}'/><target type='virtio'/></console>
<graphics type='vnc' port='-1' passwd='pw'/>
<graphics type='spice' autoport='yes'><image compression='off'/></graphics></devices></domain>",
        log.display(),
        files.path().join("channel.out").display(),
        files.path().join("console.sock").display(),
    );
    let f = files.path().join("chr2.xml");
    std::fs::write(&f, xml).unwrap();
    let mut elements = Vec::new();
    let lv_dir = "/var/lib/libvirt/qemu".to_owned();
    let ox_dir = q.root().join("lib/qemu").display().to_string();
    for (uri, dir) in [(lv.uri().to_owned(), &lv_dir), (q.uri(), &ox_dir)] {
        oxvirt_e2e::virsh(&uri, &["define", f.to_str().unwrap()]).ok();
        let r = oxvirt_e2e::virsh(&uri, &["start", "chr2"]);
        assert!(r.status == 0, "start on {uri}: {r:?}");
        let live = oxvirt_e2e::virsh(&uri, &["dumpxml", "chr2"])
            .ok()
            .to_string();
        elements.push(chardev_elements(&live, &[dir]));
        oxvirt_e2e::virsh(&uri, &["destroy", "chr2"]).ok();
        oxvirt_e2e::virsh(&uri, &["undefine", "chr2"]).ok();
    }
    assert!(
        elements[0].contains("<console type='pty' tty='/dev/pts/N'>"),
        "{}",
        elements[0]
    );
    assert_eq!(
        elements[1], elements[0],
        "oxvirt (left) and libvirt 9.0 (right)"
    );
}
