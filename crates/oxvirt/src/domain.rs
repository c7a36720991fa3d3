//! [`Domain`]: a handle on one domain (name, UUID, id), and its calls.

use std::fmt;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

use oxvirt_proto::calls;
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{
    DomainArgs, DomainFlagsArgs, DomainGetInfoRet, DomainGetStateRet, DomainOpenConsoleArgs,
    DomainRet, DomainSetAutostartArgs, DomainSetMemoryFlagsArgs, IntRet, StringRet,
};
use oxvirt_proto::types::{NonnullDomain, Uuid};

use crate::console::Console;
use crate::{Connection, Result};

/// A domain of a [`Connection`]. Cheap to clone. Like libvirt's `virDomainPtr`, the handle
/// names the domain (the server finds it by UUID); [`Domain::id`] is updated by the calls made
/// through this handle that start or stop it.
#[derive(Debug, Clone)]
pub struct Domain {
    conn: Connection,
    handle: NonnullDomain,
    id: Arc<AtomicI32>,
}

/// `virDomainState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DomainState {
    NoState,
    Running,
    Blocked,
    Paused,
    Shutdown,
    Shutoff,
    Crashed,
    PmSuspended,
    /// A number this library does not know.
    Other(i32),
}

impl DomainState {
    pub fn from_raw(n: i32) -> DomainState {
        use oxvirt_proto::states::state;
        match n {
            state::NOSTATE => DomainState::NoState,
            state::RUNNING => DomainState::Running,
            state::BLOCKED => DomainState::Blocked,
            state::PAUSED => DomainState::Paused,
            state::SHUTDOWN => DomainState::Shutdown,
            state::SHUTOFF => DomainState::Shutoff,
            state::CRASHED => DomainState::Crashed,
            state::PMSUSPENDED => DomainState::PmSuspended,
            n => DomainState::Other(n),
        }
    }

    pub fn raw(self) -> i32 {
        use oxvirt_proto::states::state;
        match self {
            DomainState::NoState => state::NOSTATE,
            DomainState::Running => state::RUNNING,
            DomainState::Blocked => state::BLOCKED,
            DomainState::Paused => state::PAUSED,
            DomainState::Shutdown => state::SHUTDOWN,
            DomainState::Shutoff => state::SHUTOFF,
            DomainState::Crashed => state::CRASHED,
            DomainState::PmSuspended => state::PMSUSPENDED,
            DomainState::Other(n) => n,
        }
    }

    /// Whether a QEMU process exists for the domain.
    pub fn is_active(self) -> bool {
        !matches!(self, DomainState::Shutoff | DomainState::NoState)
    }

    /// The reason's name as `virsh domstate --reason` prints it.
    pub fn reason_name(self, reason: i32) -> &'static str {
        let names: &[&str] = match self {
            DomainState::Running => &[
                "unknown",
                "booted",
                "migrated",
                "restored",
                "from snapshot",
                "unpaused",
                "migration canceled",
                "save canceled",
                "event wakeup",
                "crashed",
                "post-copy",
                "post-copy failed",
            ],
            DomainState::Blocked => &["unknown"],
            DomainState::Paused => &[
                "unknown",
                "user",
                "migrating",
                "saving",
                "dumping",
                "I/O error",
                "watchdog",
                "from snapshot",
                "shutting down",
                "creating snapshot",
                "crashed",
                "starting up",
                "post-copy",
                "post-copy failed",
                "api error",
            ],
            DomainState::Shutdown => &["unknown", "user"],
            DomainState::Shutoff => &[
                "unknown",
                "shutdown",
                "destroyed",
                "crashed",
                "migrated",
                "saved",
                "failed",
                "from snapshot",
                "daemon",
            ],
            DomainState::Crashed => &["unknown", "panicked"],
            DomainState::PmSuspended => &["unknown"],
            DomainState::NoState | DomainState::Other(_) => &["unknown"],
        };
        usize::try_from(reason)
            .ok()
            .and_then(|i| names.get(i))
            .copied()
            .unwrap_or("unknown")
    }
}

impl fmt::Display for DomainState {
    /// The state as virsh prints it (`running`, `shut off`, ...).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DomainState::NoState => "no state",
            DomainState::Running => "running",
            DomainState::Blocked => "idle",
            DomainState::Paused => "paused",
            DomainState::Shutdown => "in shutdown",
            DomainState::Shutoff => "shut off",
            DomainState::Crashed => "crashed",
            DomainState::PmSuspended => "pmsuspended",
            DomainState::Other(_) => "no state",
        })
    }
}

