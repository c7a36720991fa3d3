//! [`Network`]: a handle on one virtual network, and its calls (`virNetwork*`). A connection to
//! a hypervisor daemon reaches its network driver as libvirt's clients do (oxvirt-qemud passes
//! network calls on to oxvirt-networkd of its root; libvirtd serves them itself).

use std::fmt;

use oxvirt_proto::message::STRING_MAX;
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{IntRet, StringRet};
use oxvirt_proto::types::{NonnullNetwork, Uuid};
use oxvirt_xdr::{Decode, Encode};

use crate::domain::{format_uuid, parse_uuid};
use crate::{Connection, Result};

/// Flags of [`Connection::list_networks`] (`virConnectListAllNetworksFlags`); 0 lists all.
pub mod list_flags {
    pub const INACTIVE: u32 = 1;
    pub const ACTIVE: u32 = 2;
    pub const PERSISTENT: u32 = 4;
    pub const TRANSIENT: u32 = 8;
    pub const AUTOSTART: u32 = 16;
    pub const NO_AUTOSTART: u32 = 32;
}

/// `VIR_NETWORK_XML_INACTIVE` for [`Network::xml`].
pub const XML_INACTIVE: u32 = 1;

#[derive(Debug, Clone, Encode, Decode)]
struct NetArgs {
    net: NonnullNetwork,
}

#[derive(Debug, Clone, Encode, Decode)]
struct NetRet {
    net: NonnullNetwork,
}

#[derive(Debug, Clone, Encode, Decode)]
struct NameArgs {
    #[xdr(max = STRING_MAX)]
    name: String,
}

#[derive(Debug, Clone, Encode, Decode)]
struct UuidArgs {
    #[xdr(opaque)]
    uuid: Uuid,
}

#[derive(Debug, Clone, Encode, Decode)]
struct XmlArgs {
    #[xdr(max = STRING_MAX)]
    xml: String,
}

#[derive(Debug, Clone, Encode, Decode)]
struct XmlDescArgs {
    net: NonnullNetwork,
    flags: u32,
}

#[derive(Debug, Clone, Encode, Decode)]
struct ListAllArgs {
    need_results: i32,
    flags: u32,
}

#[derive(Debug, Clone, Encode, Decode)]
struct ListAllRet {
    #[xdr(max = 16384)]
    nets: Vec<NonnullNetwork>,
    ret: u32,
}

#[derive(Debug, Clone, Encode, Decode)]
struct LeasesArgs {
    net: NonnullNetwork,
    #[xdr(max = STRING_MAX)]
    mac: Option<String>,
    need_results: i32,
    flags: u32,
}

/// `remote_network_dhcp_lease`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DhcpLease {
    /// The network's bridge.
    #[xdr(max = STRING_MAX)]
    pub iface: String,
    /// When the lease ends (seconds since the epoch).
    pub expirytime: i64,
    /// 0: IPv4, 1: IPv6.
    pub addr_type: i32,
    #[xdr(max = STRING_MAX)]
    pub mac: Option<String>,
    #[xdr(max = STRING_MAX)]
    pub iaid: Option<String>,
    #[xdr(max = STRING_MAX)]
    pub ipaddr: String,
    pub prefix: u32,
    #[xdr(max = STRING_MAX)]
    pub hostname: Option<String>,
    #[xdr(max = STRING_MAX)]
    pub clientid: Option<String>,
}

#[derive(Debug, Clone, Encode, Decode)]
struct LeasesRet {
    #[xdr(max = 65536)]
    leases: Vec<DhcpLease>,
    ret: u32,
}

/// A network of a [`Connection`]. Cheap to clone; the server finds it by UUID.
#[derive(Debug, Clone)]
pub struct Network {
    conn: Connection,
    handle: NonnullNetwork,
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.handle.name)
    }
}

impl Connection {
    fn network(&self, handle: NonnullNetwork) -> Network {
        Network {
            conn: self.clone(),
            handle,
        }
    }

    /// The networks `flags` select ([`list_flags`]; 0: all), by name.
    pub async fn list_networks(&self, flags: u32) -> Result<Vec<Network>> {
        let r: ListAllRet = self
            .call(
                rp::CONNECT_LIST_ALL_NETWORKS,
                &ListAllArgs {
                    need_results: 1,
                    flags,
                },
            )
            .await?;
        let mut nets: Vec<Network> = r.nets.into_iter().map(|h| self.network(h)).collect();
        nets.sort_by(|a, b| a.name().cmp(b.name()));
        Ok(nets)
    }

