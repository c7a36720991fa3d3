//! The `<pool>` document (`virStoragePoolDef`).

use super::common::{attr_at, bad_attr, child, children, sanitize_path, string, yes_no, Perms};
use super::{Result, StorageConfError};
use crate::xml::Writer;
use roxmltree::Node;

/// What a pool type's `<source>` holds (libvirt's `VIR_STORAGE_POOL_SOURCE_*` flags).
pub(crate) const SRC_HOST: u32 = 1;
pub(crate) const SRC_DEVICE: u32 = 2;
pub(crate) const SRC_DIR: u32 = 4;
pub(crate) const SRC_ADAPTER: u32 = 8;
pub(crate) const SRC_NAME: u32 = 16;
pub(crate) const SRC_INITIATOR_IQN: u32 = 32;
pub(crate) const SRC_NETWORK: u32 = 64;

const FS_FORMATS: &[&str] = &[
    "auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat", "hfs+", "xfs",
    "ocfs2", "vmfs",
];
const NETFS_FORMATS: &[&str] = &["auto", "nfs", "glusterfs", "cifs"];
const DISK_FORMATS: &[&str] = &[
    "unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2",
];
const LOGICAL_FORMATS: &[&str] = &["unknown", "lvm2"];

/// `virStoragePoolType`, in libvirt's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PoolType {
    /// `dir`: a directory of files.
    Dir,
    /// `fs`: a file system on a block device, mounted.
    Fs,
    /// `netfs`: a network file system, mounted.
    Netfs,
    /// `logical`: an LVM volume group.
    Logical,
    /// `disk`: a partitioned disk.
    Disk,
    /// `iscsi`: an iSCSI target's LUNs.
    Iscsi,
    /// `iscsi-direct`: an iSCSI target through libiscsi.
    IscsiDirect,
    /// `scsi`: a SCSI host adapter's LUNs.
    Scsi,
    /// `mpath`: multipath devices.
    Mpath,
    /// `rbd`: a Ceph RBD pool.
    Rbd,
    /// `sheepdog`: a Sheepdog cluster.
    Sheepdog,
    /// `gluster`: a Gluster volume.
    Gluster,
    /// `zfs`: a ZFS pool.
    Zfs,
    /// `vstorage`: a Virtuozzo storage cluster.
    Vstorage,
}

impl PoolType {
    /// Every pool type, in libvirt's order.
    pub const ALL: [PoolType; 14] = [
        PoolType::Dir,
        PoolType::Fs,
        PoolType::Netfs,
        PoolType::Logical,
        PoolType::Disk,
        PoolType::Iscsi,
        PoolType::IscsiDirect,
        PoolType::Scsi,
        PoolType::Mpath,
        PoolType::Rbd,
        PoolType::Sheepdog,
        PoolType::Gluster,
        PoolType::Zfs,
        PoolType::Vstorage,
    ];

