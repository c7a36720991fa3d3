//! The snapshot procedures (`virsh snapshot-*`): lookups, lists, the tree, XML, and the calls
//! that change snapshots (create, revert, delete: [`crate::snapshot_ops`]). Metadata lives in
//! [`crate::snapshot_store`]; every call reads it from disk, so a restarted daemon answers
//! what was last written.

use std::path::PathBuf;

use oxvirt_conf::domain::uuid_string;
use oxvirt_conf::snapshot::{self, Format};
use oxvirt_proto::calls;
use oxvirt_proto::flags::domain_snapshot::XML_SECURE;
use oxvirt_proto::flags::snapshot_list as list;
use oxvirt_proto::remote::{IntRet, NonnullDomainChild, StringRet};
use oxvirt_proto::snapshot::{SnapshotListRet, SnapshotNamesRet, SnapshotRet};
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::{NonnullDomain, VirError};
use oxvirt_remote::Router;

use crate::domain_calls::check_flags;
use crate::snapshot_store::{self as store, Item, Snapshots};
use crate::{QemuDriver, QemuError};

/// Every list flag a domain-level list accepts.
const LIST_FLAGS: u32 = list::ROOTS
    | list::METADATA
    | list::LEAVES
    | list::NO_LEAVES
    | list::NO_METADATA
    | list::INACTIVE
    | list::ACTIVE
    | list::DISK_ONLY
    | list::INTERNAL
    | list::EXTERNAL
    | list::TOPOLOGICAL;

pub(crate) fn no_snapshot(detail: String) -> QemuError {
    QemuError::Vir(VirError::new(
        code::NO_DOMAIN_SNAPSHOT,
        domain::QEMU,
        detail,
    ))
}

/// A domain's snapshots, as a call sees them.
pub(crate) struct DomainSnapshots {
    /// The domain's handle (with its id when running).
    pub dom: NonnullDomain,
    /// Where its snapshot files are.
    pub dir: PathBuf,
    /// What they say.
    pub all: Snapshots,
}

impl DomainSnapshots {
    /// The snapshot called `name`.
    pub fn get(&self, name: &str) -> Result<&Item, QemuError> {
        self.all
            .get(name)
            .ok_or_else(|| no_snapshot(format!("no domain snapshot with matching name '{name}'")))
    }

    /// A client's handle of one of them.
    pub fn handle(&self, name: &str) -> NonnullDomainChild {
        NonnullDomainChild {
            name: name.to_string(),
            dom: self.dom.clone(),
        }
    }
}

impl QemuDriver {
    /// The directory of a domain's snapshot files.
    pub fn snapshot_dir(&self, name: &str) -> PathBuf {
        store::dir(&self.paths.lib, name)
    }

    /// The snapshots of the domain behind `dom`.
    pub(crate) fn snapshots(&self, dom: &NonnullDomain) -> Result<DomainSnapshots, QemuError> {
        let v = self.view(dom)?;
        let dom = v.handle();
        let dir = self.snapshot_dir(&dom.name);
        let all = Snapshots::load(&dir)?;
        Ok(DomainSnapshots { dom, dir, all })
    }

    /// Undefine's rule for snapshots: refused while there are any, unless `remove` (the
    /// SNAPSHOTS_METADATA flag), which removes their metadata.
    pub(crate) fn undefine_snapshots(&self, name: &str, remove: bool) -> Result<(), QemuError> {
        let dir = self.snapshot_dir(name);
        let n = Snapshots::load(&dir)?.items.len();
        if n == 0 {
            return store::remove_all(&dir);
        }
        if !remove {
            return Err(QemuError::OperationInvalid(format!(
                "cannot delete inactive domain with {n} snapshots"
            )));
        }
        store::remove_all(&dir)
    }
}

fn names(items: Vec<&Item>, max: i32) -> SnapshotNamesRet {
    let max = usize::try_from(max).unwrap_or(0);
    SnapshotNamesRet {
        names: items
            .into_iter()
            .take(max)
            .map(|i| i.name().to_string())
            .collect(),
    }
}

fn count(n: usize) -> IntRet {
    IntRet {
        value: i32::try_from(n).unwrap_or(i32::MAX),
    }
}

fn list_all(s: &DomainSnapshots, items: Vec<&Item>, need: i32) -> SnapshotListRet {
    let ret = i32::try_from(items.len()).unwrap_or(i32::MAX);
    let snapshots = if need != 0 {
        items.into_iter().map(|i| s.handle(i.name())).collect()
    } else {
        Vec::new()
    };
    SnapshotListRet { snapshots, ret }
}

fn check_maxnames(max: i32) -> Result<(), QemuError> {
    if max < 0 || usize::try_from(max).unwrap_or(0) > oxvirt_proto::snapshot::SNAPSHOT_LIST_MAX {
        return Err(QemuError::Vir(VirError::plain(
            code::RPC,
            domain::RPC,
            "too many remote domain snapshot names",
        )));
    }
    Ok(())
}

/// The snapshot's XML as `virsh snapshot-dumpxml` prints it.
fn xml_desc(s: &DomainSnapshots, name: &str, flags: u32) -> Result<String, QemuError> {
    let item = s.get(name)?;
    let how = Format {
        secure: flags & XML_SECURE != 0,
        ..Format::default()
    };
    Ok(snapshot::format(
        &item.def,
        Some(&uuid_string(&s.dom.uuid)),
        how,
    ))
}

