//! Names of stored objects, checked before anything touches disk.
//!
//! Every driver keeps an object's files under names made from the object's name: a domain's
//! `etc/qemu/NAME.xml`, `etc/qemu/autostart/NAME`, `run/qemu/NAME/`, `log/qemu/NAME.log`;
//! later a network's `etc/network/NAME.xml`, a pool's, a volume's file in its pool directory,
//! a snapshot's `NAME.xml` under its domain's directory. A name is therefore never allowed to
//! be anything but one ordinary path component: [`check_name`] is the one check every object
//! kind uses (domains today; networks, pools, volumes, snapshots, checkpoints, secrets and
//! network filters when their daemons land), called by the parser of the object's document,
//! so a refused name never reaches a path.
//!
//! What is refused, and how libvirt 9.0 reports it (observed on its QEMU driver):
//!
//! - `/`: for domains, pools and volumes libvirt reports `VIR_ERR_XML_ERROR` from the domain
//!   code, "XML error: name N cannot contain '/'"; networks (and the other kinds) use the
//!   generic check below, "invalid char in name: /" (`VIR_ERR_XML_DETAIL`, `VIR_FROM_XML`).
//! - a newline (names are printed in logs and lists, one per line): "invalid char in name: \n"
//!   (`VIR_ERR_XML_DETAIL`, `VIR_FROM_XML`), as libvirt's `virXMLCheckIllegalChars`.
//! - `.` and `..`: libvirt 9.0 has no check and fails later with a system error from whatever
//!   directory operation trips on it first (for a domain: "Cannot delete directory
//!   '/var/lib/libvirt/qemu/checkpoint/.'"), after touching the disk. oxvirt refuses them up
//!   front with the same code as the `/` check (`VIR_ERR_XML_ERROR`), since they are refused
//!   for the same reason.
//! - longer than [`MAX_NAME_LEN`] bytes: libvirt fails on save ("Failed to create file ...:
//!   File name too long", a system error) once the name does not fit a file name; oxvirt
//!   refuses it before, with `VIR_ERR_XML_ERROR`, at a length that leaves room for every file
//!   name a driver derives from it (`NAME.xml`, `NAME.log.N`, temporary files).

use crate::ConfError;

/// The longest name (in bytes) any object may have: a file name holds 255 bytes, and the
/// longest one made from a name adds a few (`NAME.xml`, `NAME.log.9`, `NAME.xml.new`).
/// libvirt 9.0 itself saves a domain named with 240 bytes and fails from 248.
pub const MAX_NAME_LEN: usize = 240;

/// The kinds of stored objects whose names become file names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// A domain.
    Domain,
    /// A virtual network.
    Network,
    /// A storage pool.
    StoragePool,
    /// A storage volume.
    StorageVolume,
    /// A domain snapshot.
    Snapshot,
    /// A domain checkpoint.
    Checkpoint,
    /// A network filter.
    NwFilter,
}

impl ObjectKind {
    /// Whether libvirt reports a `/` in this kind's name with its own "cannot contain '/'"
    /// message (rather than the generic invalid-character one).
    fn slash_message(self) -> bool {
        matches!(
            self,
            ObjectKind::Domain | ObjectKind::StoragePool | ObjectKind::StorageVolume
        )
    }
}

/// Check that `name` can be an object's name: a single path component, no newline, not `.`
/// or `..`, at most [`MAX_NAME_LEN`] bytes. An empty name is the caller's `NoName` error
/// (each document reports it its own way), but is refused here too.
pub fn check_name(kind: ObjectKind, name: &str) -> Result<(), ConfError> {
    if name.is_empty() {
        return Err(ConfError::NoName);
    }
    if name.contains('/') {
        return Err(if kind.slash_message() {
            ConfError::Xml(format!("name {name} cannot contain '/'"))
        } else {
            ConfError::IllegalChar {
                what: "name".into(),
                ch: '/',
            }
        });
    }
    if name.contains('\n') {
        return Err(ConfError::IllegalChar {
            what: "name".into(),
            ch: '\n',
        });
    }
    if name == "." || name == ".." {
        return Err(ConfError::Xml(format!("name '{name}' is not allowed")));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(ConfError::Xml(format!(
            "name is too long ({} bytes, at most {MAX_NAME_LEN})",
            name.len()
        )));
    }
    Ok(())
}