    /// The `type` attribute's value.
    pub fn as_str(self) -> &'static str {
        match self {
            PoolType::Dir => "dir",
            PoolType::Fs => "fs",
            PoolType::Netfs => "netfs",
            PoolType::Logical => "logical",
            PoolType::Disk => "disk",
            PoolType::Iscsi => "iscsi",
            PoolType::IscsiDirect => "iscsi-direct",
            PoolType::Scsi => "scsi",
            PoolType::Mpath => "mpath",
            PoolType::Rbd => "rbd",
            PoolType::Sheepdog => "sheepdog",
            PoolType::Gluster => "gluster",
            PoolType::Zfs => "zfs",
            PoolType::Vstorage => "vstorage",
        }
    }

    /// The pool type a `type` attribute names.
    pub fn from_name(s: &str) -> Option<PoolType> {
        PoolType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The `<source>` parts this type uses (`poolTypeInfo[].poolOptions.flags`).
    pub(crate) fn source_flags(self) -> u32 {
        match self {
            PoolType::Logical | PoolType::Zfs => SRC_NAME | SRC_DEVICE,
            PoolType::Dir | PoolType::Mpath => 0,
            PoolType::Fs | PoolType::Disk => SRC_DEVICE,
            PoolType::Netfs => SRC_HOST | SRC_DIR,
            PoolType::Iscsi => SRC_HOST | SRC_DEVICE | SRC_INITIATOR_IQN,
            PoolType::IscsiDirect => SRC_HOST | SRC_DEVICE | SRC_NETWORK | SRC_INITIATOR_IQN,
            PoolType::Scsi => SRC_ADAPTER,
            PoolType::Rbd | PoolType::Sheepdog => SRC_HOST | SRC_NETWORK | SRC_NAME,
            PoolType::Gluster => SRC_HOST | SRC_NETWORK | SRC_NAME | SRC_DIR,
            PoolType::Vstorage => SRC_NAME,
        }
    }

    /// The `<source><format>` values and the default, for the types that have them.
    pub fn source_formats(self) -> Option<(&'static [&'static str], &'static str)> {
        match self {
            PoolType::Fs => Some((FS_FORMATS, "auto")),
            PoolType::Netfs => Some((NETFS_FORMATS, "auto")),
            PoolType::Disk => Some((DISK_FORMATS, "unknown")),
            PoolType::Logical => Some((LOGICAL_FORMATS, "lvm2")),
            _ => None,
        }
    }

    /// Whether the pool has a `<target>` (network pools do not).
    pub fn has_target(self) -> bool {
        !matches!(
            self,
            PoolType::Rbd | PoolType::Sheepdog | PoolType::Gluster | PoolType::IscsiDirect
        )
    }
}

/// `<host name= port=>`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceHost {
    /// `name`: the host name or address.
    pub name: String,
    /// `port`: its port, if given.
    pub port: Option<i32>,
}

/// `<device path= part_separator=>` with the free extents a disk backend found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDevice {
    /// `path`: the device's path.
    pub path: String,
    /// `part_separator`: whether partition names put a `p` before the number.
    pub part_separator: Option<bool>,
    /// `<freeExtent start end>`: free byte ranges on the device (disk pools).
    pub free_extents: Vec<(u64, u64)>,
}

/// A secret named by `uuid=` or `usage=`, with its `type=` when given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// `<secret uuid>`.
    Uuid(String),
    /// `<secret usage>`.
    Usage(String),
}

/// `<auth type= username=><secret .../></auth>`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth {
    /// `chap` or `ceph`
    pub auth_type: String,
    /// `username`: the user to log in as.
    pub username: String,
    /// `type`: `chap` or `ceph`.
    pub secret_type: Option<String>,
    /// `<secret>`: the secret holding the password or key.
    pub secret: SecretRef,
}

/// `<parentaddr unique_id=><address .../></parentaddr>` of a `scsi_host` adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScsiHostParent {
    /// `<parentaddr unique_id>`: the SCSI host's unique id.
    pub unique_id: i32,
    /// PCI domain of the parent.
    pub domain: u32,
    /// PCI bus of the parent.
    pub bus: u32,
    /// PCI slot of the parent.
    pub slot: u32,
    /// PCI function of the parent.
    pub function: u32,
}

/// An `fc_host` adapter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FcHost {
    /// `parent`: the parent vHBA-capable HBA.
    pub parent: Option<String>,
    /// `parent_wwnn`: the parent's node name.
    pub parent_wwnn: Option<String>,
    /// `parent_wwpn`: the parent's port name.
    pub parent_wwpn: Option<String>,
    /// `parent_fabric_wwn`: the parent's fabric name.
    pub parent_fabric_wwn: Option<String>,
    /// `managed`: whether libvirt creates and removes the vHBA.
    pub managed: Option<bool>,
    /// `wwnn`: the vHBA's node name.
    pub wwnn: String,
    /// `wwpn`: the vHBA's port name.
    pub wwpn: String,
}

