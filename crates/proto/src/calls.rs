//! Typed procedures: one marker type per procedure oxvirt serves (or calls), naming its
//! program, number, argument and reply types once. A router registers a handler for a marker
//! (`router.add(calls::DomainSuspend, handler)`) and the framework decodes the arguments and
//! encodes the reply with these types, so a handler cannot pick the wrong ones; a client can
//! call through the same markers. Everything else about a procedure (ACL, read-only policy,
//! priority, serving daemon) is in its [`ProcedureInfo`].

use crate::block_api::*;
use crate::domain_api::*;
use crate::procedures::{procedure, qemu_proc as qp, remote_proc as rp, ProcedureInfo, Program};
use crate::remote::*;
use crate::save::*;
use crate::snapshot::*;
use crate::tune_api::*;

/// A procedure with its argument and reply types.
pub trait Procedure: Send + Sync + 'static {
    /// The program it belongs to.
    const PROGRAM: Program;
    /// Its number in the message header.
    const NUMBER: i32;
    /// The CALL's body (`()`: no arguments): a server decodes it, a client encodes it.
    type Args: oxvirt_xdr::Encode + oxvirt_xdr::Decode + Send + Sync + 'static;
    /// The REPLY's body (`()`: an empty reply): a server encodes it, a client decodes it.
    type Ret: oxvirt_xdr::Encode + oxvirt_xdr::Decode + Send + 'static;

    /// The procedure's row in the table (ACL, read-only policy, priority, serving daemon).
    fn info() -> Option<&'static ProcedureInfo> {
        procedure(Self::PROGRAM, Self::NUMBER)
    }
}

