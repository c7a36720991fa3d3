//! Domain snapshot XML (`<domainsnapshot>`): parsed as libvirt 9.0's `virDomainSnapshotDefParse`
//! does (in its order, so the first error reported is libvirt's) and formatted as
//! `virDomainSnapshotDefFormatInternal`, byte for byte.
//!
//! ```xml
//! <domainsnapshot>
//!   <name>first</name>
//!   <description>before the upgrade</description>
//!   <state>shutoff</state>
//!   <parent>
//!     <name>base</name>
//!   </parent>
//!   <creationTime>1796648641</creationTime>
//!   <memory snapshot='no'/>
//!   <disks>
//!     <disk name='vda' snapshot='internal'/>
//!     <disk name='vdb' snapshot='external' type='file'>
//!       <driver type='qcow2'/>
//!       <source file='/var/lib/images/vdb.first'/>
//!     </disk>
//!   </disks>
//!   <domain type='qemu'>...</domain>
//! </domainsnapshot>
//! ```
//!
//! The driver's own copy (one file per snapshot) adds `<active>1</active>` to the current one
//! ([`Parse::internal`], [`Format::internal`]).

use oxvirt_proto::errors::{ErrorCode, ErrorDomain};
use oxvirt_proto::{ToVirError, VirError};
use roxmltree::Node;

use crate::domain::{self, Domain, FormatOptions};
use crate::xml::{escape, Writer};
use crate::xpath::{at, child, string};
use crate::ConfError;

/// A snapshot's state (`virDomainSnapshotState`: a domain state, or `disk-snapshot`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// `nostate`
    NoState,
    /// `running`
    Running,
    /// `blocked`
    Blocked,
    /// `paused`
    Paused,
    /// `shutdown`
    Shutdown,
    /// `shutoff`
    Shutoff,
    /// `crashed`
    Crashed,
    /// `pmsuspended`
    PmSuspended,
    /// `disk-snapshot`: a disk-only snapshot of a running domain.
    DiskSnapshot,
}

const STATES: [(&str, State); 9] = [
    ("nostate", State::NoState),
    ("running", State::Running),
    ("blocked", State::Blocked),
    ("paused", State::Paused),
    ("shutdown", State::Shutdown),
    ("shutoff", State::Shutoff),
    ("crashed", State::Crashed),
    ("pmsuspended", State::PmSuspended),
    ("disk-snapshot", State::DiskSnapshot),
];

impl State {
    /// The element's text.
    pub fn as_str(self) -> &'static str {
        STATES
            .iter()
            .find(|(_, s)| *s == self)
            .map(|(n, _)| *n)
            .unwrap_or("nostate")
    }

    fn from_name(s: &str) -> Option<State> {
        STATES.iter().find(|(n, _)| *n == s).map(|(_, st)| *st)
    }

    /// The domain state a snapshot of a domain in `state` (libvirt's number) records.
    pub fn from_domain_state(state: i32) -> State {
        STATES
            .get(usize::try_from(state).unwrap_or(0))
            .map(|(_, s)| *s)
            .filter(|s| *s != State::DiskSnapshot)
            .unwrap_or(State::NoState)
    }

    /// Taken of a running or paused domain (its memory can be part of it).
    pub fn is_online(self) -> bool {
        matches!(self, State::Running | State::Paused)
    }

    /// Taken of a domain that was not running (or disk-only): no memory state.
    pub fn is_offline(self) -> bool {
        matches!(self, State::Shutoff | State::DiskSnapshot)
    }
}

/// Where a disk's or the memory's state goes (`virDomainSnapshotLocation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Location {
    /// Not said: the driver decides.
    #[default]
    Default,
    /// `no`: not part of the snapshot.
    No,
    /// `internal`: inside the qcow2 image.
    Internal,
    /// `external`: a new overlay file (disks) or a file (memory).
    External,
    /// `manual`: left to the user.
    Manual,
}

impl Location {
    /// The attribute's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Default => "default",
            Location::No => "no",
            Location::Internal => "internal",
            Location::External => "external",
            Location::Manual => "manual",
        }
    }

    fn from_name(s: &str) -> Option<Location> {
        Some(match s {
            "default" => Location::Default,
            "no" => Location::No,
            "internal" => Location::Internal,
            "external" => Location::External,
            "manual" => Location::Manual,
            _ => return None,
        })
    }
}

/// One `<disks><disk>` of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Disk {
    /// The domain disk's target (`vda`) or its source path as the user wrote it.
    pub name: String,
    /// Where its state goes.
    pub snapshot: Location,
    /// The overlay's storage type: `file` (the default) or `block`.
    pub source_type: String,
    /// The overlay's format (`qcow2`), when given.
    pub driver_type: Option<String>,
    /// The overlay's path, when given.
    pub path: Option<String>,
}

