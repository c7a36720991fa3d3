//! `<qemu:commandline>`: extra QEMU arguments and environment, in QEMU's namespace.

use super::parse::*;
use crate::error::ConfError;
use crate::xml::Writer;
use roxmltree::Node;

/// The namespace of libvirt's QEMU-specific elements.
pub const QEMU_NAMESPACE: &str = "http://libvirt.org/schemas/domain/qemu/1.0";

/// `<qemu:commandline>`: `<qemu:arg value=>`s and `<qemu:env name= value=>`s.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QemuCommandline {
    /// `<qemu:arg value=>`s in order.
    pub args: Vec<String>,
    /// `<qemu:env name= value=>`s in order.
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

/// `<qemu:commandline>`s (elements of other namespaces are ignored, as libvirt's parser does).
pub(super) fn parse_commandline(root: Node<'_, '_>) -> Result<Option<QemuCommandline>> {
    let mut qemu_commandline: Option<QemuCommandline> = None;
    for c in root.children().filter(|c| c.is_element()) {
        let Some(ns) = c.tag_name().namespace() else {
            continue;
        };
        if ns != QEMU_NAMESPACE {
            // libvirt's parser ignores namespaces it does not know
            continue;
        }
        if c.tag_name().name() != "commandline" {
            return Err(ConfError::NotImplemented(format!(
                "<qemu:{}>",
                c.tag_name().name()
            )));
        }
        let cl = qemu_commandline.get_or_insert_with(QemuCommandline::default);
        for e in c.children().filter(|e| e.is_element()) {
            match (e.tag_name().namespace(), e.tag_name().name()) {
                (Some(QEMU_NAMESPACE), "arg") => {
                    let v = e.attribute("value").ok_or_else(|| {
                        ConfError::Internal("No qemu command-line argument specified".into())
                    })?;
                    cl.args.push(v.to_owned());
                }
                (Some(QEMU_NAMESPACE), "env") => {
                    let name = e
                        .attribute("name")
                        .filter(|n| !n.is_empty())
                        .ok_or_else(|| {
                            ConfError::Internal("No qemu environment name specified".into())
                        })?;
                    if !name
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    {
                        return Err(ConfError::Internal(
                            "Invalid environment name, it must begin with a letter or underscore"
                                .into(),
                        ));
                    }
                    cl.env
                        .push((name.to_owned(), e.attribute("value").map(str::to_owned)));
                }
                _ => {}
            }
        }
    }
    Ok(qemu_commandline)
}
