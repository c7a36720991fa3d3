//! `<storagepoolCapabilities>` (`virStoragePoolCapsFormat`): every pool type libvirt knows, which
//! of them this daemon serves, and their source and volume formats.

use super::pool::PoolType;
use super::volume::volume_formats;
use crate::xml::Writer;

/// The pool capabilities XML, `supported` saying which pool types have a backend (libvirt lists
/// the formats of the others too).
pub fn pool_capabilities(supported: impl Fn(PoolType) -> bool) -> String {
    let mut w = Writer::new();
    w.open("storagepoolCapabilities", &[]);
    for t in PoolType::ALL {
        let yes = supported(t);
        let attrs = [
            ("type", t.as_str().to_owned()),
            ("supported", if yes { "yes" } else { "no" }.to_owned()),
        ];
        w.open("pool", &attrs);
        if let Some((formats, default)) = t.source_formats() {
            options(&mut w, "poolOptions", "sourceFormatType", formats, default);
        }
        if let Some((formats, default)) = volume_formats(t) {
            // rbd's volume options list no formats (libvirt gives it no lastFormat)
            let list: &[&str] = if t == PoolType::Rbd { &[] } else { formats };
            options(&mut w, "volOptions", "targetFormatType", list, default);
        }
        w.close("pool");
    }
    w.close("storagepoolCapabilities");
    w.finish()
}

fn options(w: &mut Writer, name: &str, enum_name: &str, formats: &[&str], default: &str) {
    w.open(name, &[]);
    w.empty("defaultFormat", &[("type", default.into())]);
    w.open("enum", &[("name", enum_name.into())]);
    for f in formats {
        w.text("value", &[], f);
    }
    w.close("enum");
    w.close(name);
}
