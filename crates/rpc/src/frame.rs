//! Messages and their framing: a 4-byte length that counts itself, the 24-byte header, an fd
//! count for the `*_WITH_FDS` types, then the body.

use std::os::fd::OwnedFd;

use oxvirt_proto::message::{HEADER_LEN, LEN_WORD, MESSAGE_MAX, NUM_FDS_MAX};
use oxvirt_proto::{Header, MessageType, Status};
use oxvirt_xdr::{Encode, WriteExt};

/// Bodies up to this size are copied after the header into one buffer (one `send`); bigger
/// ones go from where they are (a vectored send).
pub const SMALL_BODY: usize = 16 * 1024;

/// One message, with the fds that travel with it.
#[derive(Debug)]
pub struct Message {
    pub header: Header,
    /// The XDR body (after the fd-count word, if any).
    pub body: Vec<u8>,
    pub fds: Vec<OwnedFd>,
}

/// Why a peer's bytes cannot be a message; the connection is closed on these.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FrameError {
    #[error("message length {0} is below the minimum of 28 bytes")]
    TooShort(u32),
    #[error("message length {0} exceeds the maximum")]
    TooLong(u32),
    #[error("message claims {0} file descriptors, more than the maximum of 32")]
    TooManyFds(u32),
    #[error("message of type WITH_FDS has no fd count")]
    MissingFdCount,
    #[error("a message of type {0} cannot carry file descriptors")]
    FdsNotAllowed(i32),
}

/// Check a length word: the whole message must hold a header and not exceed the maximum.
pub fn check_len(len: u32) -> Result<usize, FrameError> {
    let l = len as usize;
    if l < LEN_WORD + HEADER_LEN {
        Err(FrameError::TooShort(len))
    } else if l > LEN_WORD + MESSAGE_MAX {
        Err(FrameError::TooLong(len))
    } else {
        Ok(l)
    }
}

/// A framed message as received: header, the number of fds announced, the body.
#[derive(Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    pub header: Header,
    pub nfds: usize,
    pub body: &'a [u8],
}

/// Split a complete message (after its length word) into header, fd count and body.
pub fn parse_frame(msg: &[u8]) -> Result<Frame<'_>, FrameError> {
    let header = Header::parse(msg).map_err(|_| FrameError::TooShort(msg.len() as u32))?;
    let rest = &msg[HEADER_LEN.min(msg.len())..];
    if header.message_type().is_some_and(MessageType::has_fds) {
        if rest.len() < 4 {
            return Err(FrameError::MissingFdCount);
        }
        let n = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]);
        if n as usize > NUM_FDS_MAX {
            return Err(FrameError::TooManyFds(n));
        }
        Ok(Frame {
            header,
            nfds: n as usize,
            body: &rest[4..],
        })
    } else {
        Ok(Frame {
            header,
            nfds: 0,
            body: rest,
        })
    }
}

impl Message {
    pub fn new(header: Header, body: Vec<u8>) -> Self {
        Message {
            header,
            body,
            fds: Vec::new(),
        }
    }

    /// Encode `value` as the body.
    pub fn with_body<T: Encode + ?Sized>(
        header: Header,
        value: &T,
    ) -> Result<Self, oxvirt_xdr::Error> {
        Ok(Self::new(header, oxvirt_xdr::to_bytes(value)?))
    }

    /// The size of the message on the wire: length word, header, fd count (if any fds), body.
    pub fn wire_len(&self) -> usize {
        let fd_word = if self.fds.is_empty() { 0 } else { 4 };
        LEN_WORD + HEADER_LEN + fd_word + self.body.len()
    }

    /// Whether the message can be sent: not too long, not too many fds, and fds only on calls
    /// and replies.
    pub fn check(&self) -> Result<(), FrameError> {
        if !self.fds.is_empty() {
            if !matches!(
                self.header.message_type(),
                Some(
                    MessageType::Call
                        | MessageType::Reply
                        | MessageType::CallWithFds
                        | MessageType::ReplyWithFds
                )
            ) {
                return Err(FrameError::FdsNotAllowed(self.header.mtype));
            }
            if self.fds.len() > NUM_FDS_MAX {
                return Err(FrameError::TooManyFds(
                    self.fds.len().min(u32::MAX as usize) as u32,
                ));
            }
        }
        let total = self.wire_len();
        if total > LEN_WORD + MESSAGE_MAX {
            return Err(FrameError::TooLong(total.min(u32::MAX as usize) as u32));
        }
        Ok(())
    }

    /// The bytes on the wire (without the fds, which go out one per `sendmsg` afterwards).
    /// The message type is switched to/from its `*_WITH_FDS` form to match `fds`.
    pub fn to_wire(&self) -> Result<Vec<u8>, FrameError> {
        let mut out = self.head_to_wire()?;
        out.extend_from_slice(&self.body);
        Ok(out)
    }