/// Define procedure markers: `Name = Program NUMBER, Args => Ret;` each. A driver crate whose
/// argument types are its own (the network driver's wire types) defines its markers with it
/// as this module does; each invocation also defines `const MARKERS` (under `cfg(test)`), the
/// `(program, number, name)` of its markers, for [`marker_name_mismatches`].
#[macro_export]
macro_rules! procedure_markers {
    ($($(#[$meta:meta])* $name:ident = $program:ident $number:expr, $args:ty => $ret:ty;)*) => {
        $(
            $(#[$meta])*
            #[doc = concat!("\n\nThe procedure marker `", stringify!($name), "` (", stringify!($program), " program).")]
            #[derive(Debug, Clone, Copy, Default)]
            pub struct $name;

            impl $crate::calls::Procedure for $name {
                const PROGRAM: $crate::procedures::Program = $crate::procedures::Program::$program;
                const NUMBER: i32 = $number;
                type Args = $args;
                type Ret = $ret;
            }
        )*

        /// `(program, number, name)` of every marker defined here, for the consistency test.
        #[cfg(test)]
        const MARKERS: &[($crate::procedures::Program, i32, &str)] =
            &[$(($crate::procedures::Program::$program, $number, stringify!($name))),*];
    };
}

/// The markers of `markers` that are not a procedure of the table under their own name
/// (`DOMAIN_SUSPEND` is `DomainSuspend`, the QEMU program's `QemuDomainMonitorCommand`): a
/// test of each crate that defines markers checks that this is empty.
pub fn marker_name_mismatches(markers: &[(Program, i32, &str)]) -> Vec<String> {
    let mut bad = Vec::new();
    for &(program, number, marker) in markers {
        let Some(info) = procedure(program, number) else {
            bad.push(format!("{marker}: no procedure {number}"));
            continue;
        };
        let camel: String = info
            .name
            .split('_')
            .map(|w| {
                let mut c = w.chars();
                c.next().map_or(String::new(), |f| {
                    f.to_string() + &c.as_str().to_ascii_lowercase()
                })
            })
            .collect();
        let expected = match program {
            Program::Qemu => format!("Qemu{camel}"),
            _ => camel,
        };
        if marker != expected {
            bad.push(format!("{marker}: the procedure is {expected}"));
        }
    }
    bad
}

procedure_markers! {
    // the host and the hypervisor
    ConnectGetType = Remote rp::CONNECT_GET_TYPE, () => StringRet;
    ConnectGetVersion = Remote rp::CONNECT_GET_VERSION, () => U64Ret;
    ConnectGetLibVersion = Remote rp::CONNECT_GET_LIB_VERSION, () => U64Ret;
    ConnectGetHostname = Remote rp::CONNECT_GET_HOSTNAME, () => StringRet;
    ConnectGetSysinfo = Remote rp::CONNECT_GET_SYSINFO, FlagsArgs => StringRet;
    ConnectGetMaxVcpus = Remote rp::CONNECT_GET_MAX_VCPUS, ConnectGetMaxVcpusArgs => IntRet;
    ConnectGetCapabilities = Remote rp::CONNECT_GET_CAPABILITIES, () => StringRet;
    ConnectGetDomainCapabilities = Remote rp::CONNECT_GET_DOMAIN_CAPABILITIES,
        ConnectGetDomainCapabilitiesArgs => StringRet;
    ConnectGetCpuModelNames = Remote rp::CONNECT_GET_CPU_MODEL_NAMES,
        ConnectGetCpuModelNamesArgs => ConnectGetCpuModelNamesRet;
    NodeGetInfo = Remote rp::NODE_GET_INFO, () => NodeGetInfoRet;
    NodeGetCpuStats = Remote rp::NODE_GET_CPU_STATS, NodeGetCpuStatsArgs => NodeGetCpuStatsRet;
    NodeGetMemoryStats = Remote rp::NODE_GET_MEMORY_STATS,
        NodeGetMemoryStatsArgs => NodeGetMemoryStatsRet;
    NodeGetFreeMemory = Remote rp::NODE_GET_FREE_MEMORY, () => U64Ret;
    NodeGetCellsFreeMemory = Remote rp::NODE_GET_CELLS_FREE_MEMORY,
        NodeGetCellsFreeMemoryArgs => NodeGetCellsFreeMemoryRet;
    NodeGetCpuMap = Remote rp::NODE_GET_CPU_MAP, NodeGetCpuMapArgs => NodeGetCpuMapRet;
    NodeGetSecurityModel = Remote rp::NODE_GET_SECURITY_MODEL, () => NodeGetSecurityModelRet;

    // host interfaces (oxvirt-interfaced)
    ConnectNumOfInterfaces = Remote rp::CONNECT_NUM_OF_INTERFACES, () => IntRet;
    ConnectListInterfaces = Remote rp::CONNECT_LIST_INTERFACES,
        crate::interface::ConnectListInterfacesArgs => crate::interface::ConnectListInterfacesRet;
    ConnectNumOfDefinedInterfaces = Remote rp::CONNECT_NUM_OF_DEFINED_INTERFACES, () => IntRet;
    ConnectListDefinedInterfaces = Remote rp::CONNECT_LIST_DEFINED_INTERFACES,
        crate::interface::ConnectListInterfacesArgs => crate::interface::ConnectListInterfacesRet;
    ConnectListAllInterfaces = Remote rp::CONNECT_LIST_ALL_INTERFACES,
        crate::interface::ConnectListAllInterfacesArgs
            => crate::interface::ConnectListAllInterfacesRet;
    InterfaceLookupByName = Remote rp::INTERFACE_LOOKUP_BY_NAME,
        crate::interface::InterfaceLookupByNameArgs => crate::interface::InterfaceRet;
    InterfaceLookupByMacString = Remote rp::INTERFACE_LOOKUP_BY_MAC_STRING,
        crate::interface::InterfaceLookupByMacStringArgs => crate::interface::InterfaceRet;
    InterfaceGetXmlDesc = Remote rp::INTERFACE_GET_XML_DESC,
        crate::interface::InterfaceGetXmlDescArgs => StringRet;
    InterfaceIsActive = Remote rp::INTERFACE_IS_ACTIVE,
        crate::interface::InterfaceArgs => crate::interface::InterfaceIsActiveRet;

    // secrets (oxvirt-secretd)
    ConnectNumOfSecrets = Remote rp::CONNECT_NUM_OF_SECRETS, () => IntRet;
    ConnectListSecrets = Remote rp::CONNECT_LIST_SECRETS,
        crate::secret::ConnectListSecretsArgs => crate::secret::ConnectListSecretsRet;
    ConnectListAllSecrets = Remote rp::CONNECT_LIST_ALL_SECRETS,
        crate::secret::ConnectListAllSecretsArgs => crate::secret::ConnectListAllSecretsRet;
    SecretLookupByUuid = Remote rp::SECRET_LOOKUP_BY_UUID,
        crate::secret::SecretLookupByUuidArgs => crate::secret::SecretRet;
    SecretLookupByUsage = Remote rp::SECRET_LOOKUP_BY_USAGE,
        crate::secret::SecretLookupByUsageArgs => crate::secret::SecretRet;
    SecretDefineXml = Remote rp::SECRET_DEFINE_XML,
        crate::secret::SecretDefineXmlArgs => crate::secret::SecretRet;
    SecretGetXmlDesc = Remote rp::SECRET_GET_XML_DESC,
        crate::secret::SecretFlagsArgs => StringRet;
    SecretSetValue = Remote rp::SECRET_SET_VALUE, crate::secret::SecretSetValueArgs => ();
    SecretGetValue = Remote rp::SECRET_GET_VALUE,
        crate::secret::SecretFlagsArgs => crate::secret::SecretGetValueRet;
    SecretUndefine = Remote rp::SECRET_UNDEFINE, crate::secret::SecretArgs => ();
    ConnectSecretEventRegisterAny = Remote rp::CONNECT_SECRET_EVENT_REGISTER_ANY,
        crate::secret::SecretEventRegisterAnyArgs => CallbackIdRet;
    ConnectSecretEventDeregisterAny = Remote rp::CONNECT_SECRET_EVENT_DEREGISTER_ANY,
        CallbackIdArgs => ();

    // the registry of domains
    ConnectListAllDomains = Remote rp::CONNECT_LIST_ALL_DOMAINS,
        ConnectListAllDomainsArgs => ConnectListAllDomainsRet;
    ConnectNumOfDomains = Remote rp::CONNECT_NUM_OF_DOMAINS, () => IntRet;
    ConnectListDomains = Remote rp::CONNECT_LIST_DOMAINS,
        ConnectListDomainsArgs => ConnectListDomainsRet;
    ConnectNumOfDefinedDomains = Remote rp::CONNECT_NUM_OF_DEFINED_DOMAINS, () => IntRet;
    ConnectListDefinedDomains = Remote rp::CONNECT_LIST_DEFINED_DOMAINS,
        ConnectListDefinedDomainsArgs => ConnectListDefinedDomainsRet;
    DomainLookupByName = Remote rp::DOMAIN_LOOKUP_BY_NAME, DomainLookupByNameArgs => DomainRet;
    DomainLookupByUuid = Remote rp::DOMAIN_LOOKUP_BY_UUID, DomainLookupByUuidArgs => DomainRet;
    DomainLookupById = Remote rp::DOMAIN_LOOKUP_BY_ID, DomainLookupByIdArgs => DomainRet;
    DomainDefineXml = Remote rp::DOMAIN_DEFINE_XML, DomainDefineXmlArgs => DomainRet;
    DomainDefineXmlFlags = Remote rp::DOMAIN_DEFINE_XML_FLAGS, DomainDefineXmlFlagsArgs => DomainRet;
    DomainUndefine = Remote rp::DOMAIN_UNDEFINE, DomainArgs => ();
    DomainUndefineFlags = Remote rp::DOMAIN_UNDEFINE_FLAGS, DomainFlagsArgs => ();
    DomainGetState = Remote rp::DOMAIN_GET_STATE, DomainFlagsArgs => DomainGetStateRet;
    DomainGetInfo = Remote rp::DOMAIN_GET_INFO, DomainArgs => DomainGetInfoRet;
    DomainGetXmlDesc = Remote rp::DOMAIN_GET_XML_DESC, DomainFlagsArgs => StringRet;
    DomainGetOsType = Remote rp::DOMAIN_GET_OS_TYPE, DomainArgs => StringRet;
    DomainGetMaxMemory = Remote rp::DOMAIN_GET_MAX_MEMORY, DomainArgs => U64Ret;
    DomainIsActive = Remote rp::DOMAIN_IS_ACTIVE, DomainArgs => IntRet;
    DomainIsUpdated = Remote rp::DOMAIN_IS_UPDATED, DomainArgs => IntRet;
    DomainIsPersistent = Remote rp::DOMAIN_IS_PERSISTENT, DomainArgs => IntRet;
    DomainGetAutostart = Remote rp::DOMAIN_GET_AUTOSTART, DomainArgs => IntRet;
    DomainSetAutostart = Remote rp::DOMAIN_SET_AUTOSTART, DomainSetAutostartArgs => ();
    DomainHasManagedSaveImage = Remote rp::DOMAIN_HAS_MANAGED_SAVE_IMAGE, DomainFlagsArgs => IntRet;
    DomainSnapshotNum = Remote rp::DOMAIN_SNAPSHOT_NUM, DomainFlagsArgs => IntRet;
    DomainGetMessages = Remote rp::DOMAIN_GET_MESSAGES, DomainFlagsArgs => DomainGetMessagesRet;
    DomainGetSecurityLabel = Remote rp::DOMAIN_GET_SECURITY_LABEL,
        DomainArgs => DomainGetSecurityLabelRet;

    // running domains
    DomainCreate = Remote rp::DOMAIN_CREATE, DomainArgs => ();
    DomainCreateWithFlags = Remote rp::DOMAIN_CREATE_WITH_FLAGS, DomainFlagsArgs => DomainRet;
    DomainCreateXml = Remote rp::DOMAIN_CREATE_XML, DomainCreateXmlArgs => DomainRet;
    DomainSuspend = Remote rp::DOMAIN_SUSPEND, DomainArgs => ();
    DomainResume = Remote rp::DOMAIN_RESUME, DomainArgs => ();
    DomainShutdown = Remote rp::DOMAIN_SHUTDOWN, DomainArgs => ();
    DomainShutdownFlags = Remote rp::DOMAIN_SHUTDOWN_FLAGS, DomainFlagsArgs => ();
    DomainReboot = Remote rp::DOMAIN_REBOOT, DomainFlagsArgs => ();
    DomainReset = Remote rp::DOMAIN_RESET, DomainFlagsArgs => ();
    DomainDestroy = Remote rp::DOMAIN_DESTROY, DomainArgs => ();
    DomainDestroyFlags = Remote rp::DOMAIN_DESTROY_FLAGS, DomainFlagsArgs => ();
    DomainSetMemory = Remote rp::DOMAIN_SET_MEMORY, DomainSetMemoryArgs => ();
    DomainSetMemoryFlags = Remote rp::DOMAIN_SET_MEMORY_FLAGS, DomainSetMemoryFlagsArgs => ();
    /// Opens a stream: the reply is empty and the console's data follows on the stream.
    DomainOpenConsole = Remote rp::DOMAIN_OPEN_CONSOLE, DomainOpenConsoleArgs => ();
    ConnectGetAllDomainStats = Remote rp::CONNECT_GET_ALL_DOMAIN_STATS,
        ConnectGetAllDomainStatsArgs => ConnectGetAllDomainStatsRet;

    // the QEMU program
    QemuDomainMonitorCommand = Qemu qp::DOMAIN_MONITOR_COMMAND,
        QemuDomainMonitorCommandArgs => QemuDomainMonitorCommandRet;
    // a running domain's statistics, jobs, metadata, guest agent and input (domain_api)
    DomainGetJobInfo = Remote rp::DOMAIN_GET_JOB_INFO, DomainArgs => DomainGetJobInfoRet;
    DomainGetJobStats = Remote rp::DOMAIN_GET_JOB_STATS, DomainFlagsArgs => DomainGetJobStatsRet;
    DomainAbortJob = Remote rp::DOMAIN_ABORT_JOB, DomainArgs => ();
    DomainAbortJobFlags = Remote rp::DOMAIN_ABORT_JOB_FLAGS, DomainFlagsArgs => ();
    DomainGetControlInfo = Remote rp::DOMAIN_GET_CONTROL_INFO,
        DomainFlagsArgs => DomainGetControlInfoRet;
    DomainGetDiskErrors = Remote rp::DOMAIN_GET_DISK_ERRORS,
        DomainGetDiskErrorsArgs => DomainGetDiskErrorsRet;
    DomainBlockStats = Remote rp::DOMAIN_BLOCK_STATS, DomainDeviceArgs => DomainBlockStatsRet;
    DomainBlockStatsFlags = Remote rp::DOMAIN_BLOCK_STATS_FLAGS,
        DomainBlockStatsFlagsArgs => TypedParamsRet;
    DomainInterfaceStats = Remote rp::DOMAIN_INTERFACE_STATS,
        DomainDeviceArgs => DomainInterfaceStatsRet;
    DomainMemoryStats = Remote rp::DOMAIN_MEMORY_STATS,
        DomainMemoryStatsArgs => DomainMemoryStatsRet;
    DomainMigrateSetMaxSpeed = Remote rp::DOMAIN_MIGRATE_SET_MAX_SPEED,
        DomainMigrateSetMaxSpeedArgs => ();
    DomainMigrateGetMaxSpeed = Remote rp::DOMAIN_MIGRATE_GET_MAX_SPEED,
        DomainFlagsArgs => DomainMigrateGetMaxSpeedRet;
    DomainBlockPeek = Remote rp::DOMAIN_BLOCK_PEEK, DomainBlockPeekArgs => DomainBlockPeekRet;
    DomainGetBlockInfo = Remote rp::DOMAIN_GET_BLOCK_INFO,
        DomainGetBlockInfoArgs => DomainGetBlockInfoRet;
    DomainGetTime = Remote rp::DOMAIN_GET_TIME, DomainFlagsArgs => DomainGetTimeRet;
    DomainSetTime = Remote rp::DOMAIN_SET_TIME, DomainSetTimeArgs => ();
    DomainGetHostname = Remote rp::DOMAIN_GET_HOSTNAME, DomainFlagsArgs => StringRet;
    DomainGetFsinfo = Remote rp::DOMAIN_GET_FSINFO, DomainFlagsArgs => DomainGetFsInfoRet;
    DomainFsfreeze = Remote rp::DOMAIN_FSFREEZE, DomainFsFreezeArgs => IntRet;
    DomainFsthaw = Remote rp::DOMAIN_FSTHAW, DomainFsFreezeArgs => IntRet;
    DomainGetGuestInfo = Remote rp::DOMAIN_GET_GUEST_INFO,
        DomainGetGuestInfoArgs => TypedParamsOnlyRet;
    DomainGetGuestVcpus = Remote rp::DOMAIN_GET_GUEST_VCPUS, DomainFlagsArgs => TypedParamsOnlyRet;
    DomainInterfaceAddresses = Remote rp::DOMAIN_INTERFACE_ADDRESSES,
        DomainInterfaceAddressesArgs => DomainInterfaceAddressesRet;
    DomainSendKey = Remote rp::DOMAIN_SEND_KEY, DomainSendKeyArgs => ();
    DomainInjectNmi = Remote rp::DOMAIN_INJECT_NMI, DomainFlagsArgs => ();
    DomainSetMetadata = Remote rp::DOMAIN_SET_METADATA, DomainSetMetadataArgs => ();
    DomainGetMetadata = Remote rp::DOMAIN_GET_METADATA, DomainGetMetadataArgs => StringRet;
    QemuDomainAgentCommand = Qemu qp::DOMAIN_AGENT_COMMAND,
        QemuDomainAgentCommandArgs => QemuDomainAgentCommandRet;
    DomainGetMaxVcpus = Remote rp::DOMAIN_GET_MAX_VCPUS, DomainArgs => IntRet;
    DomainGetVcpusFlags = Remote rp::DOMAIN_GET_VCPUS_FLAGS, DomainFlagsArgs => IntRet;
    DomainGetVcpus = Remote rp::DOMAIN_GET_VCPUS, DomainGetVcpusArgs => DomainGetVcpusRet;
    DomainGetVcpuPinInfo = Remote rp::DOMAIN_GET_VCPU_PIN_INFO,
        DomainGetVcpuPinInfoArgs => CpumapsRet;
    DomainGetEmulatorPinInfo = Remote rp::DOMAIN_GET_EMULATOR_PIN_INFO,
        DomainGetEmulatorPinInfoArgs => CpumapsRet;
    DomainGetIothreadInfo = Remote rp::DOMAIN_GET_IOTHREAD_INFO,
        DomainFlagsArgs => DomainGetIothreadInfoRet;

    // devices: hotplug and the persistent definition's devices
    DomainAttachDevice = Remote rp::DOMAIN_ATTACH_DEVICE, DomainAttachDeviceArgs => ();
    DomainAttachDeviceFlags = Remote rp::DOMAIN_ATTACH_DEVICE_FLAGS,
        DomainAttachDeviceFlagsArgs => ();
    DomainDetachDevice = Remote rp::DOMAIN_DETACH_DEVICE, DomainAttachDeviceArgs => ();
    DomainDetachDeviceFlags = Remote rp::DOMAIN_DETACH_DEVICE_FLAGS,
        DomainAttachDeviceFlagsArgs => ();
    DomainDetachDeviceAlias = Remote rp::DOMAIN_DETACH_DEVICE_ALIAS,
        DomainDetachDeviceAliasArgs => ();
    DomainUpdateDeviceFlags = Remote rp::DOMAIN_UPDATE_DEVICE_FLAGS,
        DomainAttachDeviceFlagsArgs => ();

    // setters and tuning
    DomainSetMaxMemory = Remote rp::DOMAIN_SET_MAX_MEMORY, DomainSetMaxMemoryArgs => ();
    DomainSetVcpus = Remote rp::DOMAIN_SET_VCPUS, DomainSetVcpusArgs => ();
    DomainSetVcpusFlags = Remote rp::DOMAIN_SET_VCPUS_FLAGS, DomainSetVcpusFlagsArgs => ();
    DomainPinVcpu = Remote rp::DOMAIN_PIN_VCPU, DomainPinVcpuArgs => ();
    DomainPinVcpuFlags = Remote rp::DOMAIN_PIN_VCPU_FLAGS, DomainPinVcpuFlagsArgs => ();
    DomainPinEmulator = Remote rp::DOMAIN_PIN_EMULATOR, DomainPinEmulatorArgs => ();
    DomainSetLifecycleAction = Remote rp::DOMAIN_SET_LIFECYCLE_ACTION,
        DomainSetLifecycleActionArgs => ();
    DomainGetSchedulerType = Remote rp::DOMAIN_GET_SCHEDULER_TYPE,
        DomainArgs => DomainGetSchedulerTypeRet;
    DomainGetSchedulerParameters = Remote rp::DOMAIN_GET_SCHEDULER_PARAMETERS,
        DomainGetSchedulerParametersArgs => DomainGetSchedulerParametersRet;
    DomainGetSchedulerParametersFlags = Remote rp::DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS,
        DomainGetParametersArgs => DomainGetSchedulerParametersRet;
    DomainSetSchedulerParameters = Remote rp::DOMAIN_SET_SCHEDULER_PARAMETERS,
        DomainSetSchedulerParametersArgs => ();
    DomainSetSchedulerParametersFlags = Remote rp::DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS,
        DomainSetParametersArgs => ();
    DomainGetMemoryParameters = Remote rp::DOMAIN_GET_MEMORY_PARAMETERS,
        DomainGetParametersArgs => DomainGetParametersRet;
    DomainGetBlkioParameters = Remote rp::DOMAIN_GET_BLKIO_PARAMETERS,
        DomainGetParametersArgs => DomainGetParametersRet;
    DomainGetNumaParameters = Remote rp::DOMAIN_GET_NUMA_PARAMETERS,
        DomainGetParametersArgs => DomainGetParametersRet;
    DomainSetNumaParameters = Remote rp::DOMAIN_SET_NUMA_PARAMETERS, DomainSetParametersArgs => ();
    DomainGetCpuStats = Remote rp::DOMAIN_GET_CPU_STATS, DomainGetCpuStatsArgs => DomainGetCpuStatsRet;
    /// Opens a stream: the reply names the image's type and the image follows on the stream.
    DomainScreenshot = Remote rp::DOMAIN_SCREENSHOT, DomainScreenshotArgs => DomainScreenshotRet;
    // save, restore, managed save (save)
    DomainSave = Remote rp::DOMAIN_SAVE, DomainSaveArgs => ();
    DomainSaveFlags = Remote rp::DOMAIN_SAVE_FLAGS, DomainSaveFlagsArgs => ();
    DomainRestore = Remote rp::DOMAIN_RESTORE, DomainRestoreArgs => ();
    DomainRestoreFlags = Remote rp::DOMAIN_RESTORE_FLAGS, DomainRestoreFlagsArgs => ();
    DomainSaveImageGetXmlDesc = Remote rp::DOMAIN_SAVE_IMAGE_GET_XML_DESC,
        DomainSaveImageGetXmlDescArgs => StringRet;
    DomainSaveImageDefineXml = Remote rp::DOMAIN_SAVE_IMAGE_DEFINE_XML,
        DomainSaveImageDefineXmlArgs => ();
    DomainManagedSave = Remote rp::DOMAIN_MANAGED_SAVE, DomainFlagsArgs => ();
    DomainManagedSaveRemove = Remote rp::DOMAIN_MANAGED_SAVE_REMOVE, DomainFlagsArgs => ();
    DomainManagedSaveGetXmlDesc = Remote rp::DOMAIN_MANAGED_SAVE_GET_XML_DESC,
        DomainFlagsArgs => StringRet;
    DomainManagedSaveDefineXml = Remote rp::DOMAIN_MANAGED_SAVE_DEFINE_XML,
        DomainManagedSaveDefineXmlArgs => ();
    DomainSaveParams = Remote rp::DOMAIN_SAVE_PARAMS, DomainSaveParamsArgs => ();
    DomainRestoreParams = Remote rp::DOMAIN_RESTORE_PARAMS, DomainRestoreParamsArgs => ();
    // snapshots (snapshot)
    DomainSnapshotCreateXml = Remote rp::DOMAIN_SNAPSHOT_CREATE_XML,
        DomainSnapshotCreateXmlArgs => SnapshotRet;
    DomainSnapshotGetXmlDesc = Remote rp::DOMAIN_SNAPSHOT_GET_XML_DESC,
        DomainChildFlagsArgs => StringRet;
    DomainSnapshotListNames = Remote rp::DOMAIN_SNAPSHOT_LIST_NAMES,
        DomainSnapshotListNamesArgs => SnapshotNamesRet;
    DomainSnapshotLookupByName = Remote rp::DOMAIN_SNAPSHOT_LOOKUP_BY_NAME,
        DomainSnapshotLookupByNameArgs => SnapshotRet;
    DomainHasCurrentSnapshot = Remote rp::DOMAIN_HAS_CURRENT_SNAPSHOT, DomainFlagsArgs => IntRet;
    DomainSnapshotCurrent = Remote rp::DOMAIN_SNAPSHOT_CURRENT, DomainFlagsArgs => SnapshotRet;
    DomainRevertToSnapshot = Remote rp::DOMAIN_REVERT_TO_SNAPSHOT, DomainChildFlagsArgs => ();
    DomainSnapshotDelete = Remote rp::DOMAIN_SNAPSHOT_DELETE, DomainChildFlagsArgs => ();
    DomainSnapshotGetParent = Remote rp::DOMAIN_SNAPSHOT_GET_PARENT,
        DomainChildFlagsArgs => SnapshotRet;
    DomainSnapshotNumChildren = Remote rp::DOMAIN_SNAPSHOT_NUM_CHILDREN,
        DomainChildFlagsArgs => IntRet;
    DomainSnapshotListChildrenNames = Remote rp::DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES,
        SnapshotListChildrenNamesArgs => SnapshotNamesRet;
    DomainSnapshotIsCurrent = Remote rp::DOMAIN_SNAPSHOT_IS_CURRENT, DomainChildFlagsArgs => IntRet;
    DomainSnapshotHasMetadata = Remote rp::DOMAIN_SNAPSHOT_HAS_METADATA,
        DomainChildFlagsArgs => IntRet;
    DomainListAllSnapshots = Remote rp::DOMAIN_LIST_ALL_SNAPSHOTS,
        DomainListAllSnapshotsArgs => SnapshotListRet;
    DomainSnapshotListAllChildren = Remote rp::DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN,
        SnapshotListAllChildrenArgs => SnapshotListRet;
    // block jobs and block tuning (block)
    DomainBlockResize = Remote rp::DOMAIN_BLOCK_RESIZE, DomainBlockResizeArgs => ();
    DomainBlockJobAbort = Remote rp::DOMAIN_BLOCK_JOB_ABORT, DomainBlockJobArgs => ();
    DomainGetBlockJobInfo = Remote rp::DOMAIN_GET_BLOCK_JOB_INFO,
        DomainBlockJobArgs => DomainGetBlockJobInfoRet;
    DomainBlockJobSetSpeed = Remote rp::DOMAIN_BLOCK_JOB_SET_SPEED, DomainBlockBandwidthArgs => ();
    DomainBlockPull = Remote rp::DOMAIN_BLOCK_PULL, DomainBlockBandwidthArgs => ();
    DomainBlockRebase = Remote rp::DOMAIN_BLOCK_REBASE, DomainBlockRebaseArgs => ();
    DomainBlockCopy = Remote rp::DOMAIN_BLOCK_COPY, DomainBlockCopyArgs => ();
    DomainBlockCommit = Remote rp::DOMAIN_BLOCK_COMMIT, DomainBlockCommitArgs => ();
    DomainSetBlockIoTune = Remote rp::DOMAIN_SET_BLOCK_IO_TUNE, DomainSetBlockIoTuneArgs => ();
    DomainGetBlockIoTune = Remote rp::DOMAIN_GET_BLOCK_IO_TUNE,
        DomainGetBlockIoTuneArgs => TypedParamsRet;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every marker names a procedure of the table, under its own name.
    #[test]
    fn markers_match_the_table() {
        assert_eq!(marker_name_mismatches(MARKERS), Vec::<String>::new());
        assert_eq!(
            DomainSuspend::info().map(|i| i.name),
            Some("DOMAIN_SUSPEND")
        );
        assert_eq!(
            marker_name_mismatches(&[(Program::Remote, rp::DOMAIN_SUSPEND, "DomainResume")]).len(),
            1
        );
    }
}
