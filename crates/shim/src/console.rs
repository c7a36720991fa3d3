//! Consoles: the ptys QEMU made for the domain's serials and consoles (written into the
//! live definition at start), and a pty opened for a client's console session.

use oxvirt_conf::domain::{ChrSource, DomainStatus};
use oxvirt_qmp::QmpClient;
use serde_json::Value;

use crate::{process, Shim, ShimError};

impl Shim {
    /// A console's pty, opened for a client, and the device's alias.
    pub fn open_console(
        &self,
        dev: Option<&str>,
    ) -> Result<(std::os::fd::OwnedFd, String), ShimError> {
        let st = self.status()?;
        let d = &st.domain.devices;
        let mut found: Option<(String, Option<String>)> = None;
        for (i, c) in d.consoles.iter().enumerate() {
            let alias = c.alias.clone().unwrap_or_else(|| format!("console{i}"));
            let path = match &c.source {
                ChrSource::Pty { path } => path.clone(),
                _ => None,
            };
            let path = path.or_else(|| {
                // console 0 that is serial 0 shares its pty
                if oxvirt_qemu_command::console_is_serial(c, i) {
                    d.serials.first().and_then(|s| match &s.source {
                        ChrSource::Pty { path } => path.clone(),
                        _ => None,
                    })
                } else {
                    None
                }
            });
            if dev.is_none() || dev == Some(alias.as_str()) {
                found = Some((alias, path));
                break;
            }
        }
        if found.is_none() {
            for (i, s) in d.serials.iter().enumerate() {
                let alias = s.alias.clone().unwrap_or_else(|| format!("serial{i}"));
                if dev.is_none() || dev == Some(alias.as_str()) {
                    let path = match &s.source {
                        ChrSource::Pty { path } => path.clone(),
                        _ => None,
                    };
                    found = Some((alias, path));
                    break;
                }
            }
        }
        let Some((alias, path)) = found else {
            return Err(ShimError::OperationFailed(match dev {
                Some(n) => format!("cannot find character device {n}"),
                None => "cannot find default console device".into(),
            }));
        };
        let Some(path) = path else {
            return Err(ShimError::OperationFailed(format!(
                "character device {alias} is not using a PTY"
            )));
        };
        let fd = process::open_pty(&path).map_err(|source| ShimError::Io {
            what: format!("cannot open console {path}"),
            source,
        })?;
        Ok((fd, alias))
    }
}

/// Ask QEMU which pty each pty chardev got, and record it in the live definition.
pub(crate) async fn fill_ptys(qmp: &QmpClient, status: &mut DomainStatus) -> Result<(), ShimError> {
    let v = qmp.execute("query-chardev", None).await?;
    let mut ptys = std::collections::HashMap::new();
    let mut open = std::collections::HashMap::new();
    if let Some(list) = v.as_array() {
        for c in list {
            let (Some(label), Some(file)) = (
                c.get("label").and_then(Value::as_str),
                c.get("filename").and_then(Value::as_str),
            ) else {
                continue;
            };
            if let Some(p) = file.strip_prefix("pty:") {
                ptys.insert(label.to_owned(), p.to_owned());
            }
            if let Some(o) = c.get("frontend-open").and_then(Value::as_bool) {
                open.insert(label.to_owned(), o);
            }
        }
    }
    let d = &mut status.domain.devices;
    // a virtio channel's state: whether the guest has the port open (libvirt's
    // qemuProcessRefreshChannelVirtioState)
    for (i, ch) in d.channels.iter_mut().enumerate() {
        let alias = ch.alias.clone().unwrap_or_else(|| format!("channel{i}"));
        if let Some(o) = open.get(&format!("char{alias}")) {
            ch.state = Some(if *o { "connected" } else { "disconnected" }.into());
        }
        if let ChrSource::Pty { path } = &mut ch.source {
            *path = ptys.get(&format!("char{alias}")).cloned();
        }
    }
    for (i, s) in d.serials.iter_mut().enumerate() {
        let alias = s.alias.clone().unwrap_or_else(|| format!("serial{i}"));
        if let ChrSource::Pty { path } = &mut s.source {
            *path = ptys.get(&format!("char{alias}")).cloned();
        }
    }
    let serial0 = d.serials.first().and_then(|s| match &s.source {
        ChrSource::Pty { path } => path.clone(),
        _ => None,
    });
    for (i, c) in d.consoles.iter_mut().enumerate() {
        let dup = oxvirt_qemu_command::console_is_serial(c, i);
        let alias = c.alias.clone().unwrap_or_else(|| format!("console{i}"));
        if let ChrSource::Pty { path } = &mut c.source {
            *path = if dup {
                serial0.clone()
            } else {
                ptys.get(&format!("char{alias}")).cloned()
            };
        }
    }
    Ok(())
}