/// `<adapter>` of a `scsi` pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Adapter {
    /// `<adapter type='scsi_host' name>`.
    ScsiHostName(String),
    /// `<adapter type='scsi_host'><parentaddr>`.
    ScsiHostParent(ScsiHostParent),
    /// `<adapter type='fc_host'>`.
    FcHost(FcHost),
}

/// `<source>`
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolSource {
    /// `<host>`: the servers of a network pool.
    pub hosts: Vec<SourceHost>,
    /// `<device>`: the block devices of the pool.
    pub devices: Vec<SourceDevice>,
    /// `<dir path>`: the exported directory (netfs, gluster).
    pub dir: Option<String>,
    /// `<adapter>`: the SCSI host (scsi pools).
    pub adapter: Option<Adapter>,
    /// `<name>`: the source's name (volume group, RBD pool, ...).
    pub name: Option<String>,
    /// `<initiator><iqn name>`: the iSCSI initiator name.
    pub initiator_iqn: Option<String>,
    /// `<format type>`: the file system or partition table format.
    pub format: Option<&'static str>,
    /// `<auth>`: how to log in.
    pub auth: Option<Auth>,
    /// `<protocol ver>`: the NFS protocol version.
    pub protocol_ver: Option<u32>,
    /// `<vendor name>`.
    pub vendor: Option<String>,
    /// `<product name>`.
    pub product: Option<String>,
}

/// `<refresh><volume allocation=>`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshAllocation {
    /// `default`: each volume's allocation as its backend computes it.
    Default,
    /// `capacity`: each volume's allocation reported as its capacity.
    Capacity,
}

/// A storage pool definition (`virStoragePoolDef`), with the sizes a refresh found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    /// `type`: the pool's backend.
    pub pool_type: PoolType,
    /// `<name>`: the pool's name, unique on the host.
    pub name: String,
    /// `<uuid>`: its UUID (generated when not given).
    pub uuid: [u8; 16],
    /// `<capacity>`: its size, in bytes (live).
    pub capacity: u64,
    /// `<allocation>`: the bytes its volumes use (live).
    pub allocation: u64,
    /// `<available>`: the bytes free (live).
    pub available: u64,
    /// `<features><cow state=>`
    pub cow: Option<bool>,
    /// `<source>`: where the pool's storage is.
    pub source: PoolSource,
    /// `<target><path>` (sanitized), absent for network pools
    pub target_path: Option<String>,
    /// `<target><permissions>`: of the pool's directory.
    pub target_perms: Perms,
    /// `<refresh><volume allocation>`: how volume allocations are reported.
    pub refresh: Option<RefreshAllocation>,
}

/// Parse a `<pool>` document as `virStoragePoolDefParseString(xml, 0)` does.
pub fn parse_pool(xml: &str) -> Result<Pool> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| malformed(xml, &e, "pool"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "pool" {
        return Err(StorageConfError::XmlValue(format!(
            "expecting root element of 'pool', not '{}'",
            root.tag_name().name()
        )));
    }
    parse_pool_node(root)
}

/// libxml2's report of a document that is not well-formed, under the storage document's name.
pub(crate) fn malformed(xml: &str, e: &roxmltree::Error, what: &str) -> StorageConfError {
    let m = crate::libxml::malformed(xml, e);
    let text = m.to_string();
    let body = text.strip_prefix("(domain_definition)").unwrap_or(&text);
    StorageConfError::Malformed(format!("(storage_{what}_definition){body}"))
}