    /// The network named `name`.
    pub async fn network_by_name(&self, name: &str) -> Result<Network> {
        let r: NetRet = self
            .call(
                rp::NETWORK_LOOKUP_BY_NAME,
                &NameArgs {
                    name: name.to_owned(),
                },
            )
            .await?;
        Ok(self.network(r.net))
    }

    /// A network by UUID (`what` parses as one) or else by name, as virsh looks it up.
    pub async fn lookup_network(&self, what: &str) -> Result<Network> {
        if let Some(uuid) = parse_uuid(what) {
            let r: Result<NetRet> = self
                .call(rp::NETWORK_LOOKUP_BY_UUID, &UuidArgs { uuid })
                .await;
            if let Ok(r) = r {
                return Ok(self.network(r.net));
            }
        }
        self.network_by_name(what).await
    }

    /// Define (or redefine) a persistent network.
    pub async fn define_network_xml(&self, xml: &str) -> Result<Network> {
        let r: NetRet = self
            .call(
                rp::NETWORK_DEFINE_XML,
                &XmlArgs {
                    xml: xml.to_owned(),
                },
            )
            .await?;
        Ok(self.network(r.net))
    }
}

impl Network {
    pub fn name(&self) -> &str {
        &self.handle.name
    }

    pub fn uuid(&self) -> Uuid {
        self.handle.uuid
    }

    pub fn uuid_string(&self) -> String {
        format_uuid(&self.handle.uuid)
    }

    fn args(&self) -> NetArgs {
        NetArgs {
            net: self.handle.clone(),
        }
    }

    /// Start it (`virNetworkCreate`).
    pub async fn start(&self) -> Result<()> {
        self.conn.call(rp::NETWORK_CREATE, &self.args()).await
    }

    /// Stop it (`virNetworkDestroy`); a transient network is gone then.
    pub async fn destroy(&self) -> Result<()> {
        self.conn.call(rp::NETWORK_DESTROY, &self.args()).await
    }

    /// Remove its persistent definition.
    pub async fn undefine(&self) -> Result<()> {
        self.conn.call(rp::NETWORK_UNDEFINE, &self.args()).await
    }

    /// Its XML (`flags`: [`XML_INACTIVE`] for the persistent definition).
    pub async fn xml(&self, flags: u32) -> Result<String> {
        let r: StringRet = self
            .conn
            .call(
                rp::NETWORK_GET_XML_DESC,
                &XmlDescArgs {
                    net: self.handle.clone(),
                    flags,
                },
            )
            .await?;
        Ok(r.value)
    }

    pub async fn is_active(&self) -> Result<bool> {
        let r: IntRet = self.conn.call(rp::NETWORK_IS_ACTIVE, &self.args()).await?;
        Ok(r.value != 0)
    }

    pub async fn is_persistent(&self) -> Result<bool> {
        let r: IntRet = self
            .conn
            .call(rp::NETWORK_IS_PERSISTENT, &self.args())
            .await?;
        Ok(r.value != 0)
    }

    pub async fn autostart(&self) -> Result<bool> {
        let r: IntRet = self
            .conn
            .call(rp::NETWORK_GET_AUTOSTART, &self.args())
            .await?;
        Ok(r.value != 0)
    }

    /// Its bridge device.
    pub async fn bridge_name(&self) -> Result<String> {
        let r: StringRet = self
            .conn
            .call(rp::NETWORK_GET_BRIDGE_NAME, &self.args())
            .await?;
        Ok(r.value)
    }

    /// Its DHCP leases (only those of `mac` when given).
    pub async fn dhcp_leases(&self, mac: Option<&str>) -> Result<Vec<DhcpLease>> {
        let r: LeasesRet = self
            .conn
            .call(
                rp::NETWORK_GET_DHCP_LEASES,
                &LeasesArgs {
                    net: self.handle.clone(),
                    mac: mac.map(str::to_owned),
                    need_results: 1,
                    flags: 0,
                },
            )
            .await?;
        Ok(r.leases)
    }
}
