//! What happens on power-off, reboot, crash and lock failure (`<on_poweroff>`...) and `<pm>`.

use super::format::fmt_yes_no;
use super::parse::*;
use super::*;
use crate::error::ConfError;
use crate::xml::Writer;
use roxmltree::Node;

/// What to do on power-off, reboot or crash (`virDomainLifecycleAction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// `destroy`.
    Destroy,
    /// `restart`.
    Restart,
    /// `preserve`.
    Preserve,
    /// `rename-restart`.
    RenameRestart,
    /// `coredump-destroy` (on crash only).
    CoredumpDestroy,
    /// `coredump-restart` (on crash only).
    CoredumpRestart,
}

impl Lifecycle {
    /// The name in the XML.
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Destroy => "destroy",
            Lifecycle::Restart => "restart",
            Lifecycle::Preserve => "preserve",
            Lifecycle::RenameRestart => "rename-restart",
            Lifecycle::CoredumpDestroy => "coredump-destroy",
            Lifecycle::CoredumpRestart => "coredump-restart",
        }
    }
}

/// `<pm>`: suspend-to-mem and suspend-to-disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pm {
    /// `<suspend-to-mem enabled=>`.
    pub suspend_to_mem: Option<bool>,
    /// `<suspend-to-disk enabled=>`.
    pub suspend_to_disk: Option<bool>,
}

pub(super) fn lifecycle(
    root: Node<'_, '_>,
    name: &str,
    default: Lifecycle,
    crash: bool,
) -> Result<Lifecycle> {
    let Some(v) = child_text_nonempty(root, name) else {
        return Ok(default);
    };
    Ok(match v.as_str() {
        "destroy" => Lifecycle::Destroy,
        "restart" => Lifecycle::Restart,
        "preserve" => Lifecycle::Preserve,
        "rename-restart" => Lifecycle::RenameRestart,
        "coredump-destroy" if crash => Lifecycle::CoredumpDestroy,
        "coredump-restart" if crash => Lifecycle::CoredumpRestart,
        _ => {
            return Err(ConfError::unsupported(format!(
                "unknown {name} action: {v}"
            )));
        }
    })
}

impl Domain {
    /// `<on_poweroff>`, `<on_reboot>`, `<on_crash>`, `<on_lockfailure>` and `<pm>`.
    pub(super) fn format_lifecycle(&self, w: &mut Writer) {
        w.text("on_poweroff", &[], self.on_poweroff.as_str());
        w.text("on_reboot", &[], self.on_reboot.as_str());
        w.text("on_crash", &[], self.on_crash.as_str());
        if let Some(l) = &self.on_lockfailure {
            w.text("on_lockfailure", &[], l);
        }
        if self.pm.suspend_to_mem.is_some() || self.pm.suspend_to_disk.is_some() {
            w.child("pm", &[], |w| {
                if let Some(v) = self.pm.suspend_to_mem {
                    w.empty("suspend-to-mem", &[("enabled", fmt_yes_no(v))]);
                }
                if let Some(v) = self.pm.suspend_to_disk {
                    w.empty("suspend-to-disk", &[("enabled", fmt_yes_no(v))]);
                }
            });
        }
    }
}

/// `<on_lockfailure>`.
pub(super) fn parse_on_lockfailure(root: Node<'_, '_>) -> Result<Option<String>> {
    Ok(match child_text_nonempty(root, "on_lockfailure") {
        None => None,
        Some(v) => match v.as_str() {
            "poweroff" | "restart" | "pause" | "ignore" => Some(v),
            _ => {
                return Err(ConfError::Xml(format!(
                    "Invalid value for element 'on_lockfailure': '{v}'"
                )))
            }
        },
    })
}

/// `<pm>`.
pub(super) fn parse_pm(root: Node<'_, '_>) -> Result<Pm> {
    Ok(match child(root, "pm") {
        None => Pm::default(),
        Some(p) => Pm {
            suspend_to_mem: child(p, "suspend-to-mem")
                .map(|n| yes_no(n, "enabled"))
                .transpose()?
                .flatten(),
            suspend_to_disk: child(p, "suspend-to-disk")
                .map(|n| yes_no(n, "enabled"))
                .transpose()?
                .flatten(),
        },
    })
}
