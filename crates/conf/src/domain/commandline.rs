//! `<qemu:commandline>`: extra QEMU arguments and environment, in QEMU's namespace.

use crate::xml::Writer;

/// The namespace of libvirt's QEMU-specific elements.
pub const QEMU_NAMESPACE: &str = "http://libvirt.org/schemas/domain/qemu/1.0";

/// `<qemu:commandline>`: `<qemu:arg value=>`s and `<qemu:env name= value=>`s.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QemuCommandline {
    pub args: Vec<String>,
    pub env: Vec<(String, Option<String>)>,
}

pub(super) fn format_commandline(w: &mut Writer, cl: &QemuCommandline) {
    w.child("qemu:commandline", &[], |w| {
        for a in &cl.args {
            w.empty("qemu:arg", &[("value", a.clone())]);
        }
        for (n, v) in &cl.env {
            let mut a = vec![("name", n.clone())];
            if let Some(v) = v {
                a.push(("value", v.clone()));
            }
            w.empty("qemu:env", &a);
        }
    });
}
