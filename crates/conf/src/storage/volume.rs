//! The `<volume>` document (`virStorageVolDef`).

use super::common::{at, attr_at, child, storage_size, string, text_of, Perms};
use super::pool::{format_secret_ref, malformed, parse_secret_ref, PoolType, SecretRef};
use super::{Result, StorageConfError};
use crate::xml::Writer;
use roxmltree::Node;

/// File formats (`virStorageFileFormat`), the volume formats of file-based pools.
const FILE_FORMATS: &[&str] = &[
    "none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop",
    "cow", "qcow", "qcow2", "qed", "vmdk",
];
/// Partition types (`virStorageVolFormatDisk`), the volume formats of disk pools.
const DISK_FORMATS: &[&str] = &[
    "none",
    "linux",
    "fat16",
    "fat32",
    "linux-swap",
    "linux-lvm",
    "linux-raid",
    "extended",
];
/// `virStorageFileFeature`, in libvirt's order.
const FEATURES: &[&str] = &["lazy_refcounts", "extended_l2"];
/// `virStorageEncryptionFormat`
const ENCRYPTION_FORMATS: &[&str] = &["default", "qcow", "luks", "luks2", "luks-any"];

/// A volume format name (`raw`, `qcow2`, a partition type, ...).
pub type VolFormat = &'static str;

/// The volume formats a pool type knows, the default, and the first formats libvirt lists
/// (`volOptions`): `None` for pool types whose volumes have no format.
pub fn volume_formats(t: PoolType) -> Option<(&'static [&'static str], VolFormat)> {
    match t {
        PoolType::Dir
        | PoolType::Fs
        | PoolType::Netfs
        | PoolType::Rbd
        | PoolType::Gluster
        | PoolType::Vstorage => Some((FILE_FORMATS, "raw")),
        PoolType::Disk => Some((DISK_FORMATS, "none")),
        _ => None,
    }
}

/// Parse a format name for a pool type: `none` is not a file format one may ask for.
fn lookup_format(t: PoolType, f: &str) -> Option<VolFormat> {
    let (list, _) = volume_formats(t)?;
    list.iter()
        .copied()
        .find(|x| *x == f)
        .filter(|x| !(list == FILE_FORMATS && *x == "none"))
}

/// `virStorageVolType`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VolType {
    #[default]
    /// `file`: a regular file.
    File,
    /// `block`: a block device.
    Block,
    /// `dir`: a directory.
    Dir,
    /// `network`: a network volume (RBD, Gluster).
    Network,
    /// `netdir`: a network directory.
    Netdir,
    /// `ploop`: a ploop image directory.
    Ploop,
}

impl VolType {
    /// The `type` attribute's value.
    pub fn as_str(self) -> &'static str {
        match self {
            VolType::File => "file",
            VolType::Block => "block",
            VolType::Dir => "dir",
            VolType::Network => "network",
            VolType::Netdir => "netdir",
            VolType::Ploop => "ploop",
        }
    }

    /// The number `virStorageVolInfo.type` carries.
    pub fn number(self) -> i32 {
        self as i32
    }

    fn from_name(s: &str) -> Option<VolType> {
        [
            VolType::File,
            VolType::Block,
            VolType::Dir,
            VolType::Network,
            VolType::Netdir,
            VolType::Ploop,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

/// File times a refresh found: (seconds, nanoseconds).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timestamps {
    /// `<atime>`: last access (seconds, nanoseconds).
    pub atime: Option<(i64, i64)>,
    /// `<mtime>`: last change of the data (seconds, nanoseconds).
    pub mtime: Option<(i64, i64)>,
    /// `<ctime>`: last change of the inode (seconds, nanoseconds).
    pub ctime: Option<(i64, i64)>,
    /// `<btime>`: creation (seconds, nanoseconds).
    pub btime: Option<(i64, i64)>,
}

/// `<encryption format=>` with its secret and, for LUKS, cipher and IV generator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encryption {
    /// `format`: `luks` (or the legacy `qcow`).
    pub format: &'static str,
    /// `(type, secret)` of each `<secret>`
    pub secrets: Vec<(String, SecretRef)>,
    /// `<cipher name= size= mode= hash=>`
    pub cipher: Option<Vec<(String, String)>>,
    /// `<ivgen name= hash=>`
    pub ivgen: Option<Vec<(String, String)>>,
}