fn parse_pool_node(root: Node<'_, '_>) -> Result<Pool> {
    let pool_type = match root.attribute("type") {
        None => {
            return Err(StorageConfError::XmlValue(
                "Missing required attribute 'type' in element 'pool'".into(),
            ))
        }
        Some(t) => PoolType::from_name(t).ok_or_else(|| bad_attr(root, "type", t, ""))?,
    };
    let flags = pool_type.source_flags();
    let mut source = match child(root, "source") {
        Some(s) => parse_source(s, pool_type)?,
        None => PoolSource {
            format: pool_type.source_formats().map(|(_, d)| d),
            ..PoolSource::default()
        },
    };
    let mut name = string(root, "name");
    if name.is_none() && flags & SRC_NAME != 0 {
        name = source.name.clone();
    }
    let name =
        name.ok_or_else(|| StorageConfError::Xml("missing pool source name element".into()))?;
    if name.contains('/') {
        return Err(StorageConfError::Xml(format!(
            "name {name} cannot contain '/'"
        )));
    }
    let uuid = match string(root, "uuid") {
        None => crate::domain::random_uuid()
            .map_err(|_| StorageConfError::Internal("unable to generate uuid".into()))?,
        Some(u) => crate::domain::parse_uuid(&u)
            .ok_or_else(|| StorageConfError::Xml("malformed uuid element".into()))?,
    };
    let cow = match super::common::at(root, "features/cow") {
        Some(c) => yes_no(c, "state")?,
        None => None,
    };
    if cow.is_some() && !matches!(pool_type, PoolType::Fs | PoolType::Dir) {
        return Err(StorageConfError::NoSupport(
            "cow feature may only be used for 'fs' and 'dir' pools".into(),
        ));
    }
    if flags & SRC_HOST != 0 && source.hosts.is_empty() {
        return Err(StorageConfError::Xml(
            "missing storage pool source host name".into(),
        ));
    }
    if flags & SRC_DIR != 0 && source.dir.is_none() {
        return Err(StorageConfError::Xml(
            "missing storage pool source path".into(),
        ));
    }
    if flags & SRC_NAME != 0 && source.name.is_none() {
        source.name = Some(name.clone());
    }
    if flags & SRC_ADAPTER != 0 {
        validate_adapter(source.adapter.as_ref())?;
    }
    if flags == SRC_DEVICE && source.devices.is_empty() {
        return Err(StorageConfError::Xml(
            "missing storage pool source device name".into(),
        ));
    }
    let (target_path, target_perms) = if flags & SRC_NETWORK == 0 {
        let path = match pool_type {
            PoolType::Logical => format!("/dev/{}", source.name.as_deref().unwrap_or("")),
            PoolType::Zfs => format!("/dev/zvol/{}", source.name.as_deref().unwrap_or("")),
            _ => string(root, "target/path")
                .ok_or_else(|| StorageConfError::Xml("missing storage pool target path".into()))?,
        };
        let perms = Perms::parse(super::common::at(root, "target/permissions"))?;
        (Some(sanitize_path(&path)), perms)
    } else {
        (None, Perms::default())
    };
    if pool_type == PoolType::IscsiDirect && source.initiator_iqn.is_none() {
        return Err(StorageConfError::Unsupported(
            "missing initiator IQN".into(),
        ));
    }
    let refresh = match attr_at(root, "refresh/volume", "allocation") {
        None => None,
        Some(a) => Some(match a.as_str() {
            "default" => RefreshAllocation::Default,
            "capacity" => RefreshAllocation::Capacity,
            _ => {
                return Err(StorageConfError::Unsupported(format!(
                    "unknown storage pool volume refresh allocation type {a}"
                )))
            }
        }),
    };
    Ok(Pool {
        pool_type,
        name,
        uuid,
        capacity: 0,
        allocation: 0,
        available: 0,
        cow,
        source,
        target_path,
        target_perms,
        refresh,
    })
}

/// A `<source>` document on its own, as find-pool-sources takes it
/// (`virStoragePoolDefParseSourceString`).
pub fn parse_source_spec(xml: &str, pool_type: PoolType) -> Result<PoolSource> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| malformed(xml, &e, "pool"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "source" {
        return Err(StorageConfError::XmlValue(format!(
            "expecting root element of 'source', not '{}'",
            root.tag_name().name()
        )));
    }
    parse_source(root, pool_type)
}

