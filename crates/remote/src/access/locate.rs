//! Where a call names the object a permission is checked on: in its arguments (the handle a
//! client sends back, a name to look up, the XML to define), in its reply (a lookup by UUID,
//! ID, MAC, path, ...), or nowhere the boundary can read (a restore from a file, a migration).
//!
//! The fields are walked as XDR without decoding the whole call: every handle libvirt's
//! protocol sends (`remote_nonnull_domain`, `_network`, `_storage_vol`, ...) has a fixed
//! layout of strings, UUIDs and integers.

use oxvirt_proto::procedures::ProcedureInfo;

/// One XDR field of a handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    /// A counted string.
    Str,
    /// A 16-byte UUID.
    Uuid,
    /// A 32-bit integer.
    Int,
}

use Field::{Int, Str, Uuid};

/// The layout of an object type's handle and the index of the field that names it.
pub(crate) fn handle(kind: &str) -> Option<(&'static [Field], usize)> {
    Some(match kind {
        "domain" => (&[Str, Uuid, Int], 0),
        "network" | "storage_pool" | "nwfilter" => (&[Str, Uuid], 0),
        "storage_vol" => (&[Str, Str, Str], 1),
        "interface" | "nwfilter_binding" => (&[Str, Str], 0),
        "node_device" => (&[Str], 0),
        "secret" => (&[Uuid, Int, Str], 0),
        // a port is named by its network
        "network_port" => (&[Str, Uuid, Uuid], 0),
        _ => return None,
    })
}

/// The procedure-name prefix of an object type's calls.
fn prefix(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "domain" => "DOMAIN_",
        "network" => "NETWORK_",
        "network_port" => "NETWORK_",
        "storage_pool" => "STORAGE_POOL_",
        "storage_vol" => "STORAGE_VOL_",
        "interface" => "INTERFACE_",
        "secret" => "SECRET_",
        "node_device" => "NODE_DEVICE_",
        "nwfilter" => "NWFILTER_",
        "nwfilter_binding" => "NWFILTER_BINDING_",
        _ => return None,
    })
}

