//! `<tpm>`: TPM devices and their emulator or passthrough backends.

use super::*;

/// `<tpm model=>` with the `emulator` backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tpm {
    /// `tpm-tis` or `tpm-crb`; `None` until post-parse.
    pub model: Option<String>,
    /// `1.2` or `2.0`; `None` until post-parse.
    pub version: Option<String>,
    /// `<backend persistent_state=>` of the emulator.
    pub persistent_state: Option<bool>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
}

/// A `<tpm>` of `<devices>` into `out`.
pub(super) fn read_tpm(out: &mut Devices, n: Node<'_, '_>, live: bool) -> Result<()> {
    let model = match n.attribute("model") {
        None => None,
        Some(m @ ("tpm-tis" | "tpm-crb")) => Some(m.to_owned()),
        Some(m) => return Err(ConfError::NotImplemented(format!("tpm model '{m}'"))),
    };
    let b = child(n, "backend");
    let ok = b.is_some_and(|b| {
        b.attribute("type") == Some("emulator")
            && !b.children().any(|c| c.is_element())
            && b.attributes()
                .all(|a| matches!(a.name(), "type" | "version" | "persistent_state"))
    }) && !n
        .children()
        .any(|c| c.is_element() && !matches!(c.tag_name().name(), "backend" | "alias"));
    let Some(b) = b.filter(|_| ok) else {
        return Err(ConfError::NotImplemented(
            "tpm other than a plain emulator backend".into(),
        ));
    };
    let version = match b.attribute("version") {
        None => None,
        Some(v @ ("1.2" | "2.0")) => Some(v.to_owned()),
        Some(v) => return Err(ConfError::NotImplemented(format!("tpm version '{v}'"))),
    };
    if !out.tpms.is_empty() {
        return Err(ConfError::NotImplemented("several <tpm>".into()));
    }
    out.tpms.push(Tpm {
        model,
        version,
        persistent_state: yes_no(b, "persistent_state")?,
        alias: parse_alias(n, live)?,
    });
    Ok(())
}

pub(super) fn format_tpm(w: &mut Writer, t: &Tpm, cx: Ctx) {
    let mut a = Vec::new();
    if let Some(m) = &t.model {
        a.push(("model", m.clone()));
    }
    w.open("tpm", &a);
    let mut b = vec![("type", "emulator".to_string())];
    if let Some(v) = &t.version {
        b.push(("version", v.clone()));
    }
    if let Some(p) = t.persistent_state {
        b.push(("persistent_state", fmt_yes_no(p)));
    }
    w.empty("backend", &b);
    cx.alias(w, &t.alias);
    w.close("tpm");
}

/// The model (`tpm-tis`) and the version it implies (2.0 for `tpm-crb`, else 1.2).
pub(crate) fn tpm_defaults(def: &mut Domain) {
    for t in &mut def.devices.tpms {
        let model = t.model.get_or_insert_with(|| "tpm-tis".into()).clone();
        t.version
            .get_or_insert_with(|| if model == "tpm-crb" { "2.0" } else { "1.2" }.into());
    }
}