/// `virStoragePoolDefParseSource`
fn parse_source(s: Node<'_, '_>, pool_type: PoolType) -> Result<PoolSource> {
    let mut src = PoolSource {
        name: string(s, "name"),
        ..PoolSource::default()
    };
    if pool_type == PoolType::Rbd && src.name.is_none() {
        return Err(StorageConfError::Xml(
            "element 'name' is mandatory for RBD pool".into(),
        ));
    }
    if let Some((formats, default)) = pool_type.source_formats() {
        src.format = Some(match attr_at(s, "format", "type") {
            None => default,
            Some(f) => formats.iter().copied().find(|x| *x == f).ok_or_else(|| {
                StorageConfError::Unsupported(format!("unknown pool format type {f}"))
            })?,
        });
    }
    for h in children(s, "host") {
        let name = h
            .attribute("name")
            .map(str::to_owned)
            .ok_or_else(|| StorageConfError::Xml("missing storage pool host name".into()))?;
        let port = match h.attribute("port") {
            None => None,
            Some(p) => Some(
                parse_int(p).ok_or_else(|| bad_attr(h, "port", p, " Expected integer value"))?,
            ),
        };
        src.hosts.push(SourceHost { name, port });
    }
    src.initiator_iqn = attr_at(s, "initiator/iqn", "name");
    for d in children(s, "device") {
        let path = d.attribute("path").map(str::to_owned).ok_or_else(|| {
            StorageConfError::Xml("missing storage pool source device path".into())
        })?;
        let part_separator = yes_no(d, "part_separator")?;
        src.devices.push(SourceDevice {
            path,
            part_separator,
            free_extents: Vec::new(),
        });
    }
    src.dir = attr_at(s, "dir", "path").map(|d| sanitize_path(&d));
    if src.dir.is_none() && pool_type == PoolType::Gluster {
        src.dir = Some("/".into());
    }
    if let Some(a) = child(s, "adapter") {
        src.adapter = parse_adapter(a)?;
    }
    if let Some(a) = child(s, "auth") {
        let auth = parse_auth(a)?;
        src.auth = Some(auth);
    }
    if let Some(ver) = attr_at(s, "protocol", "ver") {
        if !matches!(src.format, Some("nfs") | Some("auto")) {
            return Err(StorageConfError::Unsupported(format!(
                "storage pool protocol ver unsupported for pool type '{}'",
                src.format.unwrap_or("(null)")
            )));
        }
        let v = crate::domain::parse_u64(&ver)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| {
                StorageConfError::Xml(format!("storage pool protocol ver '{ver}' is malformed"))
            })?;
        src.protocol_ver = Some(v);
    }
    src.vendor = attr_at(s, "vendor", "name");
    src.product = attr_at(s, "product", "name");
    Ok(src)
}

/// `virXMLPropInt(.., 10, ..)`: a decimal `int`.
fn parse_int(s: &str) -> Option<i32> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r']);
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    if body.is_empty() || !body.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// `virStorageAuthDefParse` with the pool's check that a type is given.
fn parse_auth(a: Node<'_, '_>) -> Result<Auth> {
    let username = a
        .attribute("username")
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| StorageConfError::Xml("missing username for auth".into()))?;
    let auth_type = match a.attribute("type").filter(|t| !t.is_empty()) {
        None => None,
        Some(t @ ("none" | "chap" | "ceph")) => Some(t),
        Some(t) => {
            return Err(StorageConfError::Unsupported(format!(
                "unknown auth type '{t}'"
            )))
        }
    };
    let secret = child(a, "secret")
        .ok_or_else(|| StorageConfError::Xml("Missing <secret> element in auth".into()))?;
    let secret_type = secret.attribute("type").map(str::to_owned);
    let secret_ref = parse_secret_ref(secret)?;
    let auth_type = match auth_type {
        None | Some("none") => {
            return Err(StorageConfError::Unsupported(
                "storage pool missing auth type".into(),
            ))
        }
        Some(t) => t.to_owned(),
    };
    Ok(Auth {
        auth_type,
        username,
        secret_type,
        secret: secret_ref,
    })
}