/// `<target>` of a volume (`virStorageSource` as the storage driver uses it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeTarget {
    /// `<path>`: where the volume is (set by the pool).
    pub path: Option<String>,
    /// `<format type>`: the volume's format.
    pub format: Option<VolFormat>,
    /// `<permissions>`: of the volume's file.
    pub perms: Perms,
    /// `<timestamps>` (live).
    pub timestamps: Option<Timestamps>,
    /// `<encryption>`: how the volume is encrypted.
    pub encryption: Option<Encryption>,
    /// `<compat>`: the qcow2 compatibility level (`0.10`, `1.1`).
    pub compat: Option<String>,
    /// `<nocow/>`: copy-on-write turned off (btrfs).
    pub nocow: bool,
    /// bytes, 0 when not set
    pub cluster_size: u64,
    /// `<features>`: `None` without the element, else the set features in libvirt's order
    pub features: Option<Vec<&'static str>>,
}

/// `<backingStore>`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackingStore {
    /// `<path>`: the backing file.
    pub path: String,
    /// `<format type>`: its format.
    pub format: Option<VolFormat>,
    /// `<permissions>`: its permissions.
    pub perms: Perms,
}

/// A storage volume (`virStorageVolDef`), with what the backend found filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    /// `type`: what the volume is on the host.
    pub vol_type: VolType,
    /// `<name>`: the volume's name, unique in its pool.
    pub name: String,
    /// `<key>`: the volume's host-wide key (its path for files).
    pub key: Option<String>,
    /// `<capacity>`: its logical size, in bytes.
    pub capacity: u64,
    /// `<allocation>`: the bytes it uses on the host.
    pub allocation: u64,
    /// whether `<allocation>` was given (else it is the capacity)
    pub has_allocation: bool,
    /// bytes the file takes (shown when non-zero)
    pub physical: u64,
    /// `<target>`: where and how it is stored.
    pub target: VolumeTarget,
    /// `<backingStore>`: the image it is an overlay of.
    pub backing_store: Option<BackingStore>,
}

/// When `<capacity>` may be left out (`VIR_VOL_XML_PARSE_*` flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapacityRule {
    /// `virStorageVolCreateXML` without a backing store
    Required,
    /// `VIR_VOL_XML_PARSE_OPT_CAPACITY`: optional when there is a backing store
    OptionalWithBacking,
    /// `VIR_VOL_XML_PARSE_NO_CAPACITY`: create-from takes the source's
    Optional,
}

/// Parse a `<volume>` for a pool of type `pool` as `virStorageVolDefParseString` does.
pub fn parse_volume(xml: &str, pool: PoolType, rule: CapacityRule) -> Result<Volume> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| malformed(xml, &e, "volume"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "volume" {
        return Err(StorageConfError::Xml(format!(
            "unexpected root element <{}>, expecting <volume>",
            root.tag_name().name()
        )));
    }
    parse_volume_node(root, pool, rule)
}