/// A snapshot definition.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    /// Its name, unique in its domain; `None` when a creation leaves it to the driver.
    pub name: Option<String>,
    /// Free text for people.
    pub description: Option<String>,
    /// The domain's state when it was taken.
    pub state: Option<State>,
    /// The snapshot it was taken on top of.
    pub parent: Option<String>,
    /// Seconds since the epoch.
    pub creation_time: i64,
    /// Where the memory went.
    pub memory: Location,
    /// The memory file of an external snapshot.
    pub memory_file: Option<String>,
    /// Every disk, in the domain's order once aligned.
    pub disks: Vec<Disk>,
    /// The definition when it was taken (the live one for a running domain).
    pub domain: Option<Domain>,
    /// The persistent definition of a running domain when it was taken.
    pub inactive_domain: Option<Domain>,
    /// The QEMU driver's save cookie (`<cookie>`), kept as written.
    pub cookie: Option<String>,
}

/// How to parse (`VIR_DOMAIN_SNAPSHOT_PARSE_*`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Parse {
    /// `REDEFINE`: a complete definition (state, time, parent, domain) is read.
    pub redefine: bool,
    /// `INTERNAL`: the driver's own file, with `<active>`.
    pub internal: bool,
    /// `OFFLINE`: the domain is not running.
    pub offline: bool,
}

/// How to format (`VIR_DOMAIN_SNAPSHOT_FORMAT_*`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Format {
    /// `SECURE`: secrets of the embedded domain are printed.
    pub secure: bool,
    /// `INTERNAL`: the driver's own file, with `<active>`.
    pub internal: bool,
    /// With `internal`: this is the current snapshot.
    pub current: bool,
}

/// An error in a snapshot document, in libvirt's terms (`VIR_FROM_DOMAIN_SNAPSHOT` unless said).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// Not well-formed XML (`VIR_ERR_XML_DETAIL`).
    #[error("(domain_snapshot):{line}: {message}")]
    Malformed {
        /// The line libxml2 names.
        line: u32,
        /// libxml2's message.
        message: String,
    },
    /// `VIR_ERR_XML_ERROR`.
    #[error("XML error: {0}")]
    Xml(String),
    /// `VIR_ERR_XML_ERROR` from libvirt's generic XML helpers (`VIR_FROM_XML`).
    #[error("XML error: {0}")]
    XmlValue(String),
    /// `VIR_ERR_CONFIG_UNSUPPORTED`.
    #[error("unsupported configuration: {0}")]
    Unsupported(String),
    /// `VIR_ERR_INTERNAL_ERROR`.
    #[error("internal error: {0}")]
    Internal(String),
    /// An error in the embedded domain.
    #[error("{0}")]
    Domain(ConfError),
}

impl ToVirError for SnapshotError {
    fn to_vir_error(&self) -> VirError {
        let snap = ErrorDomain::DomainSnapshot as i32;
        match self {
            SnapshotError::Malformed { .. } => {
                VirError::plain(ErrorCode::XmlDetail as i32, snap, self.to_string())
            }
            SnapshotError::Xml(m) => VirError::new(ErrorCode::XmlError as i32, snap, m.clone()),
            SnapshotError::XmlValue(m) => VirError::new(
                ErrorCode::XmlError as i32,
                ErrorDomain::Xml as i32,
                m.clone(),
            ),
            SnapshotError::Unsupported(m) => {
                VirError::new(ErrorCode::ConfigUnsupported as i32, snap, m.clone())
            }
            SnapshotError::Internal(m) => {
                VirError::new(ErrorCode::InternalError as i32, snap, m.clone())
            }
            SnapshotError::Domain(e) => e.to_vir_error(),
        }
    }
}

type Result<T> = std::result::Result<T, SnapshotError>;

/// A parsed snapshot and, for the driver's own file, whether it is the current one.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The definition.
    pub snapshot: Snapshot,
    /// `<active>` of an internal parse.
    pub current: bool,
}

/// Parse a snapshot document.
pub fn parse(xml: &str, how: Parse) -> Result<Parsed> {
    let doc =
        roxmltree::Document::parse(xml).map_err(|e| match crate::libxml::malformed(xml, &e) {
            ConfError::Malformed { line, message, .. } => {
                SnapshotError::Malformed { line, message }
            }
            other => SnapshotError::Internal(other.detail()),
        })?;
    let root = doc.root_element();
    if root.tag_name().name() != "domainsnapshot" {
        return Err(SnapshotError::Xml("domainsnapshot".into()));
    }
    parse_root(root, how)
}

