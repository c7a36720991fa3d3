//! Reading and writing framed messages on a UNIX socket, with fd passing.
//!
//! Reads always use `recvmsg` with a control buffer: Linux may deliver an fd (with its dummy
//! byte) in the same read as the end of the previous message, and a plain `read` would drop it.
//! Each fd is sent on its own, as one dummy byte with one `SCM_RIGHTS` control message, after
//! the message itself, as libvirt does.

use std::collections::VecDeque;
use std::io::{self, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;

use rustix::net::{
    RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags,
};
use tokio::io::Interest;
use tokio::net::UnixStream;

use crate::frame::{check_len, parse_frame, FrameError, Message};
use oxvirt_proto::message::{LEN_WORD, NUM_FDS_MAX};

/// Bytes asked of the kernel per read.
const READ_CHUNK: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("I/O error on the socket: {0}")]
    Io(#[from] io::Error),
    #[error("invalid message framing: {0}")]
    Frame(#[from] FrameError),
    #[error("Failed to recv file descriptor")]
    MissingFd,
    #[error("connection closed in the middle of a message")]
    TruncatedEof,
}

/// The reading half: reassembles messages and the fds that follow them.
#[derive(Debug)]
pub struct MessageReader {
    stream: Arc<UnixStream>,
    buf: Vec<u8>,
    /// Start of unconsumed data in `buf`.
    pos: usize,
    fds: VecDeque<OwnedFd>,
    eof: bool,
}

impl MessageReader {
    pub fn new(stream: Arc<UnixStream>) -> Self {
        MessageReader {
            stream,
            buf: Vec::new(),
            pos: 0,
            fds: VecDeque::new(),
            eof: false,
        }
    }

    fn available(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Read more bytes (and any fds) from the socket. Returns false at EOF.
    async fn fill(&mut self, want: usize) -> Result<bool, TransportError> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 && (self.pos == self.buf.len() || self.pos > READ_CHUNK) {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        // Never read more than needed into the buffer beyond one chunk, so a peer cannot make
        // us hold more than one message plus a chunk.
        let chunk = want.clamp(1, READ_CHUNK);
        let old = self.buf.len();
        self.buf.resize(old + chunk, 0);
        let stream = self.stream.clone();
        let fds = &mut self.fds;
        let buf = &mut self.buf[old..];
        let n = stream
            .async_io(Interest::READABLE, || {
                let mut space =
                    [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(NUM_FDS_MAX))];
                let mut control = RecvAncillaryBuffer::new(&mut space);
                let mut iov = [IoSliceMut::new(buf)];
                let r = rustix::net::recvmsg(
                    stream.as_fd(),
                    &mut iov,
                    &mut control,
                    RecvFlags::CMSG_CLOEXEC,
                )
                .map_err(io::Error::from)?;
                for msg in control.drain() {
                    if let RecvAncillaryMessage::ScmRights(rights) = msg {
                        fds.extend(rights);
                    }
                }
                Ok(r.bytes)
            })
            .await;
        let n = match n {
            Ok(n) => n,
            Err(e) => {
                self.buf.truncate(old);
                return Err(e.into());
            }
        };
        self.buf.truncate(old + n);
        if n == 0 {
            self.eof = true;
            return Ok(false);
        }
        Ok(true)
    }

    async fn need(&mut self, n: usize) -> Result<bool, TransportError> {
        while self.available() < n {
            if !self.fill(n - self.available()).await? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The next message, or `None` at a clean end of stream.
    pub async fn read_message(&mut self) -> Result<Option<Message>, TransportError> {
        if !self.need(LEN_WORD).await? {
            return if self.available() == 0 {
                Ok(None)
            } else {
                Err(TransportError::TruncatedEof)
            };
        }
        let p = self.pos;
        let len = u32::from_be_bytes([
            self.buf[p],
            self.buf[p + 1],
            self.buf[p + 2],
            self.buf[p + 3],
        ]);
        let len = check_len(len)?;
        if !self.need(len).await? {
            return Err(TransportError::TruncatedEof);
        }
        let (header, nfds, body) = {
            let f = parse_frame(&self.buf[self.pos + LEN_WORD..self.pos + len])?;
            (f.header, f.nfds, f.body.to_vec())
        };
        self.pos += len;
        let mut fds = Vec::with_capacity(nfds);
        for _ in 0..nfds {
            // each fd arrives with one dummy byte
            if !self.need(1).await? {
                return Err(TransportError::MissingFd);
            }
            self.pos += 1;
            fds.push(self.fds.pop_front().ok_or(TransportError::MissingFd)?);
        }
        Ok(Some(Message { header, body, fds }))
    }
}

/// Write one message and then its fds, one `sendmsg` per fd.
pub async fn write_message(stream: &UnixStream, msg: &Message) -> Result<(), TransportError> {
    let bytes = msg.to_wire()?;
    let mut off = 0;
    while off < bytes.len() {
        let n = stream
            .async_io(Interest::WRITABLE, || {
                rustix::net::send(stream.as_fd(), &bytes[off..], SendFlags::NOSIGNAL)
                    .map_err(io::Error::from)
            })
            .await?;
        off += n;
    }
    for fd in &msg.fds {
        stream
            .async_io(Interest::WRITABLE, || {
                let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
                let mut control = SendAncillaryBuffer::new(&mut space);
                let one = [fd.as_fd()];
                control.push(SendAncillaryMessage::ScmRights(&one));
                rustix::net::sendmsg(
                    stream.as_fd(),
                    &[IoSlice::new(&[0u8])],
                    &mut control,
                    SendFlags::NOSIGNAL,
                )
                .map_err(io::Error::from)
            })
            .await?;
    }
    Ok(())
}