fn parse_volume_node(root: Node<'_, '_>, pool: PoolType, rule: CapacityRule) -> Result<Volume> {
    let name = string(root, "name")
        .ok_or_else(|| StorageConfError::Xml("missing volume name element".into()))?;
    let key = string(root, "key");
    let vol_type = match root.attribute("type").filter(|t| !t.is_empty()) {
        None => VolType::File,
        Some(t) => VolType::from_name(t)
            .ok_or_else(|| StorageConfError::Unsupported(format!("unknown volume type '{t}'")))?,
    };
    let format_of = |path: &str| -> Result<Option<VolFormat>> {
        let Some((_, default)) = volume_formats(pool) else {
            return Ok(None);
        };
        match attr_at(root, path, "type") {
            None => Ok(Some(default)),
            Some(f) => lookup_format(pool, &f).map(Some).ok_or_else(|| {
                StorageConfError::Unsupported(format!("unknown volume format type {f}"))
            }),
        }
    };
    let backing_store = match string(root, "backingStore/path") {
        None => None,
        Some(path) => Some(BackingStore {
            path,
            format: format_of("backingStore/format")?,
            perms: Perms::parse(at(root, "backingStore/permissions"))?,
        }),
    };
    let capacity = match string(root, "capacity") {
        Some(c) => storage_size(&c, attr_at(root, "capacity", "unit").as_deref())?,
        None => {
            let optional = match rule {
                CapacityRule::Required => false,
                CapacityRule::OptionalWithBacking => backing_store.is_some(),
                CapacityRule::Optional => true,
            };
            if !optional {
                return Err(StorageConfError::Xml("missing capacity element".into()));
            }
            0
        }
    };
    let (allocation, has_allocation) = match string(root, "allocation") {
        Some(a) => (
            storage_size(&a, attr_at(root, "allocation", "unit").as_deref())?,
            true,
        ),
        None => (capacity, false),
    };
    let mut target = VolumeTarget {
        path: string(root, "target/path"),
        format: format_of("target/format")?,
        perms: Perms::parse(at(root, "target/permissions"))?,
        ..VolumeTarget::default()
    };
    if let Some(e) = at(root, "target/encryption") {
        target.encryption = Some(parse_encryption(e)?);
    }
    target.compat = string(root, "target/compat");
    if let Some(c) = &target.compat {
        check_compat(c)?;
    }
    target.nocow = at(root, "target/nocow").is_some();
    if let Some(cs) = at(root, "target/clusterSize") {
        let text = text_of(cs);
        let v = crate::domain::parse_u64(&text).ok_or_else(|| {
            StorageConfError::XmlValue(format!(
                "Invalid value '{text}' for element or attribute './target/clusterSize'"
            ))
        })?;
        target.cluster_size = super::common::scale(
            v,
            &text,
            Some(cs.attribute("unit").unwrap_or("B")),
            u64::MAX,
        )?;
    }
    if let Some(f) = at(root, "target/features") {
        if target.compat.is_none() {
            target.compat = Some("1.1".into());
        }
        let mut set = Vec::new();
        for c in f.children().filter(Node::is_element) {
            let n = c.tag_name().name();
            if !FEATURES.contains(&n) {
                return Err(StorageConfError::Unsupported(format!(
                    "unsupported feature {n}"
                )));
            }
            set.push(n);
        }
        target.features = Some(
            FEATURES
                .iter()
                .copied()
                .filter(|f| set.contains(f))
                .collect(),
        );
    }
    Ok(Volume {
        vol_type,
        name,
        key,
        capacity,
        allocation,
        has_allocation,
        physical: 0,
        target,
        backing_store,
    })
}

/// `virStorageCheckCompat`: `N.M` with decimal numbers.
fn check_compat(c: &str) -> Result<()> {
    let ok = c.split_once('.').is_some_and(|(a, b)| {
        super::common::parse_ull(a).is_some_and(|v| v <= u32::MAX as u64)
            && super::common::parse_ull(b).is_some_and(|v| v <= u32::MAX as u64)
    });
    if ok {
        Ok(())
    } else {
        Err(StorageConfError::Xml(
            "forbidden characters in 'compat' attribute".into(),
        ))
    }
}

/// `virStorageEncryptionParseNode`
pub(crate) fn parse_encryption(e: Node<'_, '_>) -> Result<Encryption> {
    let f = e.attribute("format").ok_or_else(|| {
        StorageConfError::Xml("unknown volume encryption format type (null)".into())
    })?;
    let format = ENCRYPTION_FORMATS
        .iter()
        .copied()
        .find(|x| *x == f)
        .ok_or_else(|| {
            StorageConfError::Xml(format!("unknown volume encryption format type {f}"))
        })?;
    let mut secrets = Vec::new();
    for s in e
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "secret")
    {
        let t = s.attribute("type").ok_or_else(|| {
            StorageConfError::Xml("unknown volume encryption secret type (null)".into())
        })?;
        if t != "passphrase" {
            return Err(StorageConfError::Xml(format!(
                "unknown volume encryption secret type {t}"
            )));
        }
        secrets.push((t.to_owned(), parse_secret_ref(s)?));
    }
    let attrs = |n: Option<Node<'_, '_>>, names: &[&str]| {
        n.map(|n| {
            names
                .iter()
                .filter_map(|k| n.attribute(*k).map(|v| ((*k).to_owned(), v.to_owned())))
                .collect()
        })
    };
    Ok(Encryption {
        format,
        secrets,
        cipher: attrs(child(e, "cipher"), &["name", "size", "mode", "hash"]),
        ivgen: attrs(child(e, "ivgen"), &["name", "hash"]),
    })
}

