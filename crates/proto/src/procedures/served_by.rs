//! Which daemon serves a procedure: the connection envelope itself, or one of libvirt's
//! modular driver daemons (virtqemud, virtnetworkd, virtstoraged, ...). Every oxvirt daemon,
//! the client library and the proxy read the same answer from the procedure table.

use super::{ProcedureInfo, Program};

/// The daemon a call belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServedBy {
    /// The connection envelope every daemon answers alike (AUTH_*, CONNECT_OPEN/CLOSE,
    /// SUPPORTS_FEATURE, GET_URI, IS_SECURE, close callbacks, SET_IDENTITY).
    Connection,
    /// The hypervisor driver (virtqemud; `oxvirt-qemud`): domains and the host they run on.
    Qemu,
    /// Virtual networks and their ports (virtnetworkd).
    Network,
    /// Storage pools and volumes (virtstoraged).
    Storage,
    /// Host devices (virtnodedevd).
    NodeDev,
    /// Secrets (virtsecretd).
    Secret,
    /// Network filters and their bindings (virtnwfilterd).
    NwFilter,
    /// Host interfaces (virtinterfaced).
    Interface,
    /// The ADMIN program, on every daemon's admin socket.
    Admin,
}

/// REMOTE procedures of the envelope (see [`ServedBy::Connection`]).
const CONNECTION: &[&str] = &[
    "CONNECT_OPEN",
    "CONNECT_CLOSE",
    "CONNECT_SUPPORTS_FEATURE",
    "CONNECT_GET_URI",
    "CONNECT_IS_SECURE",
    "CONNECT_REGISTER_CLOSE_CALLBACK",
    "CONNECT_UNREGISTER_CLOSE_CALLBACK",
    "CONNECT_SET_IDENTITY",
    "CONNECT_EVENT_CONNECTION_CLOSED",
];

impl ProcedureInfo {
    /// The daemon that serves this procedure. The LXC program's one call goes to the
    /// hypervisor driver of the connection (which answers it as libvirt's QEMU driver does).
    pub fn served_by(&self) -> ServedBy {
        match self.program {
            Program::Admin => return ServedBy::Admin,
            Program::Qemu | Program::Lxc => return ServedBy::Qemu,
            Program::Remote => {}
        }
        let n = self.name;
        if n.starts_with("AUTH_") || CONNECTION.contains(&n) {
            return ServedBy::Connection;
        }
        if n.starts_with("DOMAIN_") || n.contains("_DOMAIN") {
            return ServedBy::Qemu;
        }
        // by the object the name is about, most specific first
        const BY_WORD: &[(&str, ServedBy)] = &[
            ("NWFILTER", ServedBy::NwFilter),
            ("NETWORK", ServedBy::Network),
            ("STORAGE", ServedBy::Storage),
            ("NODE_DEVICE", ServedBy::NodeDev),
            ("NODE_NUM_OF_DEVICES", ServedBy::NodeDev),
            ("NODE_LIST_DEVICES", ServedBy::NodeDev),
            ("SECRET", ServedBy::Secret),
            ("INTERFACE", ServedBy::Interface),
        ];
        BY_WORD
            .iter()
            .find(|(word, _)| n.contains(word))
            .map_or(ServedBy::Qemu, |&(_, s)| s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procedures::{by_name, REMOTE_PROCEDURES};

    fn served(name: &str) -> ServedBy {
        by_name(Program::Remote, name)
            .map(ProcedureInfo::served_by)
            .expect(name)
    }

    #[test]
    fn examples() {
        assert_eq!(served("CONNECT_OPEN"), ServedBy::Connection);
        assert_eq!(served("AUTH_LIST"), ServedBy::Connection);
        assert_eq!(served("NODE_GET_INFO"), ServedBy::Qemu);
        assert_eq!(served("CONNECT_GET_CAPABILITIES"), ServedBy::Qemu);
        assert_eq!(served("CONNECT_LIST_ALL_DOMAINS"), ServedBy::Qemu);
        assert_eq!(served("DOMAIN_INTERFACE_ADDRESSES"), ServedBy::Qemu);
        assert_eq!(
            served("CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY"),
            ServedBy::Qemu
        );
        assert_eq!(served("CONNECT_LIST_ALL_NETWORKS"), ServedBy::Network);
        assert_eq!(served("NETWORK_PORT_CREATE_XML"), ServedBy::Network);
        assert_eq!(
            served("CONNECT_NETWORK_EVENT_REGISTER_ANY"),
            ServedBy::Network
        );
        assert_eq!(
            served("CONNECT_FIND_STORAGE_POOL_SOURCES"),
            ServedBy::Storage
        );
        assert_eq!(served("STORAGE_VOL_UPLOAD"), ServedBy::Storage);
        assert_eq!(served("NODE_NUM_OF_DEVICES"), ServedBy::NodeDev);
        assert_eq!(served("NODE_DEVICE_CREATE_XML"), ServedBy::NodeDev);
        assert_eq!(served("SECRET_SET_VALUE"), ServedBy::Secret);
        assert_eq!(served("NWFILTER_BINDING_CREATE_XML"), ServedBy::NwFilter);
        assert_eq!(served("CONNECT_LIST_ALL_NWFILTERS"), ServedBy::NwFilter);
        assert_eq!(served("INTERFACE_CHANGE_BEGIN"), ServedBy::Interface);
        assert_eq!(served("CONNECT_LIST_ALL_INTERFACES"), ServedBy::Interface);
        let admin = crate::procedures::ADMIN_PROCEDURES
            .first()
            .map(ProcedureInfo::served_by);
        assert_eq!(admin, Some(ServedBy::Admin));
    }

    /// The name-based answer agrees with the ACL object of every procedure about one object.
    #[test]
    fn agrees_with_acl_objects() {
        for info in REMOTE_PROCEDURES {
            let Some(p) = info.acl.first() else { continue };
            let want = match p.object {
                "domain" => ServedBy::Qemu,
                "network" | "network_port" => ServedBy::Network,
                "storage_pool" | "storage_vol" => ServedBy::Storage,
                "node_device" => ServedBy::NodeDev,
                "secret" => ServedBy::Secret,
                "nwfilter" | "nwfilter_binding" => ServedBy::NwFilter,
                "interface" => ServedBy::Interface,
                "connect" => match p.perm {
                    "search_domains" => ServedBy::Qemu,
                    "search_networks" => ServedBy::Network,
                    "search_storage_pools" | "detect_storage_pools" => ServedBy::Storage,
                    "search_node_devices" => ServedBy::NodeDev,
                    "search_secrets" => ServedBy::Secret,
                    "search_nwfilters" | "search_nwfilter_bindings" => ServedBy::NwFilter,
                    "search_interfaces" | "interface_transaction" => ServedBy::Interface,
                    _ => continue,
                },
                _ => continue,
            };
            assert_eq!(info.served_by(), want, "{}", info.name);
        }
    }
}
