// The procedure table: every procedure of libvirt 9.0's REMOTE, QEMU, LXC and ADMIN programs with
// its number, ACL annotations, priority, stream direction and public API name. Written once from
// the documented facts (the @acl/@priority/@readstream/@writestream annotations) and kept as
// oxvirt's own data: new procedures are added here by hand.

use super::{perm, perm_if, perm_param, Priority, ProcedureInfo, Program, StreamDirection};

/// `REMOTE_PROC_*` numbers of the REMOTE program.
pub mod remote_proc {
    pub const CONNECT_OPEN: i32 = 1;
    pub const CONNECT_CLOSE: i32 = 2;
    pub const CONNECT_GET_TYPE: i32 = 3;
    pub const CONNECT_GET_VERSION: i32 = 4;
    pub const CONNECT_GET_MAX_VCPUS: i32 = 5;
    pub const NODE_GET_INFO: i32 = 6;
    pub const CONNECT_GET_CAPABILITIES: i32 = 7;
    pub const DOMAIN_ATTACH_DEVICE: i32 = 8;
    pub const DOMAIN_CREATE: i32 = 9;
    pub const DOMAIN_CREATE_XML: i32 = 10;
    pub const DOMAIN_DEFINE_XML: i32 = 11;
    pub const DOMAIN_DESTROY: i32 = 12;
    pub const DOMAIN_DETACH_DEVICE: i32 = 13;
    pub const DOMAIN_GET_XML_DESC: i32 = 14;
    pub const DOMAIN_GET_AUTOSTART: i32 = 15;
    pub const DOMAIN_GET_INFO: i32 = 16;
    pub const DOMAIN_GET_MAX_MEMORY: i32 = 17;
    pub const DOMAIN_GET_MAX_VCPUS: i32 = 18;
    pub const DOMAIN_GET_OS_TYPE: i32 = 19;
    pub const DOMAIN_GET_VCPUS: i32 = 20;
    pub const CONNECT_LIST_DEFINED_DOMAINS: i32 = 21;
    pub const DOMAIN_LOOKUP_BY_ID: i32 = 22;
    pub const DOMAIN_LOOKUP_BY_NAME: i32 = 23;
    pub const DOMAIN_LOOKUP_BY_UUID: i32 = 24;
    pub const CONNECT_NUM_OF_DEFINED_DOMAINS: i32 = 25;
    pub const DOMAIN_PIN_VCPU: i32 = 26;
    pub const DOMAIN_REBOOT: i32 = 27;
    pub const DOMAIN_RESUME: i32 = 28;
    pub const DOMAIN_SET_AUTOSTART: i32 = 29;
    pub const DOMAIN_SET_MAX_MEMORY: i32 = 30;
    pub const DOMAIN_SET_MEMORY: i32 = 31;
    pub const DOMAIN_SET_VCPUS: i32 = 32;
    pub const DOMAIN_SHUTDOWN: i32 = 33;
    pub const DOMAIN_SUSPEND: i32 = 34;
    pub const DOMAIN_UNDEFINE: i32 = 35;
    pub const CONNECT_LIST_DEFINED_NETWORKS: i32 = 36;
    pub const CONNECT_LIST_DOMAINS: i32 = 37;
    pub const CONNECT_LIST_NETWORKS: i32 = 38;
    pub const NETWORK_CREATE: i32 = 39;
    pub const NETWORK_CREATE_XML: i32 = 40;
    pub const NETWORK_DEFINE_XML: i32 = 41;
    pub const NETWORK_DESTROY: i32 = 42;
    pub const NETWORK_GET_XML_DESC: i32 = 43;
    pub const NETWORK_GET_AUTOSTART: i32 = 44;
    pub const NETWORK_GET_BRIDGE_NAME: i32 = 45;
    pub const NETWORK_LOOKUP_BY_NAME: i32 = 46;
    pub const NETWORK_LOOKUP_BY_UUID: i32 = 47;
    pub const NETWORK_SET_AUTOSTART: i32 = 48;
    pub const NETWORK_UNDEFINE: i32 = 49;
    pub const CONNECT_NUM_OF_DEFINED_NETWORKS: i32 = 50;
    pub const CONNECT_NUM_OF_DOMAINS: i32 = 51;
    pub const CONNECT_NUM_OF_NETWORKS: i32 = 52;
    pub const DOMAIN_CORE_DUMP: i32 = 53;
    pub const DOMAIN_RESTORE: i32 = 54;
    pub const DOMAIN_SAVE: i32 = 55;
    pub const DOMAIN_GET_SCHEDULER_TYPE: i32 = 56;
    pub const DOMAIN_GET_SCHEDULER_PARAMETERS: i32 = 57;
    pub const DOMAIN_SET_SCHEDULER_PARAMETERS: i32 = 58;
    pub const CONNECT_GET_HOSTNAME: i32 = 59;
    pub const CONNECT_SUPPORTS_FEATURE: i32 = 60;
    pub const DOMAIN_MIGRATE_PREPARE: i32 = 61;
    pub const DOMAIN_MIGRATE_PERFORM: i32 = 62;
    pub const DOMAIN_MIGRATE_FINISH: i32 = 63;
    pub const DOMAIN_BLOCK_STATS: i32 = 64;
    pub const DOMAIN_INTERFACE_STATS: i32 = 65;
    pub const AUTH_LIST: i32 = 66;
    pub const AUTH_SASL_INIT: i32 = 67;
    pub const AUTH_SASL_START: i32 = 68;
    pub const AUTH_SASL_STEP: i32 = 69;
    pub const AUTH_POLKIT: i32 = 70;
    pub const CONNECT_NUM_OF_STORAGE_POOLS: i32 = 71;
    pub const CONNECT_LIST_STORAGE_POOLS: i32 = 72;
    pub const CONNECT_NUM_OF_DEFINED_STORAGE_POOLS: i32 = 73;
    pub const CONNECT_LIST_DEFINED_STORAGE_POOLS: i32 = 74;
    pub const CONNECT_FIND_STORAGE_POOL_SOURCES: i32 = 75;
    pub const STORAGE_POOL_CREATE_XML: i32 = 76;
    pub const STORAGE_POOL_DEFINE_XML: i32 = 77;
    pub const STORAGE_POOL_CREATE: i32 = 78;
    pub const STORAGE_POOL_BUILD: i32 = 79;
    pub const STORAGE_POOL_DESTROY: i32 = 80;
    pub const STORAGE_POOL_DELETE: i32 = 81;
    pub const STORAGE_POOL_UNDEFINE: i32 = 82;
    pub const STORAGE_POOL_REFRESH: i32 = 83;
    pub const STORAGE_POOL_LOOKUP_BY_NAME: i32 = 84;
    pub const STORAGE_POOL_LOOKUP_BY_UUID: i32 = 85;
    pub const STORAGE_POOL_LOOKUP_BY_VOLUME: i32 = 86;
    pub const STORAGE_POOL_GET_INFO: i32 = 87;
    pub const STORAGE_POOL_GET_XML_DESC: i32 = 88;
    pub const STORAGE_POOL_GET_AUTOSTART: i32 = 89;
    pub const STORAGE_POOL_SET_AUTOSTART: i32 = 90;
    pub const STORAGE_POOL_NUM_OF_VOLUMES: i32 = 91;
    pub const STORAGE_POOL_LIST_VOLUMES: i32 = 92;
    pub const STORAGE_VOL_CREATE_XML: i32 = 93;
    pub const STORAGE_VOL_DELETE: i32 = 94;
    pub const STORAGE_VOL_LOOKUP_BY_NAME: i32 = 95;
    pub const STORAGE_VOL_LOOKUP_BY_KEY: i32 = 96;
    pub const STORAGE_VOL_LOOKUP_BY_PATH: i32 = 97;
    pub const STORAGE_VOL_GET_INFO: i32 = 98;
    pub const STORAGE_VOL_GET_XML_DESC: i32 = 99;
    pub const STORAGE_VOL_GET_PATH: i32 = 100;
    pub const NODE_GET_CELLS_FREE_MEMORY: i32 = 101;
    pub const NODE_GET_FREE_MEMORY: i32 = 102;
    pub const DOMAIN_BLOCK_PEEK: i32 = 103;
    pub const DOMAIN_MEMORY_PEEK: i32 = 104;
    pub const CONNECT_DOMAIN_EVENT_REGISTER: i32 = 105;
    pub const CONNECT_DOMAIN_EVENT_DEREGISTER: i32 = 106;
    pub const DOMAIN_EVENT_LIFECYCLE: i32 = 107;
    pub const DOMAIN_MIGRATE_PREPARE2: i32 = 108;
    pub const DOMAIN_MIGRATE_FINISH2: i32 = 109;
    pub const CONNECT_GET_URI: i32 = 110;
    pub const NODE_NUM_OF_DEVICES: i32 = 111;
    pub const NODE_LIST_DEVICES: i32 = 112;
    pub const NODE_DEVICE_LOOKUP_BY_NAME: i32 = 113;
    pub const NODE_DEVICE_GET_XML_DESC: i32 = 114;
    pub const NODE_DEVICE_GET_PARENT: i32 = 115;
    pub const NODE_DEVICE_NUM_OF_CAPS: i32 = 116;
    pub const NODE_DEVICE_LIST_CAPS: i32 = 117;
    pub const NODE_DEVICE_DETTACH: i32 = 118;
    pub const NODE_DEVICE_RE_ATTACH: i32 = 119;
    pub const NODE_DEVICE_RESET: i32 = 120;
    pub const DOMAIN_GET_SECURITY_LABEL: i32 = 121;
    pub const NODE_GET_SECURITY_MODEL: i32 = 122;
    pub const NODE_DEVICE_CREATE_XML: i32 = 123;
    pub const NODE_DEVICE_DESTROY: i32 = 124;
    pub const STORAGE_VOL_CREATE_XML_FROM: i32 = 125;
    pub const CONNECT_NUM_OF_INTERFACES: i32 = 126;
    pub const CONNECT_LIST_INTERFACES: i32 = 127;
    pub const INTERFACE_LOOKUP_BY_NAME: i32 = 128;
    pub const INTERFACE_LOOKUP_BY_MAC_STRING: i32 = 129;
    pub const INTERFACE_GET_XML_DESC: i32 = 130;
    pub const INTERFACE_DEFINE_XML: i32 = 131;
    pub const INTERFACE_UNDEFINE: i32 = 132;
    pub const INTERFACE_CREATE: i32 = 133;
    pub const INTERFACE_DESTROY: i32 = 134;
    pub const CONNECT_DOMAIN_XML_FROM_NATIVE: i32 = 135;
    pub const CONNECT_DOMAIN_XML_TO_NATIVE: i32 = 136;
    pub const CONNECT_NUM_OF_DEFINED_INTERFACES: i32 = 137;
    pub const CONNECT_LIST_DEFINED_INTERFACES: i32 = 138;
    pub const CONNECT_NUM_OF_SECRETS: i32 = 139;
    pub const CONNECT_LIST_SECRETS: i32 = 140;
    pub const SECRET_LOOKUP_BY_UUID: i32 = 141;
    pub const SECRET_DEFINE_XML: i32 = 142;
    pub const SECRET_GET_XML_DESC: i32 = 143;
    pub const SECRET_SET_VALUE: i32 = 144;
    pub const SECRET_GET_VALUE: i32 = 145;
    pub const SECRET_UNDEFINE: i32 = 146;
    pub const SECRET_LOOKUP_BY_USAGE: i32 = 147;
    pub const DOMAIN_MIGRATE_PREPARE_TUNNEL: i32 = 148;
    pub const CONNECT_IS_SECURE: i32 = 149;
    pub const DOMAIN_IS_ACTIVE: i32 = 150;
    pub const DOMAIN_IS_PERSISTENT: i32 = 151;
    pub const NETWORK_IS_ACTIVE: i32 = 152;
    pub const NETWORK_IS_PERSISTENT: i32 = 153;
    pub const STORAGE_POOL_IS_ACTIVE: i32 = 154;
    pub const STORAGE_POOL_IS_PERSISTENT: i32 = 155;
    pub const INTERFACE_IS_ACTIVE: i32 = 156;
    pub const CONNECT_GET_LIB_VERSION: i32 = 157;
    pub const CONNECT_COMPARE_CPU: i32 = 158;
    pub const DOMAIN_MEMORY_STATS: i32 = 159;
    pub const DOMAIN_ATTACH_DEVICE_FLAGS: i32 = 160;
    pub const DOMAIN_DETACH_DEVICE_FLAGS: i32 = 161;
    pub const CONNECT_BASELINE_CPU: i32 = 162;
    pub const DOMAIN_GET_JOB_INFO: i32 = 163;
    pub const DOMAIN_ABORT_JOB: i32 = 164;
    pub const STORAGE_VOL_WIPE: i32 = 165;
    pub const DOMAIN_MIGRATE_SET_MAX_DOWNTIME: i32 = 166;
    pub const CONNECT_DOMAIN_EVENT_REGISTER_ANY: i32 = 167;
    pub const CONNECT_DOMAIN_EVENT_DEREGISTER_ANY: i32 = 168;
    pub const DOMAIN_EVENT_REBOOT: i32 = 169;
    pub const DOMAIN_EVENT_RTC_CHANGE: i32 = 170;
    pub const DOMAIN_EVENT_WATCHDOG: i32 = 171;
    pub const DOMAIN_EVENT_IO_ERROR: i32 = 172;
    pub const DOMAIN_EVENT_GRAPHICS: i32 = 173;
    pub const DOMAIN_UPDATE_DEVICE_FLAGS: i32 = 174;
    pub const NWFILTER_LOOKUP_BY_NAME: i32 = 175;
    pub const NWFILTER_LOOKUP_BY_UUID: i32 = 176;
    pub const NWFILTER_GET_XML_DESC: i32 = 177;
    pub const CONNECT_NUM_OF_NWFILTERS: i32 = 178;
    pub const CONNECT_LIST_NWFILTERS: i32 = 179;
    pub const NWFILTER_DEFINE_XML: i32 = 180;
    pub const NWFILTER_UNDEFINE: i32 = 181;
    pub const DOMAIN_MANAGED_SAVE: i32 = 182;
    pub const DOMAIN_HAS_MANAGED_SAVE_IMAGE: i32 = 183;
    pub const DOMAIN_MANAGED_SAVE_REMOVE: i32 = 184;
    pub const DOMAIN_SNAPSHOT_CREATE_XML: i32 = 185;
    pub const DOMAIN_SNAPSHOT_GET_XML_DESC: i32 = 186;
    pub const DOMAIN_SNAPSHOT_NUM: i32 = 187;
    pub const DOMAIN_SNAPSHOT_LIST_NAMES: i32 = 188;
    pub const DOMAIN_SNAPSHOT_LOOKUP_BY_NAME: i32 = 189;
    pub const DOMAIN_HAS_CURRENT_SNAPSHOT: i32 = 190;
    pub const DOMAIN_SNAPSHOT_CURRENT: i32 = 191;
    pub const DOMAIN_REVERT_TO_SNAPSHOT: i32 = 192;
    pub const DOMAIN_SNAPSHOT_DELETE: i32 = 193;
    pub const DOMAIN_GET_BLOCK_INFO: i32 = 194;
    pub const DOMAIN_EVENT_IO_ERROR_REASON: i32 = 195;
    pub const DOMAIN_CREATE_WITH_FLAGS: i32 = 196;
    pub const DOMAIN_SET_MEMORY_PARAMETERS: i32 = 197;
    pub const DOMAIN_GET_MEMORY_PARAMETERS: i32 = 198;
    pub const DOMAIN_SET_VCPUS_FLAGS: i32 = 199;
    pub const DOMAIN_GET_VCPUS_FLAGS: i32 = 200;
    pub const DOMAIN_OPEN_CONSOLE: i32 = 201;
    pub const DOMAIN_IS_UPDATED: i32 = 202;
    pub const CONNECT_GET_SYSINFO: i32 = 203;
    pub const DOMAIN_SET_MEMORY_FLAGS: i32 = 204;
    pub const DOMAIN_SET_BLKIO_PARAMETERS: i32 = 205;
    pub const DOMAIN_GET_BLKIO_PARAMETERS: i32 = 206;
    pub const DOMAIN_MIGRATE_SET_MAX_SPEED: i32 = 207;
    pub const STORAGE_VOL_UPLOAD: i32 = 208;
    pub const STORAGE_VOL_DOWNLOAD: i32 = 209;
    pub const DOMAIN_INJECT_NMI: i32 = 210;
    pub const DOMAIN_SCREENSHOT: i32 = 211;
    pub const DOMAIN_GET_STATE: i32 = 212;
    pub const DOMAIN_MIGRATE_BEGIN3: i32 = 213;
    pub const DOMAIN_MIGRATE_PREPARE3: i32 = 214;
    pub const DOMAIN_MIGRATE_PREPARE_TUNNEL3: i32 = 215;
    pub const DOMAIN_MIGRATE_PERFORM3: i32 = 216;
    pub const DOMAIN_MIGRATE_FINISH3: i32 = 217;
    pub const DOMAIN_MIGRATE_CONFIRM3: i32 = 218;
    pub const DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS: i32 = 219;
    pub const INTERFACE_CHANGE_BEGIN: i32 = 220;
    pub const INTERFACE_CHANGE_COMMIT: i32 = 221;
    pub const INTERFACE_CHANGE_ROLLBACK: i32 = 222;
    pub const DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS: i32 = 223;
    pub const DOMAIN_EVENT_CONTROL_ERROR: i32 = 224;
    pub const DOMAIN_PIN_VCPU_FLAGS: i32 = 225;
    pub const DOMAIN_SEND_KEY: i32 = 226;
    pub const NODE_GET_CPU_STATS: i32 = 227;
    pub const NODE_GET_MEMORY_STATS: i32 = 228;
    pub const DOMAIN_GET_CONTROL_INFO: i32 = 229;
    pub const DOMAIN_GET_VCPU_PIN_INFO: i32 = 230;
    pub const DOMAIN_UNDEFINE_FLAGS: i32 = 231;
    pub const DOMAIN_SAVE_FLAGS: i32 = 232;
    pub const DOMAIN_RESTORE_FLAGS: i32 = 233;
    pub const DOMAIN_DESTROY_FLAGS: i32 = 234;
    pub const DOMAIN_SAVE_IMAGE_GET_XML_DESC: i32 = 235;
    pub const DOMAIN_SAVE_IMAGE_DEFINE_XML: i32 = 236;
    pub const DOMAIN_BLOCK_JOB_ABORT: i32 = 237;
    pub const DOMAIN_GET_BLOCK_JOB_INFO: i32 = 238;
    pub const DOMAIN_BLOCK_JOB_SET_SPEED: i32 = 239;
    pub const DOMAIN_BLOCK_PULL: i32 = 240;
    pub const DOMAIN_EVENT_BLOCK_JOB: i32 = 241;
    pub const DOMAIN_MIGRATE_GET_MAX_SPEED: i32 = 242;
    pub const DOMAIN_BLOCK_STATS_FLAGS: i32 = 243;
    pub const DOMAIN_SNAPSHOT_GET_PARENT: i32 = 244;
    pub const DOMAIN_RESET: i32 = 245;
    pub const DOMAIN_SNAPSHOT_NUM_CHILDREN: i32 = 246;
    pub const DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES: i32 = 247;
    pub const DOMAIN_EVENT_DISK_CHANGE: i32 = 248;
    pub const DOMAIN_OPEN_GRAPHICS: i32 = 249;
    pub const NODE_SUSPEND_FOR_DURATION: i32 = 250;
    pub const DOMAIN_BLOCK_RESIZE: i32 = 251;
    pub const DOMAIN_SET_BLOCK_IO_TUNE: i32 = 252;
    pub const DOMAIN_GET_BLOCK_IO_TUNE: i32 = 253;
    pub const DOMAIN_SET_NUMA_PARAMETERS: i32 = 254;
    pub const DOMAIN_GET_NUMA_PARAMETERS: i32 = 255;
    pub const DOMAIN_SET_INTERFACE_PARAMETERS: i32 = 256;
    pub const DOMAIN_GET_INTERFACE_PARAMETERS: i32 = 257;
    pub const DOMAIN_SHUTDOWN_FLAGS: i32 = 258;
    pub const STORAGE_VOL_WIPE_PATTERN: i32 = 259;
    pub const STORAGE_VOL_RESIZE: i32 = 260;
    pub const DOMAIN_PM_SUSPEND_FOR_DURATION: i32 = 261;
    pub const DOMAIN_GET_CPU_STATS: i32 = 262;
    pub const DOMAIN_GET_DISK_ERRORS: i32 = 263;
    pub const DOMAIN_SET_METADATA: i32 = 264;
    pub const DOMAIN_GET_METADATA: i32 = 265;
    pub const DOMAIN_BLOCK_REBASE: i32 = 266;
    pub const DOMAIN_PM_WAKEUP: i32 = 267;
    pub const DOMAIN_EVENT_TRAY_CHANGE: i32 = 268;
    pub const DOMAIN_EVENT_PMWAKEUP: i32 = 269;
    pub const DOMAIN_EVENT_PMSUSPEND: i32 = 270;
    pub const DOMAIN_SNAPSHOT_IS_CURRENT: i32 = 271;
    pub const DOMAIN_SNAPSHOT_HAS_METADATA: i32 = 272;
    pub const CONNECT_LIST_ALL_DOMAINS: i32 = 273;
    pub const DOMAIN_LIST_ALL_SNAPSHOTS: i32 = 274;
    pub const DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN: i32 = 275;
    pub const DOMAIN_EVENT_BALLOON_CHANGE: i32 = 276;
    pub const DOMAIN_GET_HOSTNAME: i32 = 277;
    pub const DOMAIN_GET_SECURITY_LABEL_LIST: i32 = 278;
    pub const DOMAIN_PIN_EMULATOR: i32 = 279;
    pub const DOMAIN_GET_EMULATOR_PIN_INFO: i32 = 280;
    pub const CONNECT_LIST_ALL_STORAGE_POOLS: i32 = 281;
    pub const STORAGE_POOL_LIST_ALL_VOLUMES: i32 = 282;
    pub const CONNECT_LIST_ALL_NETWORKS: i32 = 283;
    pub const CONNECT_LIST_ALL_INTERFACES: i32 = 284;
    pub const CONNECT_LIST_ALL_NODE_DEVICES: i32 = 285;
    pub const CONNECT_LIST_ALL_NWFILTERS: i32 = 286;
    pub const CONNECT_LIST_ALL_SECRETS: i32 = 287;
    pub const NODE_SET_MEMORY_PARAMETERS: i32 = 288;
    pub const NODE_GET_MEMORY_PARAMETERS: i32 = 289;
    pub const DOMAIN_BLOCK_COMMIT: i32 = 290;
    pub const NETWORK_UPDATE: i32 = 291;
    pub const DOMAIN_EVENT_PMSUSPEND_DISK: i32 = 292;
    pub const NODE_GET_CPU_MAP: i32 = 293;
    pub const DOMAIN_FSTRIM: i32 = 294;
    pub const DOMAIN_SEND_PROCESS_SIGNAL: i32 = 295;
    pub const DOMAIN_OPEN_CHANNEL: i32 = 296;
    pub const NODE_DEVICE_LOOKUP_SCSI_HOST_BY_WWN: i32 = 297;
    pub const DOMAIN_GET_JOB_STATS: i32 = 298;
    pub const DOMAIN_MIGRATE_GET_COMPRESSION_CACHE: i32 = 299;
    pub const DOMAIN_MIGRATE_SET_COMPRESSION_CACHE: i32 = 300;
    pub const NODE_DEVICE_DETACH_FLAGS: i32 = 301;
    pub const DOMAIN_MIGRATE_BEGIN3_PARAMS: i32 = 302;
    pub const DOMAIN_MIGRATE_PREPARE3_PARAMS: i32 = 303;
    pub const DOMAIN_MIGRATE_PREPARE_TUNNEL3_PARAMS: i32 = 304;
    pub const DOMAIN_MIGRATE_PERFORM3_PARAMS: i32 = 305;
    pub const DOMAIN_MIGRATE_FINISH3_PARAMS: i32 = 306;
    pub const DOMAIN_MIGRATE_CONFIRM3_PARAMS: i32 = 307;
    pub const DOMAIN_SET_MEMORY_STATS_PERIOD: i32 = 308;
    pub const DOMAIN_CREATE_XML_WITH_FILES: i32 = 309;
    pub const DOMAIN_CREATE_WITH_FILES: i32 = 310;
    pub const DOMAIN_EVENT_DEVICE_REMOVED: i32 = 311;
    pub const CONNECT_GET_CPU_MODEL_NAMES: i32 = 312;
    pub const CONNECT_NETWORK_EVENT_REGISTER_ANY: i32 = 313;
    pub const CONNECT_NETWORK_EVENT_DEREGISTER_ANY: i32 = 314;
    pub const NETWORK_EVENT_LIFECYCLE: i32 = 315;
    pub const CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY: i32 = 316;
    pub const CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY: i32 = 317;
    pub const DOMAIN_EVENT_CALLBACK_LIFECYCLE: i32 = 318;
    pub const DOMAIN_EVENT_CALLBACK_REBOOT: i32 = 319;
    pub const DOMAIN_EVENT_CALLBACK_RTC_CHANGE: i32 = 320;
    pub const DOMAIN_EVENT_CALLBACK_WATCHDOG: i32 = 321;
    pub const DOMAIN_EVENT_CALLBACK_IO_ERROR: i32 = 322;
    pub const DOMAIN_EVENT_CALLBACK_GRAPHICS: i32 = 323;
    pub const DOMAIN_EVENT_CALLBACK_IO_ERROR_REASON: i32 = 324;
    pub const DOMAIN_EVENT_CALLBACK_CONTROL_ERROR: i32 = 325;
    pub const DOMAIN_EVENT_CALLBACK_BLOCK_JOB: i32 = 326;
    pub const DOMAIN_EVENT_CALLBACK_DISK_CHANGE: i32 = 327;
    pub const DOMAIN_EVENT_CALLBACK_TRAY_CHANGE: i32 = 328;
    pub const DOMAIN_EVENT_CALLBACK_PMWAKEUP: i32 = 329;
    pub const DOMAIN_EVENT_CALLBACK_PMSUSPEND: i32 = 330;
    pub const DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE: i32 = 331;
    pub const DOMAIN_EVENT_CALLBACK_PMSUSPEND_DISK: i32 = 332;
    pub const DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED: i32 = 333;
    pub const DOMAIN_CORE_DUMP_WITH_FORMAT: i32 = 334;
    pub const DOMAIN_FSFREEZE: i32 = 335;
    pub const DOMAIN_FSTHAW: i32 = 336;
    pub const DOMAIN_GET_TIME: i32 = 337;
    pub const DOMAIN_SET_TIME: i32 = 338;
    pub const DOMAIN_EVENT_BLOCK_JOB_2: i32 = 339;
    pub const NODE_GET_FREE_PAGES: i32 = 340;
    pub const NETWORK_GET_DHCP_LEASES: i32 = 341;
    pub const CONNECT_GET_DOMAIN_CAPABILITIES: i32 = 342;
    pub const DOMAIN_OPEN_GRAPHICS_FD: i32 = 343;
    pub const CONNECT_GET_ALL_DOMAIN_STATS: i32 = 344;
    pub const DOMAIN_BLOCK_COPY: i32 = 345;
    pub const DOMAIN_EVENT_CALLBACK_TUNABLE: i32 = 346;
    pub const NODE_ALLOC_PAGES: i32 = 347;
    pub const DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE: i32 = 348;
    pub const DOMAIN_GET_FSINFO: i32 = 349;
    pub const DOMAIN_DEFINE_XML_FLAGS: i32 = 350;
    pub const DOMAIN_GET_IOTHREAD_INFO: i32 = 351;
    pub const DOMAIN_PIN_IOTHREAD: i32 = 352;
    pub const DOMAIN_INTERFACE_ADDRESSES: i32 = 353;
    pub const DOMAIN_EVENT_CALLBACK_DEVICE_ADDED: i32 = 354;
    pub const DOMAIN_ADD_IOTHREAD: i32 = 355;
    pub const DOMAIN_DEL_IOTHREAD: i32 = 356;
    pub const DOMAIN_SET_USER_PASSWORD: i32 = 357;
    pub const DOMAIN_RENAME: i32 = 358;
    pub const DOMAIN_EVENT_CALLBACK_MIGRATION_ITERATION: i32 = 359;
    pub const CONNECT_REGISTER_CLOSE_CALLBACK: i32 = 360;
    pub const CONNECT_UNREGISTER_CLOSE_CALLBACK: i32 = 361;
    pub const CONNECT_EVENT_CONNECTION_CLOSED: i32 = 362;
    pub const DOMAIN_EVENT_CALLBACK_JOB_COMPLETED: i32 = 363;
    pub const DOMAIN_MIGRATE_START_POST_COPY: i32 = 364;
    pub const DOMAIN_GET_PERF_EVENTS: i32 = 365;
    pub const DOMAIN_SET_PERF_EVENTS: i32 = 366;
    pub const DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED: i32 = 367;
    pub const CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY: i32 = 368;
    pub const CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY: i32 = 369;
    pub const STORAGE_POOL_EVENT_LIFECYCLE: i32 = 370;
    pub const DOMAIN_GET_GUEST_VCPUS: i32 = 371;
    pub const DOMAIN_SET_GUEST_VCPUS: i32 = 372;
    pub const STORAGE_POOL_EVENT_REFRESH: i32 = 373;
    pub const CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY: i32 = 374;
    pub const CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY: i32 = 375;
    pub const NODE_DEVICE_EVENT_LIFECYCLE: i32 = 376;
    pub const NODE_DEVICE_EVENT_UPDATE: i32 = 377;
    pub const STORAGE_VOL_GET_INFO_FLAGS: i32 = 378;
    pub const DOMAIN_EVENT_CALLBACK_METADATA_CHANGE: i32 = 379;
    pub const CONNECT_SECRET_EVENT_REGISTER_ANY: i32 = 380;
    pub const CONNECT_SECRET_EVENT_DEREGISTER_ANY: i32 = 381;
    pub const SECRET_EVENT_LIFECYCLE: i32 = 382;
    pub const SECRET_EVENT_VALUE_CHANGED: i32 = 383;
    pub const DOMAIN_SET_VCPU: i32 = 384;
    pub const DOMAIN_EVENT_BLOCK_THRESHOLD: i32 = 385;
    pub const DOMAIN_SET_BLOCK_THRESHOLD: i32 = 386;
    pub const DOMAIN_MIGRATE_GET_MAX_DOWNTIME: i32 = 387;
    pub const DOMAIN_MANAGED_SAVE_GET_XML_DESC: i32 = 388;
    pub const DOMAIN_MANAGED_SAVE_DEFINE_XML: i32 = 389;
    pub const DOMAIN_SET_LIFECYCLE_ACTION: i32 = 390;
    pub const STORAGE_POOL_LOOKUP_BY_TARGET_PATH: i32 = 391;
    pub const DOMAIN_DETACH_DEVICE_ALIAS: i32 = 392;
    pub const CONNECT_COMPARE_HYPERVISOR_CPU: i32 = 393;
    pub const CONNECT_BASELINE_HYPERVISOR_CPU: i32 = 394;
    pub const NODE_GET_SEV_INFO: i32 = 395;
    pub const DOMAIN_GET_LAUNCH_SECURITY_INFO: i32 = 396;
    pub const NWFILTER_BINDING_LOOKUP_BY_PORT_DEV: i32 = 397;
    pub const NWFILTER_BINDING_GET_XML_DESC: i32 = 398;
    pub const NWFILTER_BINDING_CREATE_XML: i32 = 399;
    pub const NWFILTER_BINDING_DELETE: i32 = 400;
    pub const CONNECT_LIST_ALL_NWFILTER_BINDINGS: i32 = 401;
    pub const DOMAIN_SET_IOTHREAD_PARAMS: i32 = 402;
    pub const CONNECT_GET_STORAGE_POOL_CAPABILITIES: i32 = 403;
    pub const NETWORK_LIST_ALL_PORTS: i32 = 404;
    pub const NETWORK_PORT_LOOKUP_BY_UUID: i32 = 405;
    pub const NETWORK_PORT_CREATE_XML: i32 = 406;
    pub const NETWORK_PORT_GET_PARAMETERS: i32 = 407;
    pub const NETWORK_PORT_SET_PARAMETERS: i32 = 408;
    pub const NETWORK_PORT_GET_XML_DESC: i32 = 409;
    pub const NETWORK_PORT_DELETE: i32 = 410;
    pub const DOMAIN_CHECKPOINT_CREATE_XML: i32 = 411;
    pub const DOMAIN_CHECKPOINT_GET_XML_DESC: i32 = 412;
    pub const DOMAIN_LIST_ALL_CHECKPOINTS: i32 = 413;
    pub const DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN: i32 = 414;
    pub const DOMAIN_CHECKPOINT_LOOKUP_BY_NAME: i32 = 415;
    pub const DOMAIN_CHECKPOINT_GET_PARENT: i32 = 416;
    pub const DOMAIN_CHECKPOINT_DELETE: i32 = 417;
    pub const DOMAIN_GET_GUEST_INFO: i32 = 418;
    pub const CONNECT_SET_IDENTITY: i32 = 419;
    pub const DOMAIN_AGENT_SET_RESPONSE_TIMEOUT: i32 = 420;
    pub const DOMAIN_BACKUP_BEGIN: i32 = 421;
    pub const DOMAIN_BACKUP_GET_XML_DESC: i32 = 422;
    pub const DOMAIN_EVENT_MEMORY_FAILURE: i32 = 423;
    pub const DOMAIN_AUTHORIZED_SSH_KEYS_GET: i32 = 424;
    pub const DOMAIN_AUTHORIZED_SSH_KEYS_SET: i32 = 425;
    pub const DOMAIN_GET_MESSAGES: i32 = 426;
    pub const DOMAIN_START_DIRTY_RATE_CALC: i32 = 427;
    pub const NODE_DEVICE_DEFINE_XML: i32 = 428;
    pub const NODE_DEVICE_UNDEFINE: i32 = 429;
    pub const NODE_DEVICE_CREATE: i32 = 430;
    pub const NWFILTER_DEFINE_XML_FLAGS: i32 = 431;
    pub const NETWORK_DEFINE_XML_FLAGS: i32 = 432;
    pub const NODE_DEVICE_GET_AUTOSTART: i32 = 433;
    pub const NODE_DEVICE_SET_AUTOSTART: i32 = 434;
    pub const NODE_DEVICE_IS_PERSISTENT: i32 = 435;
    pub const NODE_DEVICE_IS_ACTIVE: i32 = 436;
    pub const NETWORK_CREATE_XML_FLAGS: i32 = 437;
    pub const DOMAIN_EVENT_MEMORY_DEVICE_SIZE_CHANGE: i32 = 438;
    pub const DOMAIN_SET_LAUNCH_SECURITY_STATE: i32 = 439;
    pub const DOMAIN_SAVE_PARAMS: i32 = 440;
    pub const DOMAIN_RESTORE_PARAMS: i32 = 441;
    pub const DOMAIN_ABORT_JOB_FLAGS: i32 = 442;
    pub const DOMAIN_FD_ASSOCIATE: i32 = 443;
}