/// Where the object of a permission of kind `kind` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Locate {
    /// No object (`connect`).
    Connect,
    /// The arguments start with these fields; the name is field `.1`.
    Args(&'static [Field], usize),
    /// The arguments hold these fields, then the object's XML (its `<name>` names it).
    Xml(&'static [Field]),
    /// The reply is the object's handle (a lookup).
    Reply(&'static [Field], usize),
    /// Not known before the driver reads a file or a stream.
    Unknown,
}

/// Where `info`'s call names an object of type `kind`.
pub(crate) fn locate(info: &ProcedureInfo, kind: &str) -> Locate {
    if kind == "connect" {
        return Locate::Connect;
    }
    let (Some(prefix), Some(h)) = (prefix(kind), handle(kind)) else {
        return Locate::Unknown;
    };
    let n = info.name;
    if !n.starts_with(prefix) {
        return Locate::Unknown;
    }
    if n.starts_with("DOMAIN_RESTORE")
        || n.starts_with("DOMAIN_MIGRATE_PREPARE")
        || n == "DOMAIN_SAVE_IMAGE_GET_XML_DESC"
        || (info.program == oxvirt_proto::procedures::Program::Qemu && n == "DOMAIN_ATTACH")
    {
        return Locate::Unknown;
    }
    if n == "STORAGE_VOL_LOOKUP_BY_NAME" {
        return Locate::Args(&[Str, Uuid, Str], 2);
    }
    if n.ends_with("_LOOKUP_BY_NAME") && n[prefix.len()..].starts_with("LOOKUP") {
        return Locate::Args(&[Str], 0);
    }
    if n[prefix.len()..].starts_with("LOOKUP_") || n == "NODE_DEVICE_LOOKUP_SCSI_HOST_BY_WWN" {
        return Locate::Reply(h.0, h.1);
    }
    let rest = &n[prefix.len()..];
    if rest.starts_with("DEFINE_XML") || rest.starts_with("CREATE_XML") {
        return match kind {
            "storage_vol" => Locate::Xml(&[Str, Uuid]),
            "secret" | "nwfilter_binding" => Locate::Unknown,
            "network_port" => Locate::Args(h.0, h.1),
            _ => Locate::Xml(&[]),
        };
    }
    if n == "DOMAIN_SAVE_IMAGE_DEFINE_XML" {
        return Locate::Xml(&[Str]);
    }
    if kind == "network" && n.starts_with("NETWORK_PORT_") {
        return Locate::Args(&[Str, Uuid], 0);
    }
    Locate::Args(h.0, h.1)
}

/// Walk `fields` from `pos`: the position after them and the value of field `want` as text
/// (a UUID in its usual form).
pub(crate) fn walk(
    buf: &[u8],
    mut pos: usize,
    fields: &[Field],
    want: Option<usize>,
) -> Option<(usize, Option<String>)> {
    let mut found = None;
    for (i, f) in fields.iter().enumerate() {
        let (end, text) = field(buf, pos, *f)?;
        if want == Some(i) {
            found = Some(text);
        }
        pos = end;
    }
    Some((pos, found))
}

/// One field at `pos`: its end and its value as text.
pub(crate) fn field(buf: &[u8], pos: usize, f: Field) -> Option<(usize, String)> {
    match f {
        Field::Int => Some((
            pos.checked_add(4).filter(|&e| e <= buf.len())?,
            String::new(),
        )),
        Field::Uuid => {
            let b = buf.get(pos..pos.checked_add(16)?)?;
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            let text = format!(
                "{}-{}-{}-{}-{}",
                &hex[0..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..32]
            );
            Some((pos + 16, text))
        }
        Field::Str => {
            let len = u32::from_be_bytes(buf.get(pos..pos.checked_add(4)?)?.try_into().ok()?);
            let len = usize::try_from(len).ok()?;
            let start = pos + 4;
            let bytes = buf.get(start..start.checked_add(len)?)?;
            let padded = start + len.div_ceil(4) * 4;
            if padded > buf.len() {
                return None;
            }
            Some((padded, String::from_utf8_lossy(bytes).into_owned()))
        }
    }
}

/// The `<name>` of an object's XML (the root element's child).
pub(crate) fn xml_name(xml: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    let name = doc
        .root_element()
        .children()
        .find(|c| c.has_tag_name("name"))?;
    Some(name.text().unwrap_or_default().trim().to_owned())
}

/// The name of the object of kind `kind` a call's arguments name, where [`locate`] says.
pub(crate) fn name_in_args(body: &[u8], at: Locate) -> Option<String> {
    match at {
        Locate::Args(fields, i) => walk(body, 0, fields, Some(i))?.1,
        Locate::Xml(before) => {
            let (pos, _) = walk(body, 0, before, None)?;
            let (_, xml) = field(body, pos, Field::Str)?;
            xml_name(&xml)
        }
        Locate::Connect | Locate::Reply(..) | Locate::Unknown => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxvirt_proto::procedures::{remote_proc as rp, remote_procedure};

    fn at(p: i32, kind: &str) -> Locate {
        locate(remote_procedure(p).unwrap(), kind)
    }

    #[test]
    fn where_objects_are() {
        assert_eq!(
            at(rp::DOMAIN_CREATE, "domain"),
            Locate::Args(&[Str, Uuid, Int], 0)
        );
        assert_eq!(
            at(rp::DOMAIN_LOOKUP_BY_NAME, "domain"),
            Locate::Args(&[Str], 0)
        );
        assert_eq!(
            at(rp::DOMAIN_LOOKUP_BY_UUID, "domain"),
            Locate::Reply(&[Str, Uuid, Int], 0)
        );
        assert_eq!(at(rp::DOMAIN_DEFINE_XML_FLAGS, "domain"), Locate::Xml(&[]));
        assert_eq!(at(rp::DOMAIN_RESTORE_FLAGS, "domain"), Locate::Unknown);
        assert_eq!(at(rp::NETWORK_CREATE_XML, "network"), Locate::Xml(&[]));
        assert_eq!(
            at(rp::NETWORK_PORT_CREATE_XML, "network_port"),
            Locate::Args(&[Str, Uuid, Uuid], 0)
        );
        assert_eq!(
            at(rp::STORAGE_VOL_LOOKUP_BY_NAME, "storage_vol"),
            Locate::Args(&[Str, Uuid, Str], 2)
        );
        assert_eq!(
            at(rp::STORAGE_VOL_CREATE_XML, "storage_vol"),
            Locate::Xml(&[Str, Uuid])
        );
        assert_eq!(at(rp::CONNECT_LIST_ALL_DOMAINS, "connect"), Locate::Connect);
        assert_eq!(
            at(rp::DOMAIN_SNAPSHOT_LOOKUP_BY_NAME, "domain"),
            Locate::Args(&[Str, Uuid, Int], 0)
        );
    }

    #[test]
    fn names_from_bodies() {
        let dom = oxvirt_proto::types::NonnullDomain {
            name: "web-1".into(),
            uuid: [0xab; 16],
            id: 3,
        };
        let mut body = oxvirt_xdr::to_bytes(&dom).unwrap();
        body.extend(7u32.to_be_bytes());
        assert_eq!(
            name_in_args(&body, Locate::Args(&[Str, Uuid, Int], 0)).as_deref(),
            Some("web-1")
        );
        let xml = "<domain type='qemu'><name> db-2 </name></domain>".to_owned();
        let mut body = oxvirt_xdr::to_bytes(&xml).unwrap();
        body.extend(0u32.to_be_bytes());
        assert_eq!(
            name_in_args(&body, Locate::Xml(&[])).as_deref(),
            Some("db-2")
        );
        assert_eq!(
            name_in_args(&[0, 0, 0, 9, 1], Locate::Args(&[Str], 0)),
            None
        );
        let (_, u) = field(&[0x11; 16], 0, Uuid).unwrap();
        assert_eq!(u, "11111111-1111-1111-1111-111111111111");
    }
}
