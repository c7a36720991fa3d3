//! What happens on power-off, reboot, crash and lock failure (`<on_poweroff>`...) and `<pm>`.

use super::parse::*;
use crate::error::ConfError;
use roxmltree::Node;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Destroy,
    Restart,
    Preserve,
    RenameRestart,
    CoredumpDestroy,
    CoredumpRestart,
}

impl Lifecycle {
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
    pub suspend_to_mem: Option<bool>,
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