/// `virSecretLookupParseSecret`
pub(crate) fn parse_secret_ref(n: Node<'_, '_>) -> Result<SecretRef> {
    let uuid = n.attribute("uuid");
    let usage = n.attribute("usage");
    match (uuid, usage) {
        (None, None) => Err(StorageConfError::Xml(
            "missing uuid or usage attribute".into(),
        )),
        (Some(_), Some(_)) => Err(StorageConfError::Xml(
            "either secret uuid or usage expected".into(),
        )),
        (Some(u), None) => crate::domain::parse_uuid(u)
            .map(|b| SecretRef::Uuid(crate::domain::uuid_string(&b)))
            .ok_or_else(|| StorageConfError::Xml(format!("invalid secret uuid '{u}'"))),
        (None, Some(u)) => Ok(SecretRef::Usage(u.to_owned())),
    }
}

/// `virSecretLookupFormatSecret`
pub(crate) fn format_secret_ref(w: &mut Writer, secret_type: Option<&str>, s: &SecretRef) {
    let mut attrs = Vec::new();
    if let Some(t) = secret_type {
        attrs.push(("type", t.to_owned()));
    }
    match s {
        SecretRef::Uuid(u) => attrs.push(("uuid", u.clone())),
        SecretRef::Usage(u) => attrs.push(("usage", u.clone())),
    }
    w.empty("secret", &attrs);
}

/// `virStorageAdapterParseXML`
fn parse_adapter(a: Node<'_, '_>) -> Result<Option<Adapter>> {
    let prop = |n: &str| a.attribute(n).map(str::to_owned);
    match a.attribute("type") {
        None => {
            if prop("wwnn").is_some() || prop("wwpn").is_some() || prop("parent").is_some() {
                return Err(StorageConfError::Xml(
                    "Use of 'wwnn', 'wwpn', and 'parent' attributes requires use of the adapter 'type'"
                        .into(),
                ));
            }
            if child(a, "parentaddr").is_some() {
                return Err(StorageConfError::Xml(
                    "Use of 'parentaddr' element requires use of the adapter 'type'".into(),
                ));
            }
            Ok(prop("name").map(Adapter::ScsiHostName))
        }
        Some("fc_host") => Ok(Some(Adapter::FcHost(FcHost {
            managed: yes_no(a, "managed")?,
            parent: prop("parent"),
            parent_wwnn: prop("parent_wwnn"),
            parent_wwpn: prop("parent_wwpn"),
            parent_fabric_wwn: prop("parent_fabric_wwn"),
            wwpn: prop("wwpn").unwrap_or_default(),
            wwnn: prop("wwnn").unwrap_or_default(),
        }))),
        Some("scsi_host") => {
            let name = prop("name");
            let Some(pa) = child(a, "parentaddr") else {
                return Ok(Some(match name {
                    Some(n) => Adapter::ScsiHostName(n),
                    None => Adapter::ScsiHostParent(ScsiHostParent::MISSING),
                }));
            };
            let addr = child(pa, "address").ok_or_else(|| {
                StorageConfError::Xml("Missing scsi_host PCI address element".into())
            })?;
            if name.is_some() {
                return Err(StorageConfError::Xml(
                    "Both 'name' and 'parent' cannot be specified for the 'scsi_host' adapter"
                        .into(),
                ));
            }
            let hex = |n: &str| -> Result<u32> {
                let v = addr.attribute(n).unwrap_or("0");
                let h = v
                    .strip_prefix("0x")
                    .or_else(|| v.strip_prefix("0X"))
                    .unwrap_or(v);
                u32::from_str_radix(h, 16).map_err(|_| bad_attr(addr, n, v, " Expected hex value"))
            };
            let unique_id = pa
                .attribute("unique_id")
                .and_then(parse_int)
                .filter(|u| *u >= 0)
                .ok_or_else(|| {
                    StorageConfError::Xml(
                        "Missing or invalid scsi adapter 'unique_id' value".into(),
                    )
                })?;
            Ok(Some(Adapter::ScsiHostParent(ScsiHostParent {
                unique_id,
                domain: hex("domain")?,
                bus: hex("bus")?,
                slot: hex("slot")?,
                function: hex("function")?,
            })))
        }
        Some(t) => Err(bad_attr(a, "type", t, "")),
    }
}

