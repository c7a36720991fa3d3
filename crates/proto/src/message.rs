//! Message framing facts: program numbers, sizes, the header, message types and statuses.

use oxvirt_xdr::{Decode, Encode};

/// The main libvirt API program.
pub const REMOTE_PROGRAM: u32 = 0x2000_8086;
/// QEMU-specific calls (monitor passthrough, agent commands, monitor events).
pub const QEMU_PROGRAM: u32 = 0x2000_8087;
/// LXC-specific calls.
pub const LXC_PROGRAM: u32 = 0x0006_8000;
/// Keepalive PING/PONG, on every socket.
pub const KEEPALIVE_PROGRAM: u32 = 0x6b65_6570;
/// The daemon administration program (admin sockets only).
pub const ADMIN_PROGRAM: u32 = 0x0690_0690;
/// oxvirt's own program between `oxvirt-qemud` and each `oxvirt-shim` ("oxsh").
pub const SHIM_PROGRAM: u32 = 0x6f78_7368;

/// Every program oxvirt serves is at version 1.
pub const PROGRAM_VERSION: u32 = 1;

/// Keepalive procedures.
pub const KEEPALIVE_PING: i32 = 1;
pub const KEEPALIVE_PONG: i32 = 2;

/// Bytes of the length word that starts each message (and counts itself).
pub const LEN_WORD: usize = 4;
/// Bytes of the header after the length word.
pub const HEADER_LEN: usize = 24;
/// Largest header + body (the length word is not counted).
pub const MESSAGE_MAX: usize = 33_554_432;
/// Largest body.
pub const PAYLOAD_MAX: usize = MESSAGE_MAX - HEADER_LEN;
/// Stream chunk size libvirt's peers use.
pub const STREAM_CHUNK: usize = 262_120;
/// Largest `remote_nonnull_string`.
pub const STRING_MAX: usize = 4_194_304;
/// Most fds one message may carry.
pub const NUM_FDS_MAX: usize = 32;

/// `virNetMessageType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub enum MessageType {
    Call = 0,
    Reply = 1,
    Message = 2,
    Stream = 3,
    CallWithFds = 4,
    ReplyWithFds = 5,
    StreamHole = 6,
}

impl MessageType {
    pub fn from_i32(v: i32) -> Option<Self> {
        Some(match v {
            0 => Self::Call,
            1 => Self::Reply,
            2 => Self::Message,
            3 => Self::Stream,
            4 => Self::CallWithFds,
            5 => Self::ReplyWithFds,
            6 => Self::StreamHole,
            _ => return None,
        })
    }

    /// Whether a fd-count word follows the header.
    pub fn has_fds(self) -> bool {
        matches!(self, Self::CallWithFds | Self::ReplyWithFds)
    }
}

/// `virNetMessageStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub enum Status {
    Ok = 0,
    Error = 1,
    Continue = 2,
}

impl Status {
    pub fn from_i32(v: i32) -> Option<Self> {
        Some(match v {
            0 => Self::Ok,
            1 => Self::Error,
            2 => Self::Continue,
            _ => return None,
        })
    }
}

/// The 24-byte header. `mtype` and `status` are kept raw so that a peer's unknown values can be
/// answered with libvirt's errors instead of failing the decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct Header {
    pub program: u32,
    pub version: u32,
    pub procedure: i32,
    pub mtype: i32,
    pub serial: u32,
    pub status: i32,
}

impl Header {
    pub fn new(
        program: u32,
        procedure: i32,
        mtype: MessageType,
        serial: u32,
        status: Status,
    ) -> Self {
        Header {
            program,
            version: PROGRAM_VERSION,
            procedure,
            mtype: mtype as i32,
            serial,
            status: status as i32,
        }
    }

    pub fn message_type(&self) -> Option<MessageType> {
        MessageType::from_i32(self.mtype)
    }

    pub fn message_status(&self) -> Option<Status> {
        Status::from_i32(self.status)
    }

    /// The header of the reply to this call (same program, version, procedure and serial).
    pub fn reply(&self, status: Status) -> Self {
        Header {
            mtype: MessageType::Reply as i32,
            status: status as i32,
            ..*self
        }
    }

    /// Decode the header from the first 24 bytes (after the length word).
    pub fn parse(buf: &[u8]) -> Result<Self, oxvirt_xdr::Error> {
        oxvirt_xdr::from_bytes(buf)
    }
}

/// `STREAM_HOLE` body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct StreamHole {
    pub length: i64,
    pub flags: u32,
}