impl Volume {
    /// `virStorageVolDefFormat` for a volume of a pool of type `pool`.
    pub fn format(&self, pool: PoolType) -> String {
        let with_format = volume_formats(pool).is_some();
        let mut w = Writer::new();
        w.open("volume", &[("type", self.vol_type.as_str().into())]);
        w.text("name", &[], &self.name);
        if let Some(k) = &self.key {
            w.text("key", &[], k);
        }
        let bytes = || vec![("unit", "bytes".to_owned())];
        w.text("capacity", &bytes(), &self.capacity.to_string());
        w.text("allocation", &bytes(), &self.allocation.to_string());
        if self.physical > 0 {
            w.text("physical", &bytes(), &self.physical.to_string());
        }
        format_target(&mut w, "target", &self.target, with_format);
        if let Some(b) = &self.backing_store {
            let t = VolumeTarget {
                path: Some(b.path.clone()),
                format: b.format,
                perms: b.perms.clone(),
                ..VolumeTarget::default()
            };
            format_target(&mut w, "backingStore", &t, with_format);
        }
        w.close("volume");
        w.finish()
    }
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, String)> {
    v.iter().map(|(k, v)| (k.as_str(), v.clone())).collect()
}

/// `virStorageVolTargetDefFormat`
fn format_target(w: &mut Writer, name: &str, t: &VolumeTarget, with_format: bool) {
    w.open(name, &[]);
    if let Some(p) = &t.path {
        w.text("path", &[], p);
    }
    if with_format {
        w.empty("format", &[("type", t.format.unwrap_or("none").into())]);
    }
    t.perms.format(w);
    if let Some(ts) = &t.timestamps {
        w.open("timestamps", &[]);
        for (n, v) in [
            ("atime", ts.atime),
            ("mtime", ts.mtime),
            ("ctime", ts.ctime),
            ("btime", ts.btime),
        ] {
            if let Some((s, ns)) = v {
                let text = if ns != 0 {
                    format!("{s}.{ns:09}")
                } else {
                    s.to_string()
                };
                w.text(n, &[], &text);
            }
        }
        w.close("timestamps");
    }
    if let Some(e) = &t.encryption {
        format_encryption(w, e, None);
    }
    if let Some(c) = &t.compat {
        w.text("compat", &[], c);
    }
    if t.cluster_size > 0 {
        w.text(
            "clusterSize",
            &[("unit", "B".into())],
            &t.cluster_size.to_string(),
        );
    }
    if let Some(f) = &t.features {
        if f.is_empty() {
            w.empty("features", &[]);
        } else {
            w.open("features", &[]);
            for x in f {
                w.empty(x, &[]);
            }
            w.close("features");
        }
    }
    w.close(name);
}

/// `<encryption format= engine=>` (`virStorageEncryptionFormat`; `engine`: a domain disk's).
pub(crate) fn format_encryption(w: &mut Writer, e: &Encryption, engine: Option<&str>) {
    let mut a = vec![("format", e.format.to_owned())];
    if let Some(en) = engine {
        a.push(("engine", en.to_owned()));
    }
    w.open("encryption", &a);
    for (ty, s) in &e.secrets {
        format_secret_ref(w, Some(ty), s);
    }
    if let Some(c) = &e.cipher {
        w.empty("cipher", &pairs(c));
    }
    if let Some(i) = &e.ivgen {
        w.empty("ivgen", &pairs(i));
    }
    w.close("encryption");
}
