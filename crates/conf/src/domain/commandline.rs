//! `<qemu:commandline>`: extra QEMU arguments and environment, in QEMU's namespace.

/// The namespace of libvirt's QEMU-specific elements.
pub const QEMU_NAMESPACE: &str = "http://libvirt.org/schemas/domain/qemu/1.0";

/// `<qemu:commandline>`: `<qemu:arg value=>`s and `<qemu:env name= value=>`s.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QemuCommandline {
    pub args: Vec<String>,
    pub env: Vec<(String, Option<String>)>,
}