fn parse_root(root: Node<'_, '_>, how: Parse) -> Result<Parsed> {
    let mut def = Snapshot {
        name: string(root, "name"),
        ..Snapshot::default()
    };
    if def.name.is_none() && how.redefine {
        return Err(SnapshotError::Xml(
            "a redefined snapshot must have a name".into(),
        ));
    }
    def.description = string(root, "description");
    let mut offline = how.offline;
    if how.redefine {
        def.creation_time = string(root, "creationTime")
            .and_then(|t| t.trim().parse::<i64>().ok())
            .ok_or_else(|| {
                SnapshotError::Internal("missing creationTime from existing snapshot".into())
            })?;
        def.parent = string(root, "parent/name");
        let state = string(root, "state")
            .ok_or_else(|| SnapshotError::Xml("missing state from existing snapshot".into()))?;
        let st = State::from_name(&state)
            .filter(|s| *s != State::NoState)
            .ok_or_else(|| {
                SnapshotError::Unsupported(format!(
                    "Invalid state '{state}' in domain snapshot XML"
                ))
            })?;
        def.state = Some(st);
        offline = st.is_offline();
        if let Some(d) = child(root, "domain").filter(|d| d.attribute("type").is_some()) {
            def.domain = Some(domain::parse_element(d).map_err(SnapshotError::Domain)?);
        }
        if let Some(d) = child(root, "inactiveDomain") {
            def.inactive_domain = Some(domain::parse_element(d).map_err(SnapshotError::Domain)?);
        }
        def.cookie = child(root, "cookie").map(|c| dump_element(root.document().input_text(), c));
    }
    parse_memory(root, &mut def, how, offline)?;
    if let Some(disks) = child(root, "disks") {
        for d in disks.children().filter(|c| c.is_element()) {
            def.disks.push(parse_disk(d)?);
        }
    }
    let mut current = false;
    if how.internal {
        let active = string(root, "active")
            .and_then(|a| a.trim().parse::<i32>().ok())
            .ok_or_else(|| SnapshotError::Internal("Could not find 'active' element".into()))?;
        current = active != 0;
    }
    Ok(Parsed {
        snapshot: def,
        current,
    })
}

fn location_attr(n: Node<'_, '_>, attr: &str) -> Result<Location> {
    match n.attribute(attr) {
        None => Ok(Location::Default),
        Some(v) => match Location::from_name(v) {
            Some(Location::Default) => Err(SnapshotError::XmlValue(format!(
                "Invalid value for attribute '{attr}' in element '{}': Zero is not permitted",
                n.tag_name().name()
            ))),
            Some(l) => Ok(l),
            None => Err(SnapshotError::XmlValue(format!(
                "Invalid value for attribute '{attr}' in element '{}': '{v}'.",
                n.tag_name().name()
            ))),
        },
    }
}

fn parse_memory(root: Node<'_, '_>, def: &mut Snapshot, how: Parse, offline: bool) -> Result<()> {
    if let Some(m) = child(root, "memory") {
        def.memory_file = m.attribute("file").map(str::to_owned);
        def.memory = location_attr(m, "snapshot")?;
        if def.memory == Location::Manual {
            return Err(SnapshotError::Xml(
                "'manual' memory snapshot mode not supported".into(),
            ));
        }
    }
    if def.memory == Location::Default {
        if def.memory_file.is_some() {
            def.memory = Location::External;
        } else if how.redefine {
            def.memory = if offline {
                Location::No
            } else {
                Location::Internal
            };
        }
    }
    if let (Some(f), false) = (&def.memory_file, def.memory == Location::External) {
        return Err(SnapshotError::Xml(format!(
            "memory filename '{f}' requires external snapshot"
        )));
    }
    if def.memory_file.is_none() && def.memory == Location::External {
        return Err(SnapshotError::Xml(
            "external memory snapshots require a filename".into(),
        ));
    }
    if offline && !matches!(def.memory, Location::Default | Location::No) {
        return Err(SnapshotError::Xml(
            "memory state cannot be saved with offline or disk-only snapshot".into(),
        ));
    }
    if let Some(f) = def.memory_file.as_deref().filter(|f| !f.starts_with('/')) {
        return Err(SnapshotError::Xml(format!(
            "memory snapshot file path ({f}) must be absolute"
        )));
    }
    Ok(())
}