/// `QEMU_PROC_*` numbers of the QEMU program.
pub mod qemu_proc {
    pub const DOMAIN_MONITOR_COMMAND: i32 = 1;
    pub const DOMAIN_ATTACH: i32 = 2;
    pub const DOMAIN_AGENT_COMMAND: i32 = 3;
    pub const CONNECT_DOMAIN_MONITOR_EVENT_REGISTER: i32 = 4;
    pub const CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER: i32 = 5;
    pub const DOMAIN_MONITOR_EVENT: i32 = 6;
    pub const DOMAIN_MONITOR_COMMAND_WITH_FILES: i32 = 7;
}

/// `LXC_PROC_*` numbers of the LXC program.
pub mod lxc_proc {
    pub const DOMAIN_OPEN_NAMESPACE: i32 = 1;
}

/// `ADMIN_PROC_*` numbers of the ADMIN program.
pub mod admin_proc {
    pub const CONNECT_OPEN: i32 = 1;
    pub const CONNECT_CLOSE: i32 = 2;
    pub const CONNECT_GET_LIB_VERSION: i32 = 3;
    pub const CONNECT_LIST_SERVERS: i32 = 4;
    pub const CONNECT_LOOKUP_SERVER: i32 = 5;
    pub const SERVER_GET_THREADPOOL_PARAMETERS: i32 = 6;
    pub const SERVER_SET_THREADPOOL_PARAMETERS: i32 = 7;
    pub const SERVER_LIST_CLIENTS: i32 = 8;
    pub const SERVER_LOOKUP_CLIENT: i32 = 9;
    pub const CLIENT_GET_INFO: i32 = 10;
    pub const CLIENT_CLOSE: i32 = 11;
    pub const SERVER_GET_CLIENT_LIMITS: i32 = 12;
    pub const SERVER_SET_CLIENT_LIMITS: i32 = 13;
    pub const CONNECT_GET_LOGGING_OUTPUTS: i32 = 14;
    pub const CONNECT_GET_LOGGING_FILTERS: i32 = 15;
    pub const CONNECT_SET_LOGGING_OUTPUTS: i32 = 16;
    pub const CONNECT_SET_LOGGING_FILTERS: i32 = 17;
    pub const SERVER_UPDATE_TLS_FILES: i32 = 18;
    pub const CONNECT_SET_DAEMON_TIMEOUT: i32 = 19;
}

