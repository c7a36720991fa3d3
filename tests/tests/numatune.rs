//! `virsh numatune` through python3-libvirt (`numaParameters`, `setNumaParameters`) on a
//! defined and a running guest, against oxvirt-qemud and a private libvirt 9.0: the same
//! answers, errors included (what libvirt-tck's `domain/202-numa-set-parameters` checks).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oxvirt_e2e::{guest, python, Libvirtd, Qemud};

const SCRIPT: &str = r#"
import sys, signal, libvirt
signal.alarm(240)
libvirt.registerErrorHandler(lambda c, e: None, None)
uri, xml = sys.argv[1], sys.argv[2]
c = libvirt.open(uri)
d = c.defineXML(xml)
L, C = libvirt.VIR_DOMAIN_AFFECT_LIVE, libvirt.VIR_DOMAIN_AFFECT_CONFIG
def t(tag, f):
    try:
        print(tag, "->", repr(f()))
    except libvirt.libvirtError as e:
        print(tag, "ERR", e.get_error_code(), e.get_error_domain(), e.get_error_message())
def numa_lines(flags):
    return [l.strip() for l in d.XMLDesc(flags).splitlines() if 'numatune' in l or 'memory mode' in l]
t("get config", lambda: d.numaParameters(C))
t("get current", lambda: d.numaParameters(0))
t("set config nodeset 0", lambda: d.setNumaParameters({'numa_nodeset': '0'}, C))
t("get config", lambda: d.numaParameters(C))
t("config xml", lambda: numa_lines(libvirt.VIR_DOMAIN_XML_INACTIVE))
t("set live, not running", lambda: d.setNumaParameters({'numa_nodeset': '0'}, L))
t("set config nodeset 5", lambda: d.setNumaParameters({'numa_nodeset': '5'}, C))
t("set config bad nodeset", lambda: d.setNumaParameters({'numa_nodeset': 'x'}, C))
t("set config mode 2", lambda: d.setNumaParameters({'numa_mode': 2}, C))
t("get config", lambda: d.numaParameters(C))
t("set config mode 9", lambda: d.setNumaParameters({'numa_mode': 9}, C))
t("set config mode 0", lambda: d.setNumaParameters({'numa_mode': 0}, C))
t("start on node 5", lambda: d.create())
d.undefine()
d = c.defineXML(xml)
d.create()
t("get live", lambda: d.numaParameters(L))
t("get live and config", lambda: d.numaParameters(L | C))
t("set live mode 2", lambda: d.setNumaParameters({'numa_mode': 2}, L))
t("set live mode 0", lambda: d.setNumaParameters({'numa_mode': 0}, L))
t("set live nodeset 1", lambda: d.setNumaParameters({'numa_nodeset': '1'}, L))
t("set current nodeset 0", lambda: d.setNumaParameters({'numa_nodeset': '0'}, 0))
t("get live", lambda: d.numaParameters(L))
t("live xml", lambda: numa_lines(0))
t("get config", lambda: d.numaParameters(C))
d.destroy()
t("set config strict 0", lambda: d.setNumaParameters({'numa_nodeset': '0', 'numa_mode': 0}, C))
d.create()
t("get live after a start", lambda: d.numaParameters(L))
t("live xml", lambda: numa_lines(0))
t("set live mode 1", lambda: d.setNumaParameters({'numa_mode': 1}, L))
d.destroy()
t("set config mode 1", lambda: d.setNumaParameters({'numa_mode': 1}, C))
t("config xml", lambda: numa_lines(libvirt.VIR_DOMAIN_XML_INACTIVE))
d.create()
t("set live nodeset, preferred", lambda: d.setNumaParameters({'numa_nodeset': '0'}, L))
d.destroy()
d.undefine()
"#;

fn xml() -> String {
    let (kernel, initrd) = guest();
    format!(
        "<domain type='qemu'><name>nm</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64' machine='pc'>hvm</type><kernel>{}</kernel><initrd>{}</initrd>\
         <cmdline>console=ttyS0 quiet</cmdline></os><devices><serial type='pty'/></devices></domain>",
        kernel.display(),
        initrd.display()
    )
}

#[test]
fn numatune_answers_as_libvirt() {
    let xml = xml();
    let q = Qemud::start();
    let ours = q.python(SCRIPT, &[&xml]).ok().to_string();
    let lv = Libvirtd::start();
    let theirs = python(SCRIPT, &[lv.uri(), &xml]).ok().to_string();
    assert!(
        theirs.contains("set live nodeset, preferred ERR 55"),
        "{theirs}"
    );
    assert_eq!(ours, theirs);
}