/// `virDomainInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DomainInfo {
    pub state: DomainState,
    /// Maximum memory, KiB.
    pub max_memory_kib: u64,
    /// Current memory, KiB.
    pub memory_kib: u64,
    pub vcpus: u16,
    /// CPU time used, nanoseconds.
    pub cpu_time_ns: u64,
}

/// Flags of [`Domain::xml`] (`virDomainXMLFlags`).
pub mod xml_flags {
    pub use oxvirt_proto::flags::domain_xml::*;
}

/// Format a UUID as libvirt does (`8-4-4-4-12` lowercase hex).
pub fn format_uuid(u: &Uuid) -> String {
    let h: String = u.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Parse a UUID written with or without dashes.
pub fn parse_uuid(s: &str) -> Option<Uuid> {
    let hex: Vec<u8> = s.bytes().filter(|&b| b != b'-').collect();
    if hex.len() != 32 || s.len() > 36 {
        return None;
    }
    let mut u = [0u8; 16];
    for (i, pair) in hex.chunks(2).enumerate() {
        let digit = |c: u8| (c as char).to_digit(16);
        u[i] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some(u)
}

impl Domain {
    pub(crate) fn new(conn: Connection, handle: NonnullDomain) -> Domain {
        let id = Arc::new(AtomicI32::new(handle.id));
        Domain { conn, handle, id }
    }

    /// The wire handle (what the server identifies the domain by).
    pub fn handle(&self) -> &NonnullDomain {
        &self.handle
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn name(&self) -> &str {
        &self.handle.name
    }

    pub fn uuid(&self) -> Uuid {
        self.handle.uuid
    }

    pub fn uuid_string(&self) -> String {
        format_uuid(&self.handle.uuid)
    }

    /// The id while it runs, as last seen by this handle.
    pub fn id(&self) -> Option<u32> {
        u32::try_from(self.id.load(Ordering::Relaxed)).ok()
    }

    fn args(&self) -> DomainArgs {
        DomainArgs {
            dom: self.handle.clone(),
        }
    }

    fn flags(&self, flags: u32) -> DomainFlagsArgs {
        DomainFlagsArgs {
            dom: self.handle.clone(),
            flags,
        }
    }

    /// Start a defined domain. `flags`: 1 starts it paused.
    pub async fn start(&self, flags: u32) -> Result<()> {
        let r: DomainRet = self
            .conn
            .request::<calls::DomainCreateWithFlags>(&self.flags(flags))
            .await?;
        self.id.store(r.dom.id, Ordering::Relaxed);
        Ok(())
    }

    /// Ask the guest to shut down (ACPI power button); returns at once.
    pub async fn shutdown(&self) -> Result<()> {
        self.conn
            .request::<calls::DomainShutdown>(&self.args())
            .await
    }

    /// Ask the guest to reboot (ACPI); returns at once.
    pub async fn reboot(&self) -> Result<()> {
        self.conn
            .request::<calls::DomainReboot>(&self.flags(0))
            .await
    }

    /// Power off at once. `flags`: 1 (graceful) gives QEMU time to exit by itself.
    pub async fn destroy(&self, flags: u32) -> Result<()> {
        self.conn
            .request::<calls::DomainDestroyFlags>(&self.flags(flags))
            .await?;
        self.id.store(-1, Ordering::Relaxed);
        Ok(())
    }

    /// Reset the virtual hardware.
    pub async fn reset(&self) -> Result<()> {
        self.conn
            .request::<calls::DomainReset>(&self.flags(0))
            .await
    }

    pub async fn suspend(&self) -> Result<()> {
        self.conn
            .request::<calls::DomainSuspend>(&self.args())
            .await
    }

    pub async fn resume(&self) -> Result<()> {
        self.conn.request::<calls::DomainResume>(&self.args()).await
    }

    /// Remove the persistent definition (a running domain becomes transient).
    pub async fn undefine(&self, flags: u32) -> Result<()> {
        self.conn
            .request::<calls::DomainUndefineFlags>(&self.flags(flags))
            .await
    }

    /// State and its reason (see [`DomainState::reason_name`]).
    pub async fn state(&self) -> Result<(DomainState, i32)> {
        let r: DomainGetStateRet = self
            .conn
            .request::<calls::DomainGetState>(&self.flags(0))
            .await?;
        Ok((DomainState::from_raw(r.state), r.reason))
    }

    pub async fn info(&self) -> Result<DomainInfo> {
        let r: DomainGetInfoRet = self
            .conn
            .request::<calls::DomainGetInfo>(&self.args())
            .await?;
        Ok(DomainInfo {
            state: DomainState::from_raw(i32::from(r.state)),
            max_memory_kib: r.max_mem,
            memory_kib: r.memory,
            vcpus: r.nr_virt_cpu,
            cpu_time_ns: r.cpu_time,
        })
    }

    /// The domain's XML; `flags` from [`xml_flags`] (0: the live form while it runs).
    pub async fn xml(&self, flags: u32) -> Result<String> {
        let r: StringRet = self
            .conn
            .request::<calls::DomainGetXmlDesc>(&self.flags(flags))
            .await?;
        Ok(r.value)
    }

    pub async fn os_type(&self) -> Result<String> {
        let r: StringRet = self
            .conn
            .request::<calls::DomainGetOsType>(&self.args())
            .await?;
        Ok(r.value)
    }

    pub async fn is_active(&self) -> Result<bool> {
        let r: IntRet = self
            .conn
            .request::<calls::DomainIsActive>(&self.args())
            .await?;
        Ok(r.value != 0)
    }

    pub async fn is_persistent(&self) -> Result<bool> {
        let r: IntRet = self
            .conn
            .request::<calls::DomainIsPersistent>(&self.args())
            .await?;
        Ok(r.value != 0)
    }

    pub async fn autostart(&self) -> Result<bool> {
        let r: IntRet = self
            .conn
            .request::<calls::DomainGetAutostart>(&self.args())
            .await?;
        Ok(r.value != 0)
    }

    pub async fn set_autostart(&self, on: bool) -> Result<()> {
        self.conn
            .request::<calls::DomainSetAutostart>(&DomainSetAutostartArgs {
                dom: self.handle.clone(),
                autostart: i32::from(on),
            })
            .await
    }

    /// Change the balloon target (KiB). `flags` as `virDomainModificationImpact` (0: live).
    pub async fn set_memory(&self, kib: u64, flags: u32) -> Result<()> {
        self.conn
            .request::<calls::DomainSetMemoryFlags>(&DomainSetMemoryFlagsArgs {
                dom: self.handle.clone(),
                memory: kib,
                flags,
            })
            .await
    }

    /// Open the domain's console (the first serial port, or `device`, e.g. `"serial0"`).
    /// `flags`: 1 (force) takes over a console another client holds.
    pub async fn open_console(&self, device: Option<&str>, flags: u32) -> Result<Console> {
        let stream = self
            .conn
            .call_stream(
                rp::DOMAIN_OPEN_CONSOLE,
                &DomainOpenConsoleArgs {
                    dom: self.handle.clone(),
                    dev_name: device.map(str::to_owned),
                    flags,
                },
            )
            .await?;
        Ok(Console::new(self.conn.clone(), stream))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_print_and_parse_as_libvirt() {
        let s = "c7a5fdbd-edaf-9455-926a-d65c16db1809";
        let u = parse_uuid(s).unwrap();
        assert_eq!(format_uuid(&u), s);
        assert_eq!(parse_uuid("c7a5fdbdedaf9455926ad65c16db1809"), Some(u));
        assert_eq!(parse_uuid("c7a5fdbd"), None);
        assert_eq!(parse_uuid("g7a5fdbd-edaf-9455-926a-d65c16db1809"), None);
        assert_eq!(parse_uuid("ĉ7a5fdbd-edaf-9455-926a-d65c16db180"), None);
    }

    #[test]
    fn states_and_reasons_read_as_virsh() {
        assert_eq!(DomainState::from_raw(5).to_string(), "shut off");
        assert_eq!(DomainState::Shutoff.reason_name(2), "destroyed");
        assert_eq!(DomainState::Running.reason_name(1), "booted");
        assert_eq!(DomainState::Paused.reason_name(1), "user");
        assert_eq!(DomainState::Paused.reason_name(-1), "unknown");
        assert_eq!(DomainState::Other(42).raw(), 42);
        assert!(!DomainState::Shutoff.is_active());
        assert!(DomainState::Paused.is_active());
    }
}