fn parse_disk(d: Node<'_, '_>) -> Result<Disk> {
    let name = d
        .attribute("name")
        .map(str::to_owned)
        .ok_or_else(|| SnapshotError::Internal("missing name from disk snapshot element".into()))?;
    let mut snapshot = location_attr(d, "snapshot")?;
    let source_type = match d.attribute("type") {
        None => "file".to_string(),
        Some(t @ ("file" | "block")) => t.to_string(),
        Some(t @ ("dir" | "volume")) => {
            return Err(SnapshotError::Xml(format!(
                "unsupported disk snapshot type '{t}'"
            )))
        }
        Some(t @ ("network" | "nvme" | "vhostuser")) => {
            return Err(SnapshotError::Unsupported(format!(
                "disk snapshot type '{t}' is not supported by oxvirt"
            )))
        }
        Some(t) => {
            return Err(SnapshotError::XmlValue(format!(
                "Invalid value for attribute 'type' in element 'disk': '{t}'."
            )))
        }
    };
    let path = child(d, "source").and_then(|s| {
        let attr = if source_type == "block" {
            "dev"
        } else {
            "file"
        };
        s.attribute(attr)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
    });
    let driver_type = at(d, "driver").and_then(|dr| dr.attribute("type").map(str::to_owned));
    if let Some(t) = &driver_type {
        if !DISK_FORMATS.contains(&t.as_str()) {
            return Err(SnapshotError::Unsupported(format!(
                "unknown disk snapshot driver '{t}'"
            )));
        }
    }
    if let Some(p) = path.as_deref().filter(|p| !p.starts_with('/')) {
        return Err(SnapshotError::Xml(format!(
            "disk snapshot image path '{p}' must be absolute"
        )));
    }
    if snapshot == Location::Default && (path.is_some() || driver_type.is_some()) {
        snapshot = Location::External;
    }
    Ok(Disk {
        name,
        snapshot,
        source_type,
        driver_type,
        path,
    })
}

/// The image formats libvirt knows (`virStorageFileFormat`, without `none`).
const DISK_FORMATS: [&str; 17] = [
    "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "cow",
    "qcow", "qcow2", "qed", "vmdk", "luks",
];

/// An element copied as written (the save cookie), re-indented to its place.
fn dump_element(input: &str, n: Node<'_, '_>) -> String {
    input.get(n.range()).unwrap_or_default().to_string()
}

/// libvirt's form of a snapshot. `uuid` is the domain's, printed as `<domain><uuid>` when the
/// snapshot has no domain definition (snapshots of very old libvirt).
pub fn format(s: &Snapshot, uuid: Option<&str>, how: Format) -> String {
    let mut w = Writer::new();
    w.open("domainsnapshot", &[]);
    w.text("name", &[], s.name.as_deref().unwrap_or_default());
    if let Some(d) = &s.description {
        w.text("description", &[], d);
    }
    if let Some(st) = s.state {
        if st != State::NoState {
            w.text("state", &[], st.as_str());
        }
    }
    if let Some(p) = &s.parent {
        w.open("parent", &[]);
        w.text("name", &[], p);
        w.close("parent");
    }
    if s.creation_time != 0 {
        w.text("creationTime", &[], &s.creation_time.to_string());
    }
    if s.memory != Location::Default {
        let mut a = vec![("snapshot", s.memory.as_str().to_string())];
        if let Some(f) = &s.memory_file {
            a.push(("file", f.clone()));
        }
        w.empty("memory", &a);
    }
    if !s.disks.is_empty() {
        w.open("disks", &[]);
        for d in &s.disks {
            format_disk(&mut w, d);
        }
        w.close("disks");
    }
    let mut out = w.finish();
    let o = FormatOptions {
        inactive: true,
        secure: how.secure,
        migratable: false,
    };
    if let Some(d) = &s.domain {
        out.push_str(&d.format_element(o, "domain", 2));
    } else if let Some(u) = uuid {
        out.push_str(&format!(
            "  <domain>\n    <uuid>{}</uuid>\n  </domain>\n",
            escape(u)
        ));
    }
    if let Some(d) = &s.inactive_domain {
        out.push_str(&d.format_element(o, "inactiveDomain", 2));
    }
    if let Some(c) = &s.cookie {
        out.push_str("  ");
        out.push_str(c);
        out.push('\n');
    }
    if how.internal {
        out.push_str(&format!("  <active>{}</active>\n", u8::from(how.current)));
    }
    out.push_str("</domainsnapshot>\n");
    out
}

fn format_disk(w: &mut Writer, d: &Disk) {
    let mut a = vec![("name", d.name.clone())];
    if d.snapshot != Location::Default {
        a.push(("snapshot", d.snapshot.as_str().to_string()));
    }
    if d.path.is_none() && d.driver_type.is_none() {
        w.empty("disk", &a);
        return;
    }
    a.push(("type", d.source_type.clone()));
    w.open("disk", &a);
    if let Some(t) = &d.driver_type {
        w.empty("driver", &[("type", t.clone())]);
    }
    if let Some(p) = &d.path {
        let attr = if d.source_type == "block" {
            "dev"
        } else {
            "file"
        };
        w.empty("source", &[(attr, p.clone())]);
    }
    w.close("disk");
}

#[cfg(test)]
mod tests;