impl ScsiHostParent {
    /// A `scsi_host` adapter with neither name nor parent (refused by validation).
    const MISSING: ScsiHostParent = ScsiHostParent {
        unique_id: -1,
        domain: 0,
        bus: 0,
        slot: 0,
        function: 0,
    };
}

/// `virStorageAdapterValidate`
fn validate_adapter(a: Option<&Adapter>) -> Result<()> {
    match a {
        None => Err(StorageConfError::Xml(
            "missing storage pool source adapter".into(),
        )),
        Some(Adapter::ScsiHostParent(p)) if p.unique_id < 0 => Err(StorageConfError::Xml(
            "Either 'name' or 'parent' must be specified for the 'scsi_host' adapter".into(),
        )),
        Some(Adapter::FcHost(f)) => {
            if f.wwnn.is_empty() || f.wwpn.is_empty() {
                return Err(StorageConfError::Xml(
                    "'wwnn' and 'wwpn' must be specified for adapter type 'fchost'".into(),
                ));
            }
            for w in [&f.wwnn, &f.wwpn] {
                validate_wwn(w)?;
            }
            match (&f.parent_wwnn, &f.parent_wwpn) {
                (Some(n), None) => {
                    return Err(StorageConfError::Xml(format!(
                        "when providing parent_wwnn='{n}', the parent_wwpn must also be provided"
                    )))
                }
                (None, Some(p)) => {
                    return Err(StorageConfError::Xml(format!(
                        "when providing parent_wwpn='{p}', the parent_wwnn must also be provided"
                    )))
                }
                _ => {}
            }
            for w in [&f.parent_wwnn, &f.parent_wwpn, &f.parent_fabric_wwn]
                .into_iter()
                .flatten()
            {
                validate_wwn(w)?;
            }
            Ok(())
        }
        Some(_) => Ok(()),
    }
}

/// `virValidateWWN`: 16 hexadecimal digits, optionally after `0x`.
fn validate_wwn(w: &str) -> Result<()> {
    let h = w.strip_prefix("0x").unwrap_or(w);
    if h.len() == 16 && h.bytes().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(StorageConfError::Xml(format!("Malformed wwn: {w}")))
    }
}

impl Pool {
    /// `virStoragePoolDefFormat`: libvirt's XML of the pool.
    pub fn format(&self) -> String {
        let mut w = Writer::new();
        w.open("pool", &[("type", self.pool_type.as_str().to_owned())]);
        w.text("name", &[], &self.name);
        w.text("uuid", &[], &crate::domain::uuid_string(&self.uuid));
        let bytes = || vec![("unit", "bytes".to_owned())];
        w.text("capacity", &bytes(), &self.capacity.to_string());
        w.text("allocation", &bytes(), &self.allocation.to_string());
        w.text("available", &bytes(), &self.available.to_string());
        if let Some(cow) = self.cow {
            w.open("features", &[]);
            w.empty("cow", &[("state", yes_no_str(cow).into())]);
            w.close("features");
        }
        self.source.format(&mut w, self.pool_type);
        if self.pool_type.has_target() {
            w.open("target", &[]);
            if let Some(p) = &self.target_path {
                w.text("path", &[], p);
            }
            self.target_perms.format(&mut w);
            w.close("target");
        }
        if let Some(r) = self.refresh {
            w.open("refresh", &[]);
            let a = match r {
                RefreshAllocation::Default => "default",
                RefreshAllocation::Capacity => "capacity",
            };
            w.empty("volume", &[("allocation", a.into())]);
            w.close("refresh");
        }
        w.close("pool");
        w.finish()
    }
}