    /// What goes on the wire before the body: the length word, the header and the fd count
    /// (if any fds). Big bodies are sent from where they are, after this.
    pub fn head_to_wire(&self) -> Result<Vec<u8>, FrameError> {
        self.check()?;
        let mut header = self.header;
        let with_fds = !self.fds.is_empty();
        header.mtype = match (header.message_type(), with_fds) {
            (Some(MessageType::Call), true) => MessageType::CallWithFds as i32,
            (Some(MessageType::Reply), true) => MessageType::ReplyWithFds as i32,
            (Some(MessageType::CallWithFds), false) => MessageType::Call as i32,
            (Some(MessageType::ReplyWithFds), false) => MessageType::Reply as i32,
            _ => header.mtype,
        };
        let total = self.wire_len();
        let mut out = Vec::with_capacity(total - self.body.len() + SMALL_BODY);
        out.put_u32(total as u32);
        // A Header always encodes (fixed-size integers only).
        let _ = header.encode(&mut out);
        if with_fds {
            out.put_u32(self.fds.len() as u32);
        }
        Ok(out)
    }

    /// Keepalive PING or PONG.
    pub fn keepalive(procedure: i32) -> Self {
        Self::new(
            Header::new(
                oxvirt_proto::message::KEEPALIVE_PROGRAM,
                procedure,
                MessageType::Message,
                0,
                Status::Ok,
            ),
            Vec::new(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxvirt_proto::message::REMOTE_PROGRAM;

    #[test]
    fn lengths() {
        assert_eq!(check_len(27), Err(FrameError::TooShort(27)));
        assert_eq!(check_len(28), Ok(28));
        assert_eq!(check_len(33_554_436), Ok(33_554_436));
        assert_eq!(check_len(33_554_437), Err(FrameError::TooLong(33_554_437)));
        assert_eq!(check_len(0), Err(FrameError::TooShort(0)));
    }

    #[test]
    fn auth_list_call_bytes() {
        // C>S AUTH_LIST(66), serial 0, from protocol.md §1.8
        let m = Message::new(
            Header::new(REMOTE_PROGRAM, 66, MessageType::Call, 0, Status::Ok),
            Vec::new(),
        );
        let w = m.to_wire().unwrap();
        assert_eq!(
            w,
            [
                0, 0, 0, 0x1c, 0x20, 0, 0x80, 0x86, 0, 0, 0, 1, 0, 0, 0, 0x42, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0
            ]
        );
        let f = parse_frame(&w[4..]).unwrap();
        assert_eq!(f.header, m.header);
        assert!(f.body.is_empty());
    }

    #[test]
    fn sizes_and_fd_rules_are_checked_before_sending() {
        let h = Header::new(REMOTE_PROGRAM, 1, MessageType::Reply, 0, Status::Ok);
        let max = Message::new(h, vec![0; MESSAGE_MAX - HEADER_LEN]);
        assert_eq!(max.wire_len(), 33_554_436);
        assert_eq!(max.to_wire().unwrap().len(), 33_554_436);
        let over = Message::new(h, vec![0; MESSAGE_MAX - HEADER_LEN + 1]);
        assert_eq!(over.to_wire(), Err(FrameError::TooLong(33_554_437)));
        // the fd count word counts too
        let mut m = Message::new(h, vec![0; MESSAGE_MAX - HEADER_LEN - 4]);
        m.fds.push(std::fs::File::open("/dev/null").unwrap().into());
        assert!(m.check().is_ok());
        m.body.push(0);
        assert_eq!(m.check(), Err(FrameError::TooLong(33_554_437)));
        // fds only on calls and replies; at most 32
        let mut ev = Message::new(
            Header::new(REMOTE_PROGRAM, 1, MessageType::Message, 0, Status::Ok),
            Vec::new(),
        );
        ev.fds
            .push(std::fs::File::open("/dev/null").unwrap().into());
        assert_eq!(ev.to_wire(), Err(FrameError::FdsNotAllowed(2)));
        let mut many = Message::new(h, Vec::new());
        for _ in 0..33 {
            many.fds
                .push(std::fs::File::open("/dev/null").unwrap().into());
        }
        assert_eq!(many.to_wire(), Err(FrameError::TooManyFds(33)));
        many.fds.pop();
        let w = many.to_wire().unwrap();
        assert_eq!(w.len(), 32);
        assert_eq!(&w[16..20], &[0, 0, 0, 5]); // REPLY_WITH_FDS
        assert_eq!(&w[28..32], &[0, 0, 0, 32]);
    }

    #[test]
    fn fd_count_word() {
        let mut w = Vec::new();
        let h = Header::new(
            REMOTE_PROGRAM,
            343,
            MessageType::ReplyWithFds,
            5,
            Status::Ok,
        );
        h.encode(&mut w).unwrap();
        w.put_u32(1);
        let f = parse_frame(&w).unwrap();
        assert_eq!(f.nfds, 1);
        assert!(f.body.is_empty());
        w.truncate(24);
        assert_eq!(parse_frame(&w), Err(FrameError::MissingFdCount));
        w.put_u32(33);
        assert_eq!(parse_frame(&w), Err(FrameError::TooManyFds(33)));
    }
}