pub(crate) fn register(r: &mut Router<QemuDriver>) {
    register_queries(r);
    register_tree(r);
    crate::snapshot_ops::register(r);
}

fn register_queries(r: &mut Router<QemuDriver>) {
    r.add_sync(calls::DomainSnapshotNum, |d, a, _| {
        check_flags(a.flags, LIST_FLAGS, "qemuDomainSnapshotNum")?;
        let s = d.snapshots(&a.dom)?;
        Ok::<_, QemuError>(count(s.all.select(None, a.flags).len()))
    });
    r.add_sync(calls::DomainSnapshotListNames, |d, a, _| {
        check_maxnames(a.maxnames)?;
        check_flags(a.flags, LIST_FLAGS, "qemuDomainSnapshotListNames")?;
        let s = d.snapshots(&a.dom)?;
        Ok::<_, QemuError>(names(s.all.select(None, a.flags), a.maxnames))
    });
    r.add_sync(calls::DomainListAllSnapshots, |d, a, _| {
        check_flags(a.flags, LIST_FLAGS, "qemuDomainListAllSnapshots")?;
        let s = d.snapshots(&a.dom)?;
        let items = s.all.select(None, a.flags);
        Ok::<_, QemuError>(list_all(&s, items, a.need_results))
    });
    r.add_sync(calls::DomainSnapshotLookupByName, |d, a, _| {
        check_flags(a.flags, 0, "qemuDomainSnapshotLookupByName")?;
        let s = d.snapshots(&a.dom)?;
        s.get(&a.name)?;
        Ok::<_, QemuError>(SnapshotRet {
            snap: s.handle(&a.name),
        })
    });
    r.add_sync(calls::DomainHasCurrentSnapshot, |d, a, _| {
        check_flags(a.flags, 0, "qemuDomainHasCurrentSnapshot")?;
        let s = d.snapshots(&a.dom)?;
        Ok::<_, QemuError>(count(usize::from(s.all.current().is_some())))
    });
    r.add_sync(calls::DomainSnapshotCurrent, |d, a, _| {
        check_flags(a.flags, 0, "qemuDomainSnapshotCurrent")?;
        let s = d.snapshots(&a.dom)?;
        let Some(c) = s.all.current() else {
            return Err(no_snapshot(
                "the domain does not have a current snapshot".into(),
            ));
        };
        Ok(SnapshotRet {
            snap: s.handle(c.name()),
        })
    });
    r.add_sync(calls::DomainSnapshotGetXmlDesc, |d, a, _| {
        check_flags(a.flags, XML_SECURE, "qemuDomainSnapshotGetXMLDesc")?;
        let s = d.snapshots(&a.child.dom)?;
        let value = xml_desc(&s, &a.child.name, a.flags)?;
        Ok::<_, QemuError>(StringRet { value })
    });
    r.add_sync(calls::DomainSnapshotIsCurrent, |d, a, _| {
        check_flags(a.flags, 0, "qemuDomainSnapshotIsCurrent")?;
        let s = d.snapshots(&a.child.dom)?;
        Ok::<_, QemuError>(count(usize::from(s.get(&a.child.name)?.current)))
    });
    r.add_sync(calls::DomainSnapshotHasMetadata, |d, a, _| {
        check_flags(a.flags, 0, "qemuDomainSnapshotHasMetadata")?;
        let s = d.snapshots(&a.child.dom)?;
        s.get(&a.child.name)?;
        Ok::<_, QemuError>(count(1))
    });
}

/// Every list flag a children list accepts (DESCENDANTS is ROOTS' bit).
const CHILD_FLAGS: u32 = LIST_FLAGS;

fn register_tree(r: &mut Router<QemuDriver>) {
    r.add_sync(calls::DomainSnapshotGetParent, |d, a, _| {
        check_flags(a.flags, 0, "qemuDomainSnapshotGetParent")?;
        let s = d.snapshots(&a.child.dom)?;
        let item = s.get(&a.child.name)?;
        let Some(p) = item.def.parent.as_deref() else {
            return Err(no_snapshot(format!(
                "snapshot '{}' does not have a parent",
                a.child.name
            )));
        };
        Ok(SnapshotRet { snap: s.handle(p) })
    });
    r.add_sync(calls::DomainSnapshotNumChildren, |d, a, _| {
        check_flags(a.flags, CHILD_FLAGS, "qemuDomainSnapshotNumChildren")?;
        let s = d.snapshots(&a.child.dom)?;
        s.get(&a.child.name)?;
        Ok::<_, QemuError>(count(s.all.select(Some(&a.child.name), a.flags).len()))
    });
    r.add_sync(calls::DomainSnapshotListChildrenNames, |d, a, _| {
        check_maxnames(a.maxnames)?;
        check_flags(a.flags, CHILD_FLAGS, "qemuDomainSnapshotListChildrenNames")?;
        let s = d.snapshots(&a.snap.dom)?;
        s.get(&a.snap.name)?;
        Ok::<_, QemuError>(names(s.all.select(Some(&a.snap.name), a.flags), a.maxnames))
    });
    r.add_sync(calls::DomainSnapshotListAllChildren, |d, a, _| {
        check_flags(a.flags, CHILD_FLAGS, "qemuDomainSnapshotListAllChildren")?;
        let s = d.snapshots(&a.snapshot.dom)?;
        s.get(&a.snapshot.name)?;
        let items = s.all.select(Some(&a.snapshot.name), a.flags);
        Ok::<_, QemuError>(list_all(&s, items, a.need_results))
    });
}