fn yes_no_str(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

impl PoolSource {
    /// `virStoragePoolSourceFormat` (always an open and a close tag, as libvirt writes it).
    pub fn format(&self, w: &mut Writer, pool_type: PoolType) {
        let flags = pool_type.source_flags();
        w.open("source", &[]);
        if flags & SRC_HOST != 0 {
            for h in &self.hosts {
                let mut attrs = vec![("name", h.name.clone())];
                if let Some(p) = h.port.filter(|p| *p != 0) {
                    attrs.push(("port", p.to_string()));
                }
                w.empty("host", &attrs);
            }
        }
        if flags & SRC_DEVICE != 0 {
            for d in &self.devices {
                let mut attrs = vec![("path", d.path.clone())];
                if let Some(s) = d.part_separator {
                    attrs.push(("part_separator", yes_no_str(s).into()));
                }
                if d.free_extents.is_empty() {
                    w.empty("device", &attrs);
                } else {
                    w.open("device", &attrs);
                    for (start, end) in &d.free_extents {
                        w.empty(
                            "freeExtent",
                            &[("start", start.to_string()), ("end", end.to_string())],
                        );
                    }
                    w.close("device");
                }
            }
        }
        if flags & SRC_DIR != 0 {
            if let Some(d) = &self.dir {
                w.empty("dir", &[("path", d.clone())]);
            }
        }
        if flags & SRC_ADAPTER != 0 {
            match &self.adapter {
                Some(Adapter::ScsiHostName(n)) => w.empty(
                    "adapter",
                    &[("type", "scsi_host".into()), ("name", n.clone())],
                ),
                Some(Adapter::ScsiHostParent(p)) => {
                    w.open("adapter", &[("type", "scsi_host".into())]);
                    w.open("parentaddr", &[("unique_id", p.unique_id.to_string())]);
                    w.empty(
                        "address",
                        &[
                            ("domain", format!("0x{:04x}", p.domain)),
                            ("bus", format!("0x{:02x}", p.bus)),
                            ("slot", format!("0x{:02x}", p.slot)),
                            ("function", format!("0x{:x}", p.function)),
                        ],
                    );
                    w.close("parentaddr");
                    w.close("adapter");
                }
                Some(Adapter::FcHost(f)) => {
                    let mut attrs = vec![("type", "fc_host".to_owned())];
                    for (k, v) in [
                        ("parent", &f.parent),
                        ("parent_wwnn", &f.parent_wwnn),
                        ("parent_wwpn", &f.parent_wwpn),
                        ("parent_fabric_wwn", &f.parent_fabric_wwn),
                    ] {
                        if let Some(v) = v {
                            attrs.push((k, v.clone()));
                        }
                    }
                    if let Some(m) = f.managed {
                        attrs.push(("managed", yes_no_str(m).into()));
                    }
                    attrs.push(("wwnn", f.wwnn.clone()));
                    attrs.push(("wwpn", f.wwpn.clone()));
                    w.empty("adapter", &attrs);
                }
                None => {}
            }
        }
        if flags & SRC_NAME != 0 {
            if let Some(n) = &self.name {
                w.text("name", &[], n);
            }
        }
        if flags & SRC_INITIATOR_IQN != 0 {
            if let Some(iqn) = &self.initiator_iqn {
                w.open("initiator", &[]);
                w.empty("iqn", &[("name", iqn.clone())]);
                w.close("initiator");
            }
        }
        if let Some(f) = self.format {
            w.empty("format", &[("type", f.into())]);
        }
        if let Some(a) = &self.auth {
            w.open(
                "auth",
                &[
                    ("type", a.auth_type.clone()),
                    ("username", a.username.clone()),
                ],
            );
            format_secret_ref(w, a.secret_type.as_deref(), &a.secret);
            w.close("auth");
        }
        if let Some(v) = self.protocol_ver.filter(|v| *v != 0) {
            w.empty("protocol", &[("ver", v.to_string())]);
        }
        if let Some(v) = &self.vendor {
            w.empty("vendor", &[("name", v.clone())]);
        }
        if let Some(p) = &self.product {
            w.empty("product", &[("name", p.clone())]);
        }
        w.close("source");
    }
}