/// Whether `name` passes [`check_name`] (for code that finds names on disk and skips bad ones).
pub fn is_valid_name(name: &str) -> bool {
    check_name(ObjectKind::Domain, name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxvirt_proto::errors::{ErrorCode, ErrorDomain};
    use oxvirt_proto::ToVirError;

    const KINDS: [ObjectKind; 7] = [
        ObjectKind::Domain,
        ObjectKind::Network,
        ObjectKind::StoragePool,
        ObjectKind::StorageVolume,
        ObjectKind::Snapshot,
        ObjectKind::Checkpoint,
        ObjectKind::NwFilter,
    ];

    #[test]
    fn every_kind_refuses_names_that_are_not_one_path_component() {
        let long = "x".repeat(MAX_NAME_LEN + 1);
        for kind in KINDS {
            for bad in [
                "",
                ".",
                "..",
                "a/b",
                "/",
                "../x",
                "a\nb",
                "\n",
                long.as_str(),
            ] {
                assert!(check_name(kind, bad).is_err(), "{kind:?} accepted {bad:?}");
            }
            let max = "y".repeat(MAX_NAME_LEN);
            for good in [
                "a",
                "web-1",
                "a b",
                "a\tb",
                " . ",
                "...",
                ".x",
                "é",
                max.as_str(),
            ] {
                assert!(check_name(kind, good).is_ok(), "{kind:?} refused {good:?}");
            }
        }
    }

    #[test]
    fn domain_errors_are_libvirts() {
        let e = check_name(ObjectKind::Domain, "a/b")
            .unwrap_err()
            .to_vir_error();
        assert_eq!(e.code, ErrorCode::XmlError as i32);
        assert_eq!(e.domain, ErrorDomain::Domain as i32);
        assert_eq!(e.message, "XML error: name a/b cannot contain '/'");
        // the '/' check comes first, as libvirt's
        let e = check_name(ObjectKind::Domain, "a/\nb").unwrap_err();
        assert_eq!(e.code(), ErrorCode::XmlError as i32);
        let e = check_name(ObjectKind::Domain, "a\nb")
            .unwrap_err()
            .to_vir_error();
        assert_eq!(e.code, ErrorCode::XmlDetail as i32);
        assert_eq!(e.domain, ErrorDomain::Xml as i32);
        assert_eq!(e.message, "invalid char in name: \n");
        for n in [".", ".."] {
            let e = check_name(ObjectKind::Domain, n).unwrap_err();
            assert_eq!(e.code(), ErrorCode::XmlError as i32);
        }
    }

    #[test]
    fn networks_report_a_slash_as_an_invalid_char() {
        let e = check_name(ObjectKind::Network, "a/b")
            .unwrap_err()
            .to_vir_error();
        assert_eq!(e.code, ErrorCode::XmlDetail as i32);
        assert_eq!(e.domain, ErrorDomain::Xml as i32);
        assert_eq!(e.message, "invalid char in name: /");
        let e = check_name(ObjectKind::StorageVolume, "a/b").unwrap_err();
        assert_eq!(e.code(), ErrorCode::XmlError as i32);
        let e = check_name(ObjectKind::Snapshot, "..").unwrap_err();
        assert_eq!(e.code(), ErrorCode::XmlError as i32);
    }

    #[test]
    fn length_is_counted_in_bytes() {
        // 121 two-byte characters: 242 bytes
        assert!(check_name(ObjectKind::Domain, &"é".repeat(121)).is_err());
        assert!(check_name(ObjectKind::Domain, &"é".repeat(120)).is_ok());
        assert!(is_valid_name("ok") && !is_valid_name(".."));
    }
}