/// Every procedure of the REMOTE program, sorted by number (443 entries).
#[rustfmt::skip]
pub static REMOTE_PROCEDURES: &[ProcedureInfo] = &[
    ProcedureInfo { program: Program::Remote, number: 1, name: "CONNECT_OPEN", acl: &[perm("connect", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectOpen"), event: false },
    ProcedureInfo { program: Program::Remote, number: 2, name: "CONNECT_CLOSE", acl: &[], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectClose"), event: false },
    ProcedureInfo { program: Program::Remote, number: 3, name: "CONNECT_GET_TYPE", acl: &[perm("connect", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectGetType"), event: false },
    ProcedureInfo { program: Program::Remote, number: 4, name: "CONNECT_GET_VERSION", acl: &[perm("connect", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectGetVersion"), event: false },
    ProcedureInfo { program: Program::Remote, number: 5, name: "CONNECT_GET_MAX_VCPUS", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectGetMaxVcpus"), event: false },
    ProcedureInfo { program: Program::Remote, number: 6, name: "NODE_GET_INFO", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeGetInfo"), event: false },
    ProcedureInfo { program: Program::Remote, number: 7, name: "CONNECT_GET_CAPABILITIES", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectGetCapabilities"), event: false },
    ProcedureInfo { program: Program::Remote, number: 8, name: "DOMAIN_ATTACH_DEVICE", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainAttachDevice"), event: false },
    ProcedureInfo { program: Program::Remote, number: 9, name: "DOMAIN_CREATE", acl: &[perm("domain", "start")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainCreate"), event: false },
    ProcedureInfo { program: Program::Remote, number: 10, name: "DOMAIN_CREATE_XML", acl: &[perm("domain", "write"), perm("domain", "start")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainCreateXML"), event: false },
    ProcedureInfo { program: Program::Remote, number: 11, name: "DOMAIN_DEFINE_XML", acl: &[perm("domain", "write"), perm("domain", "save")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainDefineXML"), event: false },
    ProcedureInfo { program: Program::Remote, number: 12, name: "DOMAIN_DESTROY", acl: &[perm("domain", "stop")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainDestroy"), event: false },
    ProcedureInfo { program: Program::Remote, number: 13, name: "DOMAIN_DETACH_DEVICE", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainDetachDevice"), event: false },
    ProcedureInfo { program: Program::Remote, number: 14, name: "DOMAIN_GET_XML_DESC", acl: &[perm("domain", "read"), perm_if("domain", "read_secure", "VIR_DOMAIN_XML_SECURE"), perm_if("domain", "read_secure", "VIR_DOMAIN_XML_MIGRATABLE")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetXMLDesc"), event: false },
    ProcedureInfo { program: Program::Remote, number: 15, name: "DOMAIN_GET_AUTOSTART", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetAutostart"), event: false },
    ProcedureInfo { program: Program::Remote, number: 16, name: "DOMAIN_GET_INFO", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetInfo"), event: false },
    ProcedureInfo { program: Program::Remote, number: 17, name: "DOMAIN_GET_MAX_MEMORY", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetMaxMemory"), event: false },
    ProcedureInfo { program: Program::Remote, number: 18, name: "DOMAIN_GET_MAX_VCPUS", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetMaxVcpus"), event: false },
    ProcedureInfo { program: Program::Remote, number: 19, name: "DOMAIN_GET_OS_TYPE", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetOSType"), event: false },
    ProcedureInfo { program: Program::Remote, number: 20, name: "DOMAIN_GET_VCPUS", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetVcpus"), event: false },
    ProcedureInfo { program: Program::Remote, number: 21, name: "CONNECT_LIST_DEFINED_DOMAINS", acl: &[perm("connect", "search_domains")], acl_filter: Some(perm("domain", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectListDefinedDomains"), event: false },
    ProcedureInfo { program: Program::Remote, number: 22, name: "DOMAIN_LOOKUP_BY_ID", acl: &[perm("domain", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainLookupByID"), event: false },
    ProcedureInfo { program: Program::Remote, number: 23, name: "DOMAIN_LOOKUP_BY_NAME", acl: &[perm("domain", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainLookupByName"), event: false },
    ProcedureInfo { program: Program::Remote, number: 24, name: "DOMAIN_LOOKUP_BY_UUID", acl: &[perm("domain", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainLookupByUUID"), event: false },
    ProcedureInfo { program: Program::Remote, number: 25, name: "CONNECT_NUM_OF_DEFINED_DOMAINS", acl: &[perm("connect", "search_domains")], acl_filter: Some(perm("domain", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectNumOfDefinedDomains"), event: false },
    ProcedureInfo { program: Program::Remote, number: 26, name: "DOMAIN_PIN_VCPU", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainPinVcpu"), event: false },
    ProcedureInfo { program: Program::Remote, number: 27, name: "DOMAIN_REBOOT", acl: &[perm("domain", "init_control"), perm_if("domain", "write", "VIR_DOMAIN_REBOOT_GUEST_AGENT")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainReboot"), event: false },
    ProcedureInfo { program: Program::Remote, number: 28, name: "DOMAIN_RESUME", acl: &[perm("domain", "suspend")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainResume"), event: false },
    ProcedureInfo { program: Program::Remote, number: 29, name: "DOMAIN_SET_AUTOSTART", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetAutostart"), event: false },
    ProcedureInfo { program: Program::Remote, number: 30, name: "DOMAIN_SET_MAX_MEMORY", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetMaxMemory"), event: false },
    ProcedureInfo { program: Program::Remote, number: 31, name: "DOMAIN_SET_MEMORY", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetMemory"), event: false },
    ProcedureInfo { program: Program::Remote, number: 32, name: "DOMAIN_SET_VCPUS", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetVcpus"), event: false },
    ProcedureInfo { program: Program::Remote, number: 33, name: "DOMAIN_SHUTDOWN", acl: &[perm("domain", "init_control")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainShutdown"), event: false },
    ProcedureInfo { program: Program::Remote, number: 34, name: "DOMAIN_SUSPEND", acl: &[perm("domain", "suspend")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSuspend"), event: false },
    ProcedureInfo { program: Program::Remote, number: 35, name: "DOMAIN_UNDEFINE", acl: &[perm("domain", "delete")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainUndefine"), event: false },
    ProcedureInfo { program: Program::Remote, number: 36, name: "CONNECT_LIST_DEFINED_NETWORKS", acl: &[perm("connect", "search_networks")], acl_filter: Some(perm("network", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectListDefinedNetworks"), event: false },
    ProcedureInfo { program: Program::Remote, number: 37, name: "CONNECT_LIST_DOMAINS", acl: &[perm("connect", "search_domains")], acl_filter: Some(perm("domain", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectListDomains"), event: false },
    ProcedureInfo { program: Program::Remote, number: 38, name: "CONNECT_LIST_NETWORKS", acl: &[perm("connect", "search_networks")], acl_filter: Some(perm("network", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectListNetworks"), event: false },
    ProcedureInfo { program: Program::Remote, number: 39, name: "NETWORK_CREATE", acl: &[perm("network", "start")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkCreate"), event: false },
    ProcedureInfo { program: Program::Remote, number: 40, name: "NETWORK_CREATE_XML", acl: &[perm("network", "write"), perm("network", "start")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkCreateXML"), event: false },
    ProcedureInfo { program: Program::Remote, number: 41, name: "NETWORK_DEFINE_XML", acl: &[perm("network", "write"), perm("network", "save")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkDefineXML"), event: false },
    ProcedureInfo { program: Program::Remote, number: 42, name: "NETWORK_DESTROY", acl: &[perm("network", "stop")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkDestroy"), event: false },
    ProcedureInfo { program: Program::Remote, number: 43, name: "NETWORK_GET_XML_DESC", acl: &[perm("network", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkGetXMLDesc"), event: false },
    ProcedureInfo { program: Program::Remote, number: 44, name: "NETWORK_GET_AUTOSTART", acl: &[perm("network", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkGetAutostart"), event: false },
    ProcedureInfo { program: Program::Remote, number: 45, name: "NETWORK_GET_BRIDGE_NAME", acl: &[perm("network", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkGetBridgeName"), event: false },
    ProcedureInfo { program: Program::Remote, number: 46, name: "NETWORK_LOOKUP_BY_NAME", acl: &[perm("network", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkLookupByName"), event: false },
    ProcedureInfo { program: Program::Remote, number: 47, name: "NETWORK_LOOKUP_BY_UUID", acl: &[perm("network", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkLookupByUUID"), event: false },
    ProcedureInfo { program: Program::Remote, number: 48, name: "NETWORK_SET_AUTOSTART", acl: &[perm("network", "write")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkSetAutostart"), event: false },
    ProcedureInfo { program: Program::Remote, number: 49, name: "NETWORK_UNDEFINE", acl: &[perm("network", "delete")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkUndefine"), event: false },
    ProcedureInfo { program: Program::Remote, number: 50, name: "CONNECT_NUM_OF_DEFINED_NETWORKS", acl: &[perm("connect", "search_networks")], acl_filter: Some(perm("network", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectNumOfDefinedNetworks"), event: false },
    ProcedureInfo { program: Program::Remote, number: 51, name: "CONNECT_NUM_OF_DOMAINS", acl: &[perm("connect", "search_domains")], acl_filter: Some(perm("domain", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectNumOfDomains"), event: false },
    ProcedureInfo { program: Program::Remote, number: 52, name: "CONNECT_NUM_OF_NETWORKS", acl: &[perm("connect", "search_networks")], acl_filter: Some(perm("network", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectNumOfNetworks"), event: false },
    ProcedureInfo { program: Program::Remote, number: 53, name: "DOMAIN_CORE_DUMP", acl: &[perm("domain", "core_dump")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainCoreDump"), event: false },
    ProcedureInfo { program: Program::Remote, number: 54, name: "DOMAIN_RESTORE", acl: &[perm("domain", "start"), perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainRestore"), event: false },
    ProcedureInfo { program: Program::Remote, number: 55, name: "DOMAIN_SAVE", acl: &[perm("domain", "hibernate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSave"), event: false },
    ProcedureInfo { program: Program::Remote, number: 56, name: "DOMAIN_GET_SCHEDULER_TYPE", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetSchedulerType"), event: false },
    ProcedureInfo { program: Program::Remote, number: 57, name: "DOMAIN_GET_SCHEDULER_PARAMETERS", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetSchedulerParameters"), event: false },
    ProcedureInfo { program: Program::Remote, number: 58, name: "DOMAIN_SET_SCHEDULER_PARAMETERS", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetSchedulerParameters"), event: false },
    ProcedureInfo { program: Program::Remote, number: 59, name: "CONNECT_GET_HOSTNAME", acl: &[perm("connect", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectGetHostname"), event: false },
    ProcedureInfo { program: Program::Remote, number: 60, name: "CONNECT_SUPPORTS_FEATURE", acl: &[perm("connect", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectSupportsFeature"), event: false },
    ProcedureInfo { program: Program::Remote, number: 61, name: "DOMAIN_MIGRATE_PREPARE", acl: &[perm("domain", "migrate"), perm("domain", "start"), perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigratePrepare"), event: false },
    ProcedureInfo { program: Program::Remote, number: 62, name: "DOMAIN_MIGRATE_PERFORM", acl: &[perm("domain", "migrate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigratePerform"), event: false },
    ProcedureInfo { program: Program::Remote, number: 63, name: "DOMAIN_MIGRATE_FINISH", acl: &[perm("domain", "migrate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigrateFinish"), event: false },
    ProcedureInfo { program: Program::Remote, number: 64, name: "DOMAIN_BLOCK_STATS", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainBlockStats"), event: false },
    ProcedureInfo { program: Program::Remote, number: 65, name: "DOMAIN_INTERFACE_STATS", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainInterfaceStats"), event: false },
    ProcedureInfo { program: Program::Remote, number: 66, name: "AUTH_LIST", acl: &[], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: None, event: false },
    ProcedureInfo { program: Program::Remote, number: 67, name: "AUTH_SASL_INIT", acl: &[], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: None, event: false },
    ProcedureInfo { program: Program::Remote, number: 68, name: "AUTH_SASL_START", acl: &[], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: None, event: false },
    ProcedureInfo { program: Program::Remote, number: 69, name: "AUTH_SASL_STEP", acl: &[], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: None, event: false },
    ProcedureInfo { program: Program::Remote, number: 70, name: "AUTH_POLKIT", acl: &[], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: None, event: false },
    ProcedureInfo { program: Program::Remote, number: 71, name: "CONNECT_NUM_OF_STORAGE_POOLS", acl: &[perm("connect", "search_storage_pools")], acl_filter: Some(perm("storage_pool", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectNumOfStoragePools"), event: false },
    ProcedureInfo { program: Program::Remote, number: 72, name: "CONNECT_LIST_STORAGE_POOLS", acl: &[perm("connect", "search_storage_pools")], acl_filter: Some(perm("storage_pool", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectListStoragePools"), event: false },
    ProcedureInfo { program: Program::Remote, number: 73, name: "CONNECT_NUM_OF_DEFINED_STORAGE_POOLS", acl: &[perm("connect", "search_storage_pools")], acl_filter: Some(perm("storage_pool", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectNumOfDefinedStoragePools"), event: false },
    ProcedureInfo { program: Program::Remote, number: 74, name: "CONNECT_LIST_DEFINED_STORAGE_POOLS", acl: &[perm("connect", "search_storage_pools")], acl_filter: Some(perm("storage_pool", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectListDefinedStoragePools"), event: false },
    ProcedureInfo { program: Program::Remote, number: 75, name: "CONNECT_FIND_STORAGE_POOL_SOURCES", acl: &[perm("connect", "detect_storage_pools")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectFindStoragePoolSources"), event: false },
    ProcedureInfo { program: Program::Remote, number: 76, name: "STORAGE_POOL_CREATE_XML", acl: &[perm("storage_pool", "start"), perm("storage_pool", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolCreateXML"), event: false },
    ProcedureInfo { program: Program::Remote, number: 77, name: "STORAGE_POOL_DEFINE_XML", acl: &[perm("storage_pool", "write"), perm("storage_pool", "save")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolDefineXML"), event: false },
    ProcedureInfo { program: Program::Remote, number: 78, name: "STORAGE_POOL_CREATE", acl: &[perm("storage_pool", "start")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolCreate"), event: false },
    ProcedureInfo { program: Program::Remote, number: 79, name: "STORAGE_POOL_BUILD", acl: &[perm("storage_pool", "format")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolBuild"), event: false },
    ProcedureInfo { program: Program::Remote, number: 80, name: "STORAGE_POOL_DESTROY", acl: &[perm("storage_pool", "stop")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolDestroy"), event: false },
    ProcedureInfo { program: Program::Remote, number: 81, name: "STORAGE_POOL_DELETE", acl: &[perm("storage_pool", "format")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolDelete"), event: false },
    ProcedureInfo { program: Program::Remote, number: 82, name: "STORAGE_POOL_UNDEFINE", acl: &[perm("storage_pool", "delete")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolUndefine"), event: false },
    ProcedureInfo { program: Program::Remote, number: 83, name: "STORAGE_POOL_REFRESH", acl: &[perm("storage_pool", "refresh")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolRefresh"), event: false },
    ProcedureInfo { program: Program::Remote, number: 84, name: "STORAGE_POOL_LOOKUP_BY_NAME", acl: &[perm("storage_pool", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolLookupByName"), event: false },
    ProcedureInfo { program: Program::Remote, number: 85, name: "STORAGE_POOL_LOOKUP_BY_UUID", acl: &[perm("storage_pool", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolLookupByUUID"), event: false },
    ProcedureInfo { program: Program::Remote, number: 86, name: "STORAGE_POOL_LOOKUP_BY_VOLUME", acl: &[perm("storage_pool", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolLookupByVolume"), event: false },
    ProcedureInfo { program: Program::Remote, number: 87, name: "STORAGE_POOL_GET_INFO", acl: &[perm("storage_pool", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolGetInfo"), event: false },
    ProcedureInfo { program: Program::Remote, number: 88, name: "STORAGE_POOL_GET_XML_DESC", acl: &[perm("storage_pool", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolGetXMLDesc"), event: false },
    ProcedureInfo { program: Program::Remote, number: 89, name: "STORAGE_POOL_GET_AUTOSTART", acl: &[perm("storage_pool", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolGetAutostart"), event: false },
    ProcedureInfo { program: Program::Remote, number: 90, name: "STORAGE_POOL_SET_AUTOSTART", acl: &[perm("storage_pool", "write")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolSetAutostart"), event: false },
    ProcedureInfo { program: Program::Remote, number: 91, name: "STORAGE_POOL_NUM_OF_VOLUMES", acl: &[perm("storage_pool", "search_storage_vols")], acl_filter: Some(perm("storage_vol", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolNumOfVolumes"), event: false },
    ProcedureInfo { program: Program::Remote, number: 92, name: "STORAGE_POOL_LIST_VOLUMES", acl: &[perm("storage_pool", "search_storage_vols")], acl_filter: Some(perm("storage_vol", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolListVolumes"), event: false },
    ProcedureInfo { program: Program::Remote, number: 93, name: "STORAGE_VOL_CREATE_XML", acl: &[perm("storage_vol", "create")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStorageVolCreateXML"), event: false },
    ProcedureInfo { program: Program::Remote, number: 94, name: "STORAGE_VOL_DELETE", acl: &[perm("storage_vol", "delete")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStorageVolDelete"), event: false },
    ProcedureInfo { program: Program::Remote, number: 95, name: "STORAGE_VOL_LOOKUP_BY_NAME", acl: &[perm("storage_vol", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStorageVolLookupByName"), event: false },
    ProcedureInfo { program: Program::Remote, number: 96, name: "STORAGE_VOL_LOOKUP_BY_KEY", acl: &[perm("storage_vol", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStorageVolLookupByKey"), event: false },
    ProcedureInfo { program: Program::Remote, number: 97, name: "STORAGE_VOL_LOOKUP_BY_PATH", acl: &[perm("storage_vol", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStorageVolLookupByPath"), event: false },
    ProcedureInfo { program: Program::Remote, number: 98, name: "STORAGE_VOL_GET_INFO", acl: &[perm("storage_vol", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStorageVolGetInfo"), event: false },
    ProcedureInfo { program: Program::Remote, number: 99, name: "STORAGE_VOL_GET_XML_DESC", acl: &[perm("storage_vol", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStorageVolGetXMLDesc"), event: false },
    ProcedureInfo { program: Program::Remote, number: 100, name: "STORAGE_VOL_GET_PATH", acl: &[perm("storage_vol", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStorageVolGetPath"), event: false },
    ProcedureInfo { program: Program::Remote, number: 101, name: "NODE_GET_CELLS_FREE_MEMORY", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeGetCellsFreeMemory"), event: false },
    ProcedureInfo { program: Program::Remote, number: 102, name: "NODE_GET_FREE_MEMORY", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeGetFreeMemory"), event: false },
    ProcedureInfo { program: Program::Remote, number: 103, name: "DOMAIN_BLOCK_PEEK", acl: &[perm("domain", "block_read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainBlockPeek"), event: false },
    ProcedureInfo { program: Program::Remote, number: 104, name: "DOMAIN_MEMORY_PEEK", acl: &[perm("domain", "mem_read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMemoryPeek"), event: false },
    ProcedureInfo { program: Program::Remote, number: 105, name: "CONNECT_DOMAIN_EVENT_REGISTER", acl: &[perm("connect", "search_domains")], acl_filter: Some(perm("domain", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectDomainEventRegister"), event: false },
    ProcedureInfo { program: Program::Remote, number: 106, name: "CONNECT_DOMAIN_EVENT_DEREGISTER", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectDomainEventDeregister"), event: false },
    ProcedureInfo { program: Program::Remote, number: 107, name: "DOMAIN_EVENT_LIFECYCLE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 108, name: "DOMAIN_MIGRATE_PREPARE2", acl: &[perm("domain", "migrate"), perm("domain", "start"), perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigratePrepare2"), event: false },
    ProcedureInfo { program: Program::Remote, number: 109, name: "DOMAIN_MIGRATE_FINISH2", acl: &[perm("domain", "migrate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigrateFinish2"), event: false },
    ProcedureInfo { program: Program::Remote, number: 110, name: "CONNECT_GET_URI", acl: &[perm("connect", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectGetURI"), event: false },
    ProcedureInfo { program: Program::Remote, number: 111, name: "NODE_NUM_OF_DEVICES", acl: &[perm("connect", "search_node_devices")], acl_filter: Some(perm("node_device", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeNumOfDevices"), event: false },
    ProcedureInfo { program: Program::Remote, number: 112, name: "NODE_LIST_DEVICES", acl: &[perm("connect", "search_node_devices")], acl_filter: Some(perm("node_device", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeListDevices"), event: false },
    ProcedureInfo { program: Program::Remote, number: 113, name: "NODE_DEVICE_LOOKUP_BY_NAME", acl: &[perm("node_device", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeDeviceLookupByName"), event: false },
    ProcedureInfo { program: Program::Remote, number: 114, name: "NODE_DEVICE_GET_XML_DESC", acl: &[perm("node_device", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeDeviceGetXMLDesc"), event: false },
    ProcedureInfo { program: Program::Remote, number: 115, name: "NODE_DEVICE_GET_PARENT", acl: &[perm("node_device", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeDeviceGetParent"), event: false },
    ProcedureInfo { program: Program::Remote, number: 116, name: "NODE_DEVICE_NUM_OF_CAPS", acl: &[perm("node_device", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeDeviceNumOfCaps"), event: false },
    ProcedureInfo { program: Program::Remote, number: 117, name: "NODE_DEVICE_LIST_CAPS", acl: &[perm("node_device", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeDeviceListCaps"), event: false },
    ProcedureInfo { program: Program::Remote, number: 118, name: "NODE_DEVICE_DETTACH", acl: &[perm("node_device", "detach")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeDeviceDettach"), event: false },
    ProcedureInfo { program: Program::Remote, number: 119, name: "NODE_DEVICE_RE_ATTACH", acl: &[perm("node_device", "detach")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeDeviceReAttach"), event: false },
    ProcedureInfo { program: Program::Remote, number: 120, name: "NODE_DEVICE_RESET", acl: &[perm("node_device", "detach")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeDeviceReset"), event: false },
    ProcedureInfo { program: Program::Remote, number: 121, name: "DOMAIN_GET_SECURITY_LABEL", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetSecurityLabel"), event: false },
    ProcedureInfo { program: Program::Remote, number: 122, name: "NODE_GET_SECURITY_MODEL", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeGetSecurityModel"), event: false },
    ProcedureInfo { program: Program::Remote, number: 123, name: "NODE_DEVICE_CREATE_XML", acl: &[perm("node_device", "write"), perm("node_device", "start")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeDeviceCreateXML"), event: false },
    ProcedureInfo { program: Program::Remote, number: 124, name: "NODE_DEVICE_DESTROY", acl: &[perm("node_device", "stop")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeDeviceDestroy"), event: false },
    ProcedureInfo { program: Program::Remote, number: 125, name: "STORAGE_VOL_CREATE_XML_FROM", acl: &[perm("storage_vol", "create")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStorageVolCreateXMLFrom"), event: false },
    ProcedureInfo { program: Program::Remote, number: 126, name: "CONNECT_NUM_OF_INTERFACES", acl: &[perm("connect", "search_interfaces")], acl_filter: Some(perm("interface", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectNumOfInterfaces"), event: false },
    ProcedureInfo { program: Program::Remote, number: 127, name: "CONNECT_LIST_INTERFACES", acl: &[perm("connect", "search_interfaces")], acl_filter: Some(perm("interface", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectListInterfaces"), event: false },
    ProcedureInfo { program: Program::Remote, number: 128, name: "INTERFACE_LOOKUP_BY_NAME", acl: &[perm("interface", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virInterfaceLookupByName"), event: false },
    ProcedureInfo { program: Program::Remote, number: 129, name: "INTERFACE_LOOKUP_BY_MAC_STRING", acl: &[perm("interface", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virInterfaceLookupByMACString"), event: false },
    ProcedureInfo { program: Program::Remote, number: 130, name: "INTERFACE_GET_XML_DESC", acl: &[perm("interface", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virInterfaceGetXMLDesc"), event: false },
    ProcedureInfo { program: Program::Remote, number: 131, name: "INTERFACE_DEFINE_XML", acl: &[perm("interface", "write"), perm("interface", "save")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virInterfaceDefineXML"), event: false },
    ProcedureInfo { program: Program::Remote, number: 132, name: "INTERFACE_UNDEFINE", acl: &[perm("interface", "delete")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virInterfaceUndefine"), event: false },
    ProcedureInfo { program: Program::Remote, number: 133, name: "INTERFACE_CREATE", acl: &[perm("interface", "start")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virInterfaceCreate"), event: false },
    ProcedureInfo { program: Program::Remote, number: 134, name: "INTERFACE_DESTROY", acl: &[perm("interface", "stop")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virInterfaceDestroy"), event: false },
    ProcedureInfo { program: Program::Remote, number: 135, name: "CONNECT_DOMAIN_XML_FROM_NATIVE", acl: &[perm("connect", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectDomainXMLFromNative"), event: false },
    ProcedureInfo { program: Program::Remote, number: 136, name: "CONNECT_DOMAIN_XML_TO_NATIVE", acl: &[perm("connect", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectDomainXMLToNative"), event: false },
    ProcedureInfo { program: Program::Remote, number: 137, name: "CONNECT_NUM_OF_DEFINED_INTERFACES", acl: &[perm("connect", "search_interfaces")], acl_filter: Some(perm("interface", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectNumOfDefinedInterfaces"), event: false },
    ProcedureInfo { program: Program::Remote, number: 138, name: "CONNECT_LIST_DEFINED_INTERFACES", acl: &[perm("connect", "search_interfaces")], acl_filter: Some(perm("interface", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectListDefinedInterfaces"), event: false },
    ProcedureInfo { program: Program::Remote, number: 139, name: "CONNECT_NUM_OF_SECRETS", acl: &[perm("connect", "search_secrets")], acl_filter: Some(perm("secret", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectNumOfSecrets"), event: false },
    ProcedureInfo { program: Program::Remote, number: 140, name: "CONNECT_LIST_SECRETS", acl: &[perm("connect", "search_secrets")], acl_filter: Some(perm("secret", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectListSecrets"), event: false },
    ProcedureInfo { program: Program::Remote, number: 141, name: "SECRET_LOOKUP_BY_UUID", acl: &[perm("secret", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virSecretLookupByUUID"), event: false },
    ProcedureInfo { program: Program::Remote, number: 142, name: "SECRET_DEFINE_XML", acl: &[perm("secret", "write"), perm("secret", "save")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virSecretDefineXML"), event: false },
    ProcedureInfo { program: Program::Remote, number: 143, name: "SECRET_GET_XML_DESC", acl: &[perm("secret", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virSecretGetXMLDesc"), event: false },
    ProcedureInfo { program: Program::Remote, number: 144, name: "SECRET_SET_VALUE", acl: &[perm("secret", "write")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virSecretSetValue"), event: false },
    ProcedureInfo { program: Program::Remote, number: 145, name: "SECRET_GET_VALUE", acl: &[perm("secret", "read_secure")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virSecretGetValue"), event: false },
    ProcedureInfo { program: Program::Remote, number: 146, name: "SECRET_UNDEFINE", acl: &[perm("secret", "delete")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virSecretUndefine"), event: false },
    ProcedureInfo { program: Program::Remote, number: 147, name: "SECRET_LOOKUP_BY_USAGE", acl: &[perm("secret", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virSecretLookupByUsage"), event: false },
    ProcedureInfo { program: Program::Remote, number: 148, name: "DOMAIN_MIGRATE_PREPARE_TUNNEL", acl: &[perm("domain", "migrate"), perm("domain", "start"), perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::Write, stream_arg: Some(1), api_name: Some("virDomainMigratePrepareTunnel"), event: false },
    ProcedureInfo { program: Program::Remote, number: 149, name: "CONNECT_IS_SECURE", acl: &[], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectIsSecure"), event: false },
    ProcedureInfo { program: Program::Remote, number: 150, name: "DOMAIN_IS_ACTIVE", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainIsActive"), event: false },
    ProcedureInfo { program: Program::Remote, number: 151, name: "DOMAIN_IS_PERSISTENT", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainIsPersistent"), event: false },
    ProcedureInfo { program: Program::Remote, number: 152, name: "NETWORK_IS_ACTIVE", acl: &[perm("network", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkIsActive"), event: false },
    ProcedureInfo { program: Program::Remote, number: 153, name: "NETWORK_IS_PERSISTENT", acl: &[perm("network", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkIsPersistent"), event: false },
    ProcedureInfo { program: Program::Remote, number: 154, name: "STORAGE_POOL_IS_ACTIVE", acl: &[perm("storage_pool", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolIsActive"), event: false },
    ProcedureInfo { program: Program::Remote, number: 155, name: "STORAGE_POOL_IS_PERSISTENT", acl: &[perm("storage_pool", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolIsPersistent"), event: false },
    ProcedureInfo { program: Program::Remote, number: 156, name: "INTERFACE_IS_ACTIVE", acl: &[perm("interface", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virInterfaceIsActive"), event: false },
    ProcedureInfo { program: Program::Remote, number: 157, name: "CONNECT_GET_LIB_VERSION", acl: &[perm("connect", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectGetLibVersion"), event: false },
    ProcedureInfo { program: Program::Remote, number: 158, name: "CONNECT_COMPARE_CPU", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectCompareCPU"), event: false },
    ProcedureInfo { program: Program::Remote, number: 159, name: "DOMAIN_MEMORY_STATS", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMemoryStats"), event: false },
    ProcedureInfo { program: Program::Remote, number: 160, name: "DOMAIN_ATTACH_DEVICE_FLAGS", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainAttachDeviceFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 161, name: "DOMAIN_DETACH_DEVICE_FLAGS", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainDetachDeviceFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 162, name: "CONNECT_BASELINE_CPU", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectBaselineCPU"), event: false },
    ProcedureInfo { program: Program::Remote, number: 163, name: "DOMAIN_GET_JOB_INFO", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetJobInfo"), event: false },
    ProcedureInfo { program: Program::Remote, number: 164, name: "DOMAIN_ABORT_JOB", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainAbortJob"), event: false },
    ProcedureInfo { program: Program::Remote, number: 165, name: "STORAGE_VOL_WIPE", acl: &[perm("storage_vol", "format")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStorageVolWipe"), event: false },
    ProcedureInfo { program: Program::Remote, number: 166, name: "DOMAIN_MIGRATE_SET_MAX_DOWNTIME", acl: &[perm("domain", "migrate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigrateSetMaxDowntime"), event: false },
    ProcedureInfo { program: Program::Remote, number: 167, name: "CONNECT_DOMAIN_EVENT_REGISTER_ANY", acl: &[perm("connect", "search_domains")], acl_filter: Some(perm("domain", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectDomainEventRegisterAny"), event: false },
    ProcedureInfo { program: Program::Remote, number: 168, name: "CONNECT_DOMAIN_EVENT_DEREGISTER_ANY", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectDomainEventDeregisterAny"), event: false },
    ProcedureInfo { program: Program::Remote, number: 169, name: "DOMAIN_EVENT_REBOOT", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 170, name: "DOMAIN_EVENT_RTC_CHANGE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 171, name: "DOMAIN_EVENT_WATCHDOG", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 172, name: "DOMAIN_EVENT_IO_ERROR", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 173, name: "DOMAIN_EVENT_GRAPHICS", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 174, name: "DOMAIN_UPDATE_DEVICE_FLAGS", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainUpdateDeviceFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 175, name: "NWFILTER_LOOKUP_BY_NAME", acl: &[perm("nwfilter", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNWFilterLookupByName"), event: false },
    ProcedureInfo { program: Program::Remote, number: 176, name: "NWFILTER_LOOKUP_BY_UUID", acl: &[perm("nwfilter", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNWFilterLookupByUUID"), event: false },
    ProcedureInfo { program: Program::Remote, number: 177, name: "NWFILTER_GET_XML_DESC", acl: &[perm("nwfilter", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNWFilterGetXMLDesc"), event: false },
    ProcedureInfo { program: Program::Remote, number: 178, name: "CONNECT_NUM_OF_NWFILTERS", acl: &[perm("connect", "search_nwfilters")], acl_filter: Some(perm("nwfilter", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectNumOfNWFilters"), event: false },
    ProcedureInfo { program: Program::Remote, number: 179, name: "CONNECT_LIST_NWFILTERS", acl: &[perm("connect", "search_nwfilters")], acl_filter: Some(perm("nwfilter", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectListNWFilters"), event: false },
    ProcedureInfo { program: Program::Remote, number: 180, name: "NWFILTER_DEFINE_XML", acl: &[perm("nwfilter", "write"), perm("nwfilter", "save")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNWFilterDefineXML"), event: false },
    ProcedureInfo { program: Program::Remote, number: 181, name: "NWFILTER_UNDEFINE", acl: &[perm("nwfilter", "delete")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNWFilterUndefine"), event: false },
    ProcedureInfo { program: Program::Remote, number: 182, name: "DOMAIN_MANAGED_SAVE", acl: &[perm("domain", "hibernate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainManagedSave"), event: false },
    ProcedureInfo { program: Program::Remote, number: 183, name: "DOMAIN_HAS_MANAGED_SAVE_IMAGE", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainHasManagedSaveImage"), event: false },
    ProcedureInfo { program: Program::Remote, number: 184, name: "DOMAIN_MANAGED_SAVE_REMOVE", acl: &[perm("domain", "hibernate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainManagedSaveRemove"), event: false },
    ProcedureInfo { program: Program::Remote, number: 185, name: "DOMAIN_SNAPSHOT_CREATE_XML", acl: &[perm("domain", "snapshot"), perm_if("domain", "fs_freeze", "VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSnapshotCreateXML"), event: false },
    ProcedureInfo { program: Program::Remote, number: 186, name: "DOMAIN_SNAPSHOT_GET_XML_DESC", acl: &[perm("domain", "read"), perm_if("domain", "read_secure", "VIR_DOMAIN_SNAPSHOT_XML_SECURE")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSnapshotGetXMLDesc"), event: false },
    ProcedureInfo { program: Program::Remote, number: 187, name: "DOMAIN_SNAPSHOT_NUM", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSnapshotNum"), event: false },
    ProcedureInfo { program: Program::Remote, number: 188, name: "DOMAIN_SNAPSHOT_LIST_NAMES", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSnapshotListNames"), event: false },
    ProcedureInfo { program: Program::Remote, number: 189, name: "DOMAIN_SNAPSHOT_LOOKUP_BY_NAME", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSnapshotLookupByName"), event: false },
    ProcedureInfo { program: Program::Remote, number: 190, name: "DOMAIN_HAS_CURRENT_SNAPSHOT", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainHasCurrentSnapshot"), event: false },
    ProcedureInfo { program: Program::Remote, number: 191, name: "DOMAIN_SNAPSHOT_CURRENT", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSnapshotCurrent"), event: false },
    ProcedureInfo { program: Program::Remote, number: 192, name: "DOMAIN_REVERT_TO_SNAPSHOT", acl: &[perm("domain", "snapshot")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainRevertToSnapshot"), event: false },
    ProcedureInfo { program: Program::Remote, number: 193, name: "DOMAIN_SNAPSHOT_DELETE", acl: &[perm("domain", "snapshot")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSnapshotDelete"), event: false },
    ProcedureInfo { program: Program::Remote, number: 194, name: "DOMAIN_GET_BLOCK_INFO", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetBlockInfo"), event: false },
    ProcedureInfo { program: Program::Remote, number: 195, name: "DOMAIN_EVENT_IO_ERROR_REASON", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 196, name: "DOMAIN_CREATE_WITH_FLAGS", acl: &[perm("domain", "start")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainCreateWithFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 197, name: "DOMAIN_SET_MEMORY_PARAMETERS", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetMemoryParameters"), event: false },
    ProcedureInfo { program: Program::Remote, number: 198, name: "DOMAIN_GET_MEMORY_PARAMETERS", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetMemoryParameters"), event: false },
    ProcedureInfo { program: Program::Remote, number: 199, name: "DOMAIN_SET_VCPUS_FLAGS", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG"), perm_if("domain", "write", "VIR_DOMAIN_VCPU_GUEST")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetVcpusFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 200, name: "DOMAIN_GET_VCPUS_FLAGS", acl: &[perm("domain", "read"), perm_if("domain", "write", "VIR_DOMAIN_VCPU_GUEST")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetVcpusFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 201, name: "DOMAIN_OPEN_CONSOLE", acl: &[perm("domain", "open_device")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::Duplex, stream_arg: Some(2), api_name: Some("virDomainOpenConsole"), event: false },
    ProcedureInfo { program: Program::Remote, number: 202, name: "DOMAIN_IS_UPDATED", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainIsUpdated"), event: false },
    ProcedureInfo { program: Program::Remote, number: 203, name: "CONNECT_GET_SYSINFO", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectGetSysinfo"), event: false },
    ProcedureInfo { program: Program::Remote, number: 204, name: "DOMAIN_SET_MEMORY_FLAGS", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetMemoryFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 205, name: "DOMAIN_SET_BLKIO_PARAMETERS", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetBlkioParameters"), event: false },
    ProcedureInfo { program: Program::Remote, number: 206, name: "DOMAIN_GET_BLKIO_PARAMETERS", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetBlkioParameters"), event: false },
    ProcedureInfo { program: Program::Remote, number: 207, name: "DOMAIN_MIGRATE_SET_MAX_SPEED", acl: &[perm("domain", "migrate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigrateSetMaxSpeed"), event: false },
    ProcedureInfo { program: Program::Remote, number: 208, name: "STORAGE_VOL_UPLOAD", acl: &[perm("storage_vol", "data_write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::Write, stream_arg: Some(1), api_name: Some("virStorageVolUpload"), event: false },
    ProcedureInfo { program: Program::Remote, number: 209, name: "STORAGE_VOL_DOWNLOAD", acl: &[perm("storage_vol", "data_read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::Read, stream_arg: Some(1), api_name: Some("virStorageVolDownload"), event: false },
    ProcedureInfo { program: Program::Remote, number: 210, name: "DOMAIN_INJECT_NMI", acl: &[perm("domain", "inject_nmi")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainInjectNMI"), event: false },
    ProcedureInfo { program: Program::Remote, number: 211, name: "DOMAIN_SCREENSHOT", acl: &[perm("domain", "screenshot")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::Read, stream_arg: Some(1), api_name: Some("virDomainScreenshot"), event: false },
    ProcedureInfo { program: Program::Remote, number: 212, name: "DOMAIN_GET_STATE", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetState"), event: false },
    ProcedureInfo { program: Program::Remote, number: 213, name: "DOMAIN_MIGRATE_BEGIN3", acl: &[perm("domain", "migrate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigrateBegin3"), event: false },
    ProcedureInfo { program: Program::Remote, number: 214, name: "DOMAIN_MIGRATE_PREPARE3", acl: &[perm("domain", "migrate"), perm("domain", "start"), perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigratePrepare3"), event: false },
    ProcedureInfo { program: Program::Remote, number: 215, name: "DOMAIN_MIGRATE_PREPARE_TUNNEL3", acl: &[perm("domain", "migrate"), perm("domain", "start"), perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::Write, stream_arg: Some(1), api_name: Some("virDomainMigratePrepareTunnel3"), event: false },
    ProcedureInfo { program: Program::Remote, number: 216, name: "DOMAIN_MIGRATE_PERFORM3", acl: &[perm("domain", "migrate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigratePerform3"), event: false },
    ProcedureInfo { program: Program::Remote, number: 217, name: "DOMAIN_MIGRATE_FINISH3", acl: &[perm("domain", "migrate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigrateFinish3"), event: false },
    ProcedureInfo { program: Program::Remote, number: 218, name: "DOMAIN_MIGRATE_CONFIRM3", acl: &[perm("domain", "migrate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigrateConfirm3"), event: false },
    ProcedureInfo { program: Program::Remote, number: 219, name: "DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetSchedulerParametersFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 220, name: "INTERFACE_CHANGE_BEGIN", acl: &[perm("connect", "interface_transaction")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virInterfaceChangeBegin"), event: false },
    ProcedureInfo { program: Program::Remote, number: 221, name: "INTERFACE_CHANGE_COMMIT", acl: &[perm("connect", "interface_transaction")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virInterfaceChangeCommit"), event: false },
    ProcedureInfo { program: Program::Remote, number: 222, name: "INTERFACE_CHANGE_ROLLBACK", acl: &[perm("connect", "interface_transaction")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virInterfaceChangeRollback"), event: false },
    ProcedureInfo { program: Program::Remote, number: 223, name: "DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetSchedulerParametersFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 224, name: "DOMAIN_EVENT_CONTROL_ERROR", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 225, name: "DOMAIN_PIN_VCPU_FLAGS", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainPinVcpuFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 226, name: "DOMAIN_SEND_KEY", acl: &[perm("domain", "send_input")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSendKey"), event: false },
    ProcedureInfo { program: Program::Remote, number: 227, name: "NODE_GET_CPU_STATS", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeGetCPUStats"), event: false },
    ProcedureInfo { program: Program::Remote, number: 228, name: "NODE_GET_MEMORY_STATS", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeGetMemoryStats"), event: false },
    ProcedureInfo { program: Program::Remote, number: 229, name: "DOMAIN_GET_CONTROL_INFO", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetControlInfo"), event: false },
    ProcedureInfo { program: Program::Remote, number: 230, name: "DOMAIN_GET_VCPU_PIN_INFO", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetVcpuPinInfo"), event: false },
    ProcedureInfo { program: Program::Remote, number: 231, name: "DOMAIN_UNDEFINE_FLAGS", acl: &[perm("domain", "delete")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainUndefineFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 232, name: "DOMAIN_SAVE_FLAGS", acl: &[perm("domain", "hibernate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSaveFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 233, name: "DOMAIN_RESTORE_FLAGS", acl: &[perm("domain", "start"), perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainRestoreFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 234, name: "DOMAIN_DESTROY_FLAGS", acl: &[perm("domain", "stop")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainDestroyFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 235, name: "DOMAIN_SAVE_IMAGE_GET_XML_DESC", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSaveImageGetXMLDesc"), event: false },
    ProcedureInfo { program: Program::Remote, number: 236, name: "DOMAIN_SAVE_IMAGE_DEFINE_XML", acl: &[perm("domain", "write"), perm("domain", "hibernate")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSaveImageDefineXML"), event: false },
    ProcedureInfo { program: Program::Remote, number: 237, name: "DOMAIN_BLOCK_JOB_ABORT", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainBlockJobAbort"), event: false },
    ProcedureInfo { program: Program::Remote, number: 238, name: "DOMAIN_GET_BLOCK_JOB_INFO", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetBlockJobInfo"), event: false },
    ProcedureInfo { program: Program::Remote, number: 239, name: "DOMAIN_BLOCK_JOB_SET_SPEED", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainBlockJobSetSpeed"), event: false },
    ProcedureInfo { program: Program::Remote, number: 240, name: "DOMAIN_BLOCK_PULL", acl: &[perm("domain", "block_write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainBlockPull"), event: false },
    ProcedureInfo { program: Program::Remote, number: 241, name: "DOMAIN_EVENT_BLOCK_JOB", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 242, name: "DOMAIN_MIGRATE_GET_MAX_SPEED", acl: &[perm("domain", "migrate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigrateGetMaxSpeed"), event: false },
    ProcedureInfo { program: Program::Remote, number: 243, name: "DOMAIN_BLOCK_STATS_FLAGS", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainBlockStatsFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 244, name: "DOMAIN_SNAPSHOT_GET_PARENT", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSnapshotGetParent"), event: false },
    ProcedureInfo { program: Program::Remote, number: 245, name: "DOMAIN_RESET", acl: &[perm("domain", "reset")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainReset"), event: false },
    ProcedureInfo { program: Program::Remote, number: 246, name: "DOMAIN_SNAPSHOT_NUM_CHILDREN", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSnapshotNumChildren"), event: false },
    ProcedureInfo { program: Program::Remote, number: 247, name: "DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSnapshotListChildrenNames"), event: false },
    ProcedureInfo { program: Program::Remote, number: 248, name: "DOMAIN_EVENT_DISK_CHANGE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 249, name: "DOMAIN_OPEN_GRAPHICS", acl: &[perm("domain", "open_graphics")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainOpenGraphics"), event: false },
    ProcedureInfo { program: Program::Remote, number: 250, name: "NODE_SUSPEND_FOR_DURATION", acl: &[perm("connect", "pm_control")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeSuspendForDuration"), event: false },
    ProcedureInfo { program: Program::Remote, number: 251, name: "DOMAIN_BLOCK_RESIZE", acl: &[perm("domain", "block_write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainBlockResize"), event: false },
    ProcedureInfo { program: Program::Remote, number: 252, name: "DOMAIN_SET_BLOCK_IO_TUNE", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetBlockIoTune"), event: false },
    ProcedureInfo { program: Program::Remote, number: 253, name: "DOMAIN_GET_BLOCK_IO_TUNE", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetBlockIoTune"), event: false },
    ProcedureInfo { program: Program::Remote, number: 254, name: "DOMAIN_SET_NUMA_PARAMETERS", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetNumaParameters"), event: false },
    ProcedureInfo { program: Program::Remote, number: 255, name: "DOMAIN_GET_NUMA_PARAMETERS", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetNumaParameters"), event: false },
    ProcedureInfo { program: Program::Remote, number: 256, name: "DOMAIN_SET_INTERFACE_PARAMETERS", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetInterfaceParameters"), event: false },
    ProcedureInfo { program: Program::Remote, number: 257, name: "DOMAIN_GET_INTERFACE_PARAMETERS", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetInterfaceParameters"), event: false },
    ProcedureInfo { program: Program::Remote, number: 258, name: "DOMAIN_SHUTDOWN_FLAGS", acl: &[perm("domain", "init_control"), perm_if("domain", "write", "VIR_DOMAIN_SHUTDOWN_GUEST_AGENT")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainShutdownFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 259, name: "STORAGE_VOL_WIPE_PATTERN", acl: &[perm("storage_vol", "format")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStorageVolWipePattern"), event: false },
    ProcedureInfo { program: Program::Remote, number: 260, name: "STORAGE_VOL_RESIZE", acl: &[perm("storage_vol", "resize")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStorageVolResize"), event: false },
    ProcedureInfo { program: Program::Remote, number: 261, name: "DOMAIN_PM_SUSPEND_FOR_DURATION", acl: &[perm("domain", "pm_control")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainPMSuspendForDuration"), event: false },
    ProcedureInfo { program: Program::Remote, number: 262, name: "DOMAIN_GET_CPU_STATS", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetCPUStats"), event: false },
    ProcedureInfo { program: Program::Remote, number: 263, name: "DOMAIN_GET_DISK_ERRORS", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetDiskErrors"), event: false },
    ProcedureInfo { program: Program::Remote, number: 264, name: "DOMAIN_SET_METADATA", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetMetadata"), event: false },
    ProcedureInfo { program: Program::Remote, number: 265, name: "DOMAIN_GET_METADATA", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetMetadata"), event: false },
    ProcedureInfo { program: Program::Remote, number: 266, name: "DOMAIN_BLOCK_REBASE", acl: &[perm("domain", "block_write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainBlockRebase"), event: false },
    ProcedureInfo { program: Program::Remote, number: 267, name: "DOMAIN_PM_WAKEUP", acl: &[perm("domain", "pm_control")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainPMWakeup"), event: false },
    ProcedureInfo { program: Program::Remote, number: 268, name: "DOMAIN_EVENT_TRAY_CHANGE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 269, name: "DOMAIN_EVENT_PMWAKEUP", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 270, name: "DOMAIN_EVENT_PMSUSPEND", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 271, name: "DOMAIN_SNAPSHOT_IS_CURRENT", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSnapshotIsCurrent"), event: false },
    ProcedureInfo { program: Program::Remote, number: 272, name: "DOMAIN_SNAPSHOT_HAS_METADATA", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSnapshotHasMetadata"), event: false },
    ProcedureInfo { program: Program::Remote, number: 273, name: "CONNECT_LIST_ALL_DOMAINS", acl: &[perm("connect", "search_domains")], acl_filter: Some(perm("domain", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectListAllDomains"), event: false },
    ProcedureInfo { program: Program::Remote, number: 274, name: "DOMAIN_LIST_ALL_SNAPSHOTS", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainListAllSnapshots"), event: false },
    ProcedureInfo { program: Program::Remote, number: 275, name: "DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSnapshotListAllChildren"), event: false },
    ProcedureInfo { program: Program::Remote, number: 276, name: "DOMAIN_EVENT_BALLOON_CHANGE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 277, name: "DOMAIN_GET_HOSTNAME", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetHostname"), event: false },
    ProcedureInfo { program: Program::Remote, number: 278, name: "DOMAIN_GET_SECURITY_LABEL_LIST", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetSecurityLabelList"), event: false },
    ProcedureInfo { program: Program::Remote, number: 279, name: "DOMAIN_PIN_EMULATOR", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainPinEmulator"), event: false },
    ProcedureInfo { program: Program::Remote, number: 280, name: "DOMAIN_GET_EMULATOR_PIN_INFO", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetEmulatorPinInfo"), event: false },
    ProcedureInfo { program: Program::Remote, number: 281, name: "CONNECT_LIST_ALL_STORAGE_POOLS", acl: &[perm("connect", "search_storage_pools")], acl_filter: Some(perm("storage_pool", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectListAllStoragePools"), event: false },
    ProcedureInfo { program: Program::Remote, number: 282, name: "STORAGE_POOL_LIST_ALL_VOLUMES", acl: &[perm("storage_pool", "search_storage_vols")], acl_filter: Some(perm("storage_vol", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolListAllVolumes"), event: false },
    ProcedureInfo { program: Program::Remote, number: 283, name: "CONNECT_LIST_ALL_NETWORKS", acl: &[perm("connect", "search_networks")], acl_filter: Some(perm("network", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectListAllNetworks"), event: false },
    ProcedureInfo { program: Program::Remote, number: 284, name: "CONNECT_LIST_ALL_INTERFACES", acl: &[perm("connect", "search_interfaces")], acl_filter: Some(perm("interface", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectListAllInterfaces"), event: false },
    ProcedureInfo { program: Program::Remote, number: 285, name: "CONNECT_LIST_ALL_NODE_DEVICES", acl: &[perm("connect", "search_node_devices")], acl_filter: Some(perm("node_device", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectListAllNodeDevices"), event: false },
    ProcedureInfo { program: Program::Remote, number: 286, name: "CONNECT_LIST_ALL_NWFILTERS", acl: &[perm("connect", "search_nwfilters")], acl_filter: Some(perm("nwfilter", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectListAllNWFilters"), event: false },
    ProcedureInfo { program: Program::Remote, number: 287, name: "CONNECT_LIST_ALL_SECRETS", acl: &[perm("connect", "search_secrets")], acl_filter: Some(perm("secret", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectListAllSecrets"), event: false },
    ProcedureInfo { program: Program::Remote, number: 288, name: "NODE_SET_MEMORY_PARAMETERS", acl: &[perm("connect", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeSetMemoryParameters"), event: false },
    ProcedureInfo { program: Program::Remote, number: 289, name: "NODE_GET_MEMORY_PARAMETERS", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeGetMemoryParameters"), event: false },
    ProcedureInfo { program: Program::Remote, number: 290, name: "DOMAIN_BLOCK_COMMIT", acl: &[perm("domain", "block_write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainBlockCommit"), event: false },
    ProcedureInfo { program: Program::Remote, number: 291, name: "NETWORK_UPDATE", acl: &[perm("network", "write"), perm_if("network", "save", "!VIR_NETWORK_UPDATE_AFFECT_CONFIG|VIR_NETWORK_UPDATE_AFFECT_LIVE"), perm_if("network", "save", "VIR_NETWORK_UPDATE_AFFECT_CONFIG")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkUpdate"), event: false },
    ProcedureInfo { program: Program::Remote, number: 292, name: "DOMAIN_EVENT_PMSUSPEND_DISK", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 293, name: "NODE_GET_CPU_MAP", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeGetCPUMap"), event: false },
    ProcedureInfo { program: Program::Remote, number: 294, name: "DOMAIN_FSTRIM", acl: &[perm("domain", "fs_trim")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainFSTrim"), event: false },
    ProcedureInfo { program: Program::Remote, number: 295, name: "DOMAIN_SEND_PROCESS_SIGNAL", acl: &[perm("domain", "send_signal")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSendProcessSignal"), event: false },
    ProcedureInfo { program: Program::Remote, number: 296, name: "DOMAIN_OPEN_CHANNEL", acl: &[perm("domain", "open_device")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::Duplex, stream_arg: Some(2), api_name: Some("virDomainOpenChannel"), event: false },
    ProcedureInfo { program: Program::Remote, number: 297, name: "NODE_DEVICE_LOOKUP_SCSI_HOST_BY_WWN", acl: &[perm("node_device", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeDeviceLookupSCSIHostByWWN"), event: false },
    ProcedureInfo { program: Program::Remote, number: 298, name: "DOMAIN_GET_JOB_STATS", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetJobStats"), event: false },
    ProcedureInfo { program: Program::Remote, number: 299, name: "DOMAIN_MIGRATE_GET_COMPRESSION_CACHE", acl: &[perm("domain", "migrate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigrateGetCompressionCache"), event: false },
    ProcedureInfo { program: Program::Remote, number: 300, name: "DOMAIN_MIGRATE_SET_COMPRESSION_CACHE", acl: &[perm("domain", "migrate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigrateSetCompressionCache"), event: false },
    ProcedureInfo { program: Program::Remote, number: 301, name: "NODE_DEVICE_DETACH_FLAGS", acl: &[perm("node_device", "detach")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeDeviceDetachFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 302, name: "DOMAIN_MIGRATE_BEGIN3_PARAMS", acl: &[perm("domain", "migrate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigrateBegin3Params"), event: false },
    ProcedureInfo { program: Program::Remote, number: 303, name: "DOMAIN_MIGRATE_PREPARE3_PARAMS", acl: &[perm("domain", "migrate"), perm("domain", "start"), perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigratePrepare3Params"), event: false },
    ProcedureInfo { program: Program::Remote, number: 304, name: "DOMAIN_MIGRATE_PREPARE_TUNNEL3_PARAMS", acl: &[perm("domain", "migrate"), perm("domain", "start"), perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigratePrepareTunnel3Params"), event: false },
    ProcedureInfo { program: Program::Remote, number: 305, name: "DOMAIN_MIGRATE_PERFORM3_PARAMS", acl: &[perm("domain", "migrate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigratePerform3Params"), event: false },
    ProcedureInfo { program: Program::Remote, number: 306, name: "DOMAIN_MIGRATE_FINISH3_PARAMS", acl: &[perm("domain", "migrate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigrateFinish3Params"), event: false },
    ProcedureInfo { program: Program::Remote, number: 307, name: "DOMAIN_MIGRATE_CONFIRM3_PARAMS", acl: &[perm("domain", "migrate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigrateConfirm3Params"), event: false },
    ProcedureInfo { program: Program::Remote, number: 308, name: "DOMAIN_SET_MEMORY_STATS_PERIOD", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetMemoryStatsPeriod"), event: false },
    ProcedureInfo { program: Program::Remote, number: 309, name: "DOMAIN_CREATE_XML_WITH_FILES", acl: &[perm("domain", "write"), perm("domain", "start")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainCreateXMLWithFiles"), event: false },
    ProcedureInfo { program: Program::Remote, number: 310, name: "DOMAIN_CREATE_WITH_FILES", acl: &[perm("domain", "start")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainCreateWithFiles"), event: false },
    ProcedureInfo { program: Program::Remote, number: 311, name: "DOMAIN_EVENT_DEVICE_REMOVED", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 312, name: "CONNECT_GET_CPU_MODEL_NAMES", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectGetCPUModelNames"), event: false },
    ProcedureInfo { program: Program::Remote, number: 313, name: "CONNECT_NETWORK_EVENT_REGISTER_ANY", acl: &[perm("connect", "search_networks")], acl_filter: Some(perm("network", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectNetworkEventRegisterAny"), event: false },
    ProcedureInfo { program: Program::Remote, number: 314, name: "CONNECT_NETWORK_EVENT_DEREGISTER_ANY", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectNetworkEventDeregisterAny"), event: false },
    ProcedureInfo { program: Program::Remote, number: 315, name: "NETWORK_EVENT_LIFECYCLE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 316, name: "CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY", acl: &[perm("connect", "search_domains")], acl_filter: Some(perm("domain", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectDomainEventRegisterAny"), event: false },
    ProcedureInfo { program: Program::Remote, number: 317, name: "CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectDomainEventDeregisterAny"), event: false },
    ProcedureInfo { program: Program::Remote, number: 318, name: "DOMAIN_EVENT_CALLBACK_LIFECYCLE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 319, name: "DOMAIN_EVENT_CALLBACK_REBOOT", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 320, name: "DOMAIN_EVENT_CALLBACK_RTC_CHANGE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 321, name: "DOMAIN_EVENT_CALLBACK_WATCHDOG", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 322, name: "DOMAIN_EVENT_CALLBACK_IO_ERROR", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 323, name: "DOMAIN_EVENT_CALLBACK_GRAPHICS", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 324, name: "DOMAIN_EVENT_CALLBACK_IO_ERROR_REASON", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 325, name: "DOMAIN_EVENT_CALLBACK_CONTROL_ERROR", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 326, name: "DOMAIN_EVENT_CALLBACK_BLOCK_JOB", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 327, name: "DOMAIN_EVENT_CALLBACK_DISK_CHANGE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 328, name: "DOMAIN_EVENT_CALLBACK_TRAY_CHANGE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 329, name: "DOMAIN_EVENT_CALLBACK_PMWAKEUP", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 330, name: "DOMAIN_EVENT_CALLBACK_PMSUSPEND", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 331, name: "DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 332, name: "DOMAIN_EVENT_CALLBACK_PMSUSPEND_DISK", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 333, name: "DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 334, name: "DOMAIN_CORE_DUMP_WITH_FORMAT", acl: &[perm("domain", "core_dump")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainCoreDumpWithFormat"), event: false },
    ProcedureInfo { program: Program::Remote, number: 335, name: "DOMAIN_FSFREEZE", acl: &[perm("domain", "fs_freeze")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainFSFreeze"), event: false },
    ProcedureInfo { program: Program::Remote, number: 336, name: "DOMAIN_FSTHAW", acl: &[perm("domain", "fs_freeze")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainFSThaw"), event: false },
    ProcedureInfo { program: Program::Remote, number: 337, name: "DOMAIN_GET_TIME", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetTime"), event: false },
    ProcedureInfo { program: Program::Remote, number: 338, name: "DOMAIN_SET_TIME", acl: &[perm("domain", "set_time")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetTime"), event: false },
    ProcedureInfo { program: Program::Remote, number: 339, name: "DOMAIN_EVENT_BLOCK_JOB_2", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 340, name: "NODE_GET_FREE_PAGES", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeGetFreePages"), event: false },
    ProcedureInfo { program: Program::Remote, number: 341, name: "NETWORK_GET_DHCP_LEASES", acl: &[perm("network", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkGetDHCPLeases"), event: false },
    ProcedureInfo { program: Program::Remote, number: 342, name: "CONNECT_GET_DOMAIN_CAPABILITIES", acl: &[perm("connect", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectGetDomainCapabilities"), event: false },
    ProcedureInfo { program: Program::Remote, number: 343, name: "DOMAIN_OPEN_GRAPHICS_FD", acl: &[perm("domain", "open_graphics")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainOpenGraphicsFD"), event: false },
    ProcedureInfo { program: Program::Remote, number: 344, name: "CONNECT_GET_ALL_DOMAIN_STATS", acl: &[perm("connect", "search_domains")], acl_filter: Some(perm("domain", "read")), priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectGetAllDomainStats"), event: false },
    ProcedureInfo { program: Program::Remote, number: 345, name: "DOMAIN_BLOCK_COPY", acl: &[perm("domain", "block_write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainBlockCopy"), event: false },
    ProcedureInfo { program: Program::Remote, number: 346, name: "DOMAIN_EVENT_CALLBACK_TUNABLE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 347, name: "NODE_ALLOC_PAGES", acl: &[perm("connect", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeAllocPages"), event: false },
    ProcedureInfo { program: Program::Remote, number: 348, name: "DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 349, name: "DOMAIN_GET_FSINFO", acl: &[perm("domain", "fs_freeze")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetFSInfo"), event: false },
    ProcedureInfo { program: Program::Remote, number: 350, name: "DOMAIN_DEFINE_XML_FLAGS", acl: &[perm("domain", "write"), perm("domain", "save")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainDefineXMLFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 351, name: "DOMAIN_GET_IOTHREAD_INFO", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetIOThreadInfo"), event: false },
    ProcedureInfo { program: Program::Remote, number: 352, name: "DOMAIN_PIN_IOTHREAD", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainPinIOThread"), event: false },
    ProcedureInfo { program: Program::Remote, number: 353, name: "DOMAIN_INTERFACE_ADDRESSES", acl: &[perm("domain", "read"), perm_param("domain", "write", "source", "VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainInterfaceAddresses"), event: false },
    ProcedureInfo { program: Program::Remote, number: 354, name: "DOMAIN_EVENT_CALLBACK_DEVICE_ADDED", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 355, name: "DOMAIN_ADD_IOTHREAD", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainAddIOThread"), event: false },
    ProcedureInfo { program: Program::Remote, number: 356, name: "DOMAIN_DEL_IOTHREAD", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainDelIOThread"), event: false },
    ProcedureInfo { program: Program::Remote, number: 357, name: "DOMAIN_SET_USER_PASSWORD", acl: &[perm("domain", "set_password")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetUserPassword"), event: false },
    ProcedureInfo { program: Program::Remote, number: 358, name: "DOMAIN_RENAME", acl: &[perm("domain", "write"), perm("domain", "save")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainRename"), event: false },
    ProcedureInfo { program: Program::Remote, number: 359, name: "DOMAIN_EVENT_CALLBACK_MIGRATION_ITERATION", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 360, name: "CONNECT_REGISTER_CLOSE_CALLBACK", acl: &[perm("connect", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectRegisterCloseCallback"), event: false },
    ProcedureInfo { program: Program::Remote, number: 361, name: "CONNECT_UNREGISTER_CLOSE_CALLBACK", acl: &[perm("connect", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectUnregisterCloseCallback"), event: false },
    ProcedureInfo { program: Program::Remote, number: 362, name: "CONNECT_EVENT_CONNECTION_CLOSED", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 363, name: "DOMAIN_EVENT_CALLBACK_JOB_COMPLETED", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 364, name: "DOMAIN_MIGRATE_START_POST_COPY", acl: &[perm("domain", "migrate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigrateStartPostCopy"), event: false },
    ProcedureInfo { program: Program::Remote, number: 365, name: "DOMAIN_GET_PERF_EVENTS", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetPerfEvents"), event: false },
    ProcedureInfo { program: Program::Remote, number: 366, name: "DOMAIN_SET_PERF_EVENTS", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetPerfEvents"), event: false },
    ProcedureInfo { program: Program::Remote, number: 367, name: "DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 368, name: "CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY", acl: &[perm("connect", "search_storage_pools")], acl_filter: Some(perm("storage_pool", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectStoragePoolEventRegisterAny"), event: false },
    ProcedureInfo { program: Program::Remote, number: 369, name: "CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectStoragePoolEventDeregisterAny"), event: false },
    ProcedureInfo { program: Program::Remote, number: 370, name: "STORAGE_POOL_EVENT_LIFECYCLE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 371, name: "DOMAIN_GET_GUEST_VCPUS", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetGuestVcpus"), event: false },
    ProcedureInfo { program: Program::Remote, number: 372, name: "DOMAIN_SET_GUEST_VCPUS", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetGuestVcpus"), event: false },
    ProcedureInfo { program: Program::Remote, number: 373, name: "STORAGE_POOL_EVENT_REFRESH", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 374, name: "CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY", acl: &[perm("connect", "search_node_devices")], acl_filter: Some(perm("node_device", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectNodeDeviceEventRegisterAny"), event: false },
    ProcedureInfo { program: Program::Remote, number: 375, name: "CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectNodeDeviceEventDeregisterAny"), event: false },
    ProcedureInfo { program: Program::Remote, number: 376, name: "NODE_DEVICE_EVENT_LIFECYCLE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 377, name: "NODE_DEVICE_EVENT_UPDATE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 378, name: "STORAGE_VOL_GET_INFO_FLAGS", acl: &[perm("storage_vol", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStorageVolGetInfoFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 379, name: "DOMAIN_EVENT_CALLBACK_METADATA_CHANGE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 380, name: "CONNECT_SECRET_EVENT_REGISTER_ANY", acl: &[perm("connect", "search_secrets")], acl_filter: Some(perm("secret", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectSecretEventRegisterAny"), event: false },
    ProcedureInfo { program: Program::Remote, number: 381, name: "CONNECT_SECRET_EVENT_DEREGISTER_ANY", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectSecretEventDeregisterAny"), event: false },
    ProcedureInfo { program: Program::Remote, number: 382, name: "SECRET_EVENT_LIFECYCLE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 383, name: "SECRET_EVENT_VALUE_CHANGED", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 384, name: "DOMAIN_SET_VCPU", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetVcpu"), event: false },
    ProcedureInfo { program: Program::Remote, number: 385, name: "DOMAIN_EVENT_BLOCK_THRESHOLD", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 386, name: "DOMAIN_SET_BLOCK_THRESHOLD", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetBlockThreshold"), event: false },
    ProcedureInfo { program: Program::Remote, number: 387, name: "DOMAIN_MIGRATE_GET_MAX_DOWNTIME", acl: &[perm("domain", "migrate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainMigrateGetMaxDowntime"), event: false },
    ProcedureInfo { program: Program::Remote, number: 388, name: "DOMAIN_MANAGED_SAVE_GET_XML_DESC", acl: &[perm("domain", "read"), perm_if("domain", "read_secure", "VIR_DOMAIN_SAVE_IMAGE_XML_SECURE")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainManagedSaveGetXMLDesc"), event: false },
    ProcedureInfo { program: Program::Remote, number: 389, name: "DOMAIN_MANAGED_SAVE_DEFINE_XML", acl: &[perm("domain", "write"), perm("domain", "hibernate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainManagedSaveDefineXML"), event: false },
    ProcedureInfo { program: Program::Remote, number: 390, name: "DOMAIN_SET_LIFECYCLE_ACTION", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetLifecycleAction"), event: false },
    ProcedureInfo { program: Program::Remote, number: 391, name: "STORAGE_POOL_LOOKUP_BY_TARGET_PATH", acl: &[perm("storage_pool", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virStoragePoolLookupByTargetPath"), event: false },
    ProcedureInfo { program: Program::Remote, number: 392, name: "DOMAIN_DETACH_DEVICE_ALIAS", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainDetachDeviceAlias"), event: false },
    ProcedureInfo { program: Program::Remote, number: 393, name: "CONNECT_COMPARE_HYPERVISOR_CPU", acl: &[perm("connect", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectCompareHypervisorCPU"), event: false },
    ProcedureInfo { program: Program::Remote, number: 394, name: "CONNECT_BASELINE_HYPERVISOR_CPU", acl: &[perm("connect", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectBaselineHypervisorCPU"), event: false },
    ProcedureInfo { program: Program::Remote, number: 395, name: "NODE_GET_SEV_INFO", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeGetSEVInfo"), event: false },
    ProcedureInfo { program: Program::Remote, number: 396, name: "DOMAIN_GET_LAUNCH_SECURITY_INFO", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetLaunchSecurityInfo"), event: false },
    ProcedureInfo { program: Program::Remote, number: 397, name: "NWFILTER_BINDING_LOOKUP_BY_PORT_DEV", acl: &[perm("nwfilter_binding", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNWFilterBindingLookupByPortDev"), event: false },
    ProcedureInfo { program: Program::Remote, number: 398, name: "NWFILTER_BINDING_GET_XML_DESC", acl: &[perm("nwfilter_binding", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNWFilterBindingGetXMLDesc"), event: false },
    ProcedureInfo { program: Program::Remote, number: 399, name: "NWFILTER_BINDING_CREATE_XML", acl: &[perm("nwfilter_binding", "create")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNWFilterBindingCreateXML"), event: false },
    ProcedureInfo { program: Program::Remote, number: 400, name: "NWFILTER_BINDING_DELETE", acl: &[perm("nwfilter_binding", "delete")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNWFilterBindingDelete"), event: false },
    ProcedureInfo { program: Program::Remote, number: 401, name: "CONNECT_LIST_ALL_NWFILTER_BINDINGS", acl: &[perm("connect", "search_nwfilter_bindings")], acl_filter: Some(perm("nwfilter_binding", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectListAllNWFilterBindings"), event: false },
    ProcedureInfo { program: Program::Remote, number: 402, name: "DOMAIN_SET_IOTHREAD_PARAMS", acl: &[perm("domain", "write"), perm_if("domain", "save", "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE"), perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetIOThreadParams"), event: false },
    ProcedureInfo { program: Program::Remote, number: 403, name: "CONNECT_GET_STORAGE_POOL_CAPABILITIES", acl: &[perm("connect", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectGetStoragePoolCapabilities"), event: false },
    ProcedureInfo { program: Program::Remote, number: 404, name: "NETWORK_LIST_ALL_PORTS", acl: &[perm("network", "search_ports")], acl_filter: Some(perm("network_port", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkListAllPorts"), event: false },
    ProcedureInfo { program: Program::Remote, number: 405, name: "NETWORK_PORT_LOOKUP_BY_UUID", acl: &[perm("network_port", "getattr")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkPortLookupByUUID"), event: false },
    ProcedureInfo { program: Program::Remote, number: 406, name: "NETWORK_PORT_CREATE_XML", acl: &[perm("network_port", "create")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkPortCreateXML"), event: false },
    ProcedureInfo { program: Program::Remote, number: 407, name: "NETWORK_PORT_GET_PARAMETERS", acl: &[perm("network_port", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkPortGetParameters"), event: false },
    ProcedureInfo { program: Program::Remote, number: 408, name: "NETWORK_PORT_SET_PARAMETERS", acl: &[perm("network_port", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkPortSetParameters"), event: false },
    ProcedureInfo { program: Program::Remote, number: 409, name: "NETWORK_PORT_GET_XML_DESC", acl: &[perm("network_port", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkPortGetXMLDesc"), event: false },
    ProcedureInfo { program: Program::Remote, number: 410, name: "NETWORK_PORT_DELETE", acl: &[perm("network_port", "delete")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkPortDelete"), event: false },
    ProcedureInfo { program: Program::Remote, number: 411, name: "DOMAIN_CHECKPOINT_CREATE_XML", acl: &[perm("domain", "checkpoint"), perm_if("domain", "fs_freeze", "VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainCheckpointCreateXML"), event: false },
    ProcedureInfo { program: Program::Remote, number: 412, name: "DOMAIN_CHECKPOINT_GET_XML_DESC", acl: &[perm("domain", "read"), perm_if("domain", "read_secure", "VIR_DOMAIN_CHECKPOINT_XML_SECURE")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainCheckpointGetXMLDesc"), event: false },
    ProcedureInfo { program: Program::Remote, number: 413, name: "DOMAIN_LIST_ALL_CHECKPOINTS", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainListAllCheckpoints"), event: false },
    ProcedureInfo { program: Program::Remote, number: 414, name: "DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainCheckpointListAllChildren"), event: false },
    ProcedureInfo { program: Program::Remote, number: 415, name: "DOMAIN_CHECKPOINT_LOOKUP_BY_NAME", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainCheckpointLookupByName"), event: false },
    ProcedureInfo { program: Program::Remote, number: 416, name: "DOMAIN_CHECKPOINT_GET_PARENT", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainCheckpointGetParent"), event: false },
    ProcedureInfo { program: Program::Remote, number: 417, name: "DOMAIN_CHECKPOINT_DELETE", acl: &[perm("domain", "checkpoint")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainCheckpointDelete"), event: false },
    ProcedureInfo { program: Program::Remote, number: 418, name: "DOMAIN_GET_GUEST_INFO", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetGuestInfo"), event: false },
    ProcedureInfo { program: Program::Remote, number: 419, name: "CONNECT_SET_IDENTITY", acl: &[perm("connect", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectSetIdentity"), event: false },
    ProcedureInfo { program: Program::Remote, number: 420, name: "DOMAIN_AGENT_SET_RESPONSE_TIMEOUT", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainAgentSetResponseTimeout"), event: false },
    ProcedureInfo { program: Program::Remote, number: 421, name: "DOMAIN_BACKUP_BEGIN", acl: &[perm("domain", "checkpoint"), perm("domain", "block_write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainBackupBegin"), event: false },
    ProcedureInfo { program: Program::Remote, number: 422, name: "DOMAIN_BACKUP_GET_XML_DESC", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainBackupGetXMLDesc"), event: false },
    ProcedureInfo { program: Program::Remote, number: 423, name: "DOMAIN_EVENT_MEMORY_FAILURE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 424, name: "DOMAIN_AUTHORIZED_SSH_KEYS_GET", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainAuthorizedSSHKeysGet"), event: false },
    ProcedureInfo { program: Program::Remote, number: 425, name: "DOMAIN_AUTHORIZED_SSH_KEYS_SET", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainAuthorizedSSHKeysSet"), event: false },
    ProcedureInfo { program: Program::Remote, number: 426, name: "DOMAIN_GET_MESSAGES", acl: &[perm("domain", "read")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainGetMessages"), event: false },
    ProcedureInfo { program: Program::Remote, number: 427, name: "DOMAIN_START_DIRTY_RATE_CALC", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainStartDirtyRateCalc"), event: false },
    ProcedureInfo { program: Program::Remote, number: 428, name: "NODE_DEVICE_DEFINE_XML", acl: &[perm("node_device", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeDeviceDefineXML"), event: false },
    ProcedureInfo { program: Program::Remote, number: 429, name: "NODE_DEVICE_UNDEFINE", acl: &[perm("node_device", "delete")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeDeviceUndefine"), event: false },
    ProcedureInfo { program: Program::Remote, number: 430, name: "NODE_DEVICE_CREATE", acl: &[perm("node_device", "start")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeDeviceCreate"), event: false },
    ProcedureInfo { program: Program::Remote, number: 431, name: "NWFILTER_DEFINE_XML_FLAGS", acl: &[perm("nwfilter", "write"), perm("nwfilter", "save")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNWFilterDefineXMLFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 432, name: "NETWORK_DEFINE_XML_FLAGS", acl: &[perm("network", "write"), perm("network", "save")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkDefineXMLFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 433, name: "NODE_DEVICE_GET_AUTOSTART", acl: &[perm("node_device", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeDeviceGetAutostart"), event: false },
    ProcedureInfo { program: Program::Remote, number: 434, name: "NODE_DEVICE_SET_AUTOSTART", acl: &[perm("node_device", "write")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeDeviceSetAutostart"), event: false },
    ProcedureInfo { program: Program::Remote, number: 435, name: "NODE_DEVICE_IS_PERSISTENT", acl: &[perm("node_device", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeDeviceIsPersistent"), event: false },
    ProcedureInfo { program: Program::Remote, number: 436, name: "NODE_DEVICE_IS_ACTIVE", acl: &[perm("node_device", "read")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNodeDeviceIsActive"), event: false },
    ProcedureInfo { program: Program::Remote, number: 437, name: "NETWORK_CREATE_XML_FLAGS", acl: &[perm("network", "write"), perm("network", "start")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virNetworkCreateXMLFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 438, name: "DOMAIN_EVENT_MEMORY_DEVICE_SIZE_CHANGE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Remote, number: 439, name: "DOMAIN_SET_LAUNCH_SECURITY_STATE", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSetLaunchSecurityState"), event: false },
    ProcedureInfo { program: Program::Remote, number: 440, name: "DOMAIN_SAVE_PARAMS", acl: &[perm("domain", "hibernate")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainSaveParams"), event: false },
    ProcedureInfo { program: Program::Remote, number: 441, name: "DOMAIN_RESTORE_PARAMS", acl: &[perm("domain", "start"), perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainRestoreParams"), event: false },
    ProcedureInfo { program: Program::Remote, number: 442, name: "DOMAIN_ABORT_JOB_FLAGS", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainAbortJobFlags"), event: false },
    ProcedureInfo { program: Program::Remote, number: 443, name: "DOMAIN_FD_ASSOCIATE", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainFDAssociate"), event: false },
];

/// Every procedure of the QEMU program, sorted by number (7 entries).
#[rustfmt::skip]
pub static QEMU_PROCEDURES: &[ProcedureInfo] = &[
    ProcedureInfo { program: Program::Qemu, number: 1, name: "DOMAIN_MONITOR_COMMAND", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainQemuMonitorCommand"), event: false },
    ProcedureInfo { program: Program::Qemu, number: 2, name: "DOMAIN_ATTACH", acl: &[perm("domain", "start"), perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainQemuAttach"), event: false },
    ProcedureInfo { program: Program::Qemu, number: 3, name: "DOMAIN_AGENT_COMMAND", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainQemuAgentCommand"), event: false },
    ProcedureInfo { program: Program::Qemu, number: 4, name: "CONNECT_DOMAIN_MONITOR_EVENT_REGISTER", acl: &[perm("connect", "search_domains"), perm("connect", "write")], acl_filter: Some(perm("domain", "getattr")), priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectDomainQemuMonitorEventRegister"), event: false },
    ProcedureInfo { program: Program::Qemu, number: 5, name: "CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER", acl: &[perm("connect", "write")], acl_filter: None, priority: Priority::High, stream: StreamDirection::None, stream_arg: None, api_name: Some("virConnectDomainQemuMonitorEventDeregister"), event: false },
    ProcedureInfo { program: Program::Qemu, number: 6, name: "DOMAIN_MONITOR_EVENT", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: None, event: true },
    ProcedureInfo { program: Program::Qemu, number: 7, name: "DOMAIN_MONITOR_COMMAND_WITH_FILES", acl: &[perm("domain", "write")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainQemuMonitorCommandWithFiles"), event: false },
];

/// Every procedure of the LXC program, sorted by number (1 entries).
#[rustfmt::skip]
pub static LXC_PROCEDURES: &[ProcedureInfo] = &[
    ProcedureInfo { program: Program::Lxc, number: 1, name: "DOMAIN_OPEN_NAMESPACE", acl: &[perm("domain", "open_namespace")], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virDomainLxcOpenNamespace"), event: false },
];

/// Every procedure of the ADMIN program, sorted by number (19 entries).
#[rustfmt::skip]
pub static ADMIN_PROCEDURES: &[ProcedureInfo] = &[
    ProcedureInfo { program: Program::Admin, number: 1, name: "CONNECT_OPEN", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virAdmConnectOpen"), event: false },
    ProcedureInfo { program: Program::Admin, number: 2, name: "CONNECT_CLOSE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virAdmConnectClose"), event: false },
    ProcedureInfo { program: Program::Admin, number: 3, name: "CONNECT_GET_LIB_VERSION", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virAdmConnectGetLibVersion"), event: false },
    ProcedureInfo { program: Program::Admin, number: 4, name: "CONNECT_LIST_SERVERS", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virAdmConnectListServers"), event: false },
    ProcedureInfo { program: Program::Admin, number: 5, name: "CONNECT_LOOKUP_SERVER", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virAdmConnectLookupServer"), event: false },
    ProcedureInfo { program: Program::Admin, number: 6, name: "SERVER_GET_THREADPOOL_PARAMETERS", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virAdmServerGetThreadPoolParameters"), event: false },
    ProcedureInfo { program: Program::Admin, number: 7, name: "SERVER_SET_THREADPOOL_PARAMETERS", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virAdmServerSetThreadPoolParameters"), event: false },
    ProcedureInfo { program: Program::Admin, number: 8, name: "SERVER_LIST_CLIENTS", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virAdmServerListClients"), event: false },
    ProcedureInfo { program: Program::Admin, number: 9, name: "SERVER_LOOKUP_CLIENT", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virAdmServerLookupClient"), event: false },
    ProcedureInfo { program: Program::Admin, number: 10, name: "CLIENT_GET_INFO", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virAdmClientGetInfo"), event: false },
    ProcedureInfo { program: Program::Admin, number: 11, name: "CLIENT_CLOSE", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virAdmClientClose"), event: false },
    ProcedureInfo { program: Program::Admin, number: 12, name: "SERVER_GET_CLIENT_LIMITS", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virAdmServerGetClientLimits"), event: false },
    ProcedureInfo { program: Program::Admin, number: 13, name: "SERVER_SET_CLIENT_LIMITS", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virAdmServerSetClientLimits"), event: false },
    ProcedureInfo { program: Program::Admin, number: 14, name: "CONNECT_GET_LOGGING_OUTPUTS", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virAdmConnectGetLoggingOutputs"), event: false },
    ProcedureInfo { program: Program::Admin, number: 15, name: "CONNECT_GET_LOGGING_FILTERS", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virAdmConnectGetLoggingFilters"), event: false },
    ProcedureInfo { program: Program::Admin, number: 16, name: "CONNECT_SET_LOGGING_OUTPUTS", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virAdmConnectSetLoggingOutputs"), event: false },
    ProcedureInfo { program: Program::Admin, number: 17, name: "CONNECT_SET_LOGGING_FILTERS", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virAdmConnectSetLoggingFilters"), event: false },
    ProcedureInfo { program: Program::Admin, number: 18, name: "SERVER_UPDATE_TLS_FILES", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virAdmServerUpdateTlsFiles"), event: false },
    ProcedureInfo { program: Program::Admin, number: 19, name: "CONNECT_SET_DAEMON_TIMEOUT", acl: &[], acl_filter: None, priority: Priority::Low, stream: StreamDirection::None, stream_arg: None, api_name: Some("virAdmConnectSetDaemonTimeout"), event: false },
];
