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

use crate::frame::{check_len, parse_frame, FrameError, Message, SMALL_BODY};
use oxvirt_proto::message::{HEADER_LEN, LEN_WORD, NUM_FDS_MAX};
use oxvirt_proto::{Header, MessageType};

/// Most bytes asked of the kernel per read.
const READ_CHUNK: usize = 64 * 1024;
/// Most bytes of a big message's body allocated before they arrive (a whole stream packet).
const BODY_STEP: usize = 256 * 1024;
/// Fewest bytes asked of the kernel per read (the rest of a small message and the next ones
/// usually come with it, saving a system call per message).
const MIN_READ: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("I/O error on the socket: {0}")]
    Io(#[from] io::Error),
    #[error("invalid message framing: {0}")]
    Frame(#[from] FrameError),
    #[error("Failed to recv file descriptor")]
    MissingFd,
    #[error("the peer sent more file descriptors than its messages announce")]
    TooManyFds,
    #[error("connection closed in the middle of a message")]
    TruncatedEof,
    #[error("message length {0} exceeds the maximum of {1} bytes for this connection")]
    TooLong(usize, usize),
}

/// The reading half: reassembles messages and the fds that follow them.
///
/// Reads never go past what the current message needs (a length word, the rest of the
/// message, one fd's dummy byte), so the buffer holds at most one message. fds are handed out
/// in the order they arrive, to the messages that announce them. A libvirt sender attaches
/// each fd to its own dummy byte, but a forwarding proxy may deliver an fd together with
/// earlier bytes (Linux ends a `recvmsg` at a packet that carries fds, and the proxy sends what
/// it read in one piece), so an fd may arrive before its dummy byte. fds nobody announced would
/// pile up: more than [`NUM_FDS_MAX`] waiting is an error that ends the connection.
///
/// The buffer is allocated only once the socket has something to read, grows with the bytes
/// that actually arrive (never to a length a peer merely announces), and is given back when a
/// message leaves it empty, so an idle connection holds no read buffer.
#[derive(Debug)]
pub struct MessageReader {
    stream: Arc<UnixStream>,
    buf: Vec<u8>,
    /// Unconsumed data is `buf[start..end]`; `buf[end..]` is scratch space.
    start: usize,
    end: usize,
    fds: VecDeque<OwnedFd>,
    eof: bool,
}

impl MessageReader {
    pub fn new(stream: Arc<UnixStream>) -> Self {
        MessageReader {
            stream,
            buf: Vec::new(),
            start: 0,
            end: 0,
            fds: VecDeque::new(),
            eof: false,
        }
    }

    fn available(&self) -> usize {
        self.end - self.start
    }

    /// Read at most `want` more bytes (and any fds) from the socket. Returns false at EOF.
    /// Cancel-safe: nothing is committed before the read completes.
    async fn fill(&mut self, want: usize) -> Result<bool, TransportError> {
        if self.eof {
            return Ok(false);
        }
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            // An idle connection holds no buffer: wait for data before allocating one.
            self.buf = Vec::new();
            self.stream.readable().await?;
        } else if self.start > READ_CHUNK {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let chunk = want.clamp(MIN_READ, READ_CHUNK);
        if self.buf.len() < self.end + chunk {
            self.buf.resize(self.end + chunk, 0);
        }
        let n = recv_some(
            &self.stream,
            &mut self.fds,
            &mut self.buf[self.end..self.end + chunk],
        )
        .await?;
        if n == 0 {
            self.eof = true;
            return Ok(false);
        }
        self.end += n;
        Ok(true)
    }

    /// The body of a big message without fds (stream data) whose length word and header were
    /// consumed: what the buffer holds of it, then the rest read from the socket straight into
    /// the body (no copy, fewer system calls). The body grows with the bytes that arrive, at
    /// most [`BODY_STEP`] ahead of them: a length a peer merely announces allocates little.
    async fn read_big_body(&mut self, body_len: usize) -> Result<Vec<u8>, TransportError> {
        let have = self.available().min(body_len);
        let mut body = Vec::with_capacity(body_len.min(BODY_STEP).max(have));
        body.extend_from_slice(&self.buf[self.start..self.start + have]);
        self.start += have;
        while body.len() < body_len {
            if self.eof {
                return Err(TransportError::TruncatedEof);
            }
            self.stream.readable().await?;
            let filled = body.len();
            body.resize(filled + (body_len - filled).min(BODY_STEP), 0);
            let n = recv_some(&self.stream, &mut self.fds, &mut body[filled..]).await?;
            body.truncate(filled + n);
            if n == 0 {
                self.eof = true;
                return Err(TransportError::TruncatedEof);
            }
        }
        Ok(body)
    }

    async fn need(&mut self, n: usize) -> Result<bool, TransportError> {
        while self.available() < n {
            if !self.fill(n - self.available()).await? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Wait until the next message has started arriving (or the stream ended). Cancel-safe.
    pub async fn wait_data(&mut self) -> Result<(), TransportError> {
        if self.available() == 0 {
            self.fill(1).await?;
        }
        Ok(())
    }

    /// The next message, or `None` at a clean end of stream.
    ///
    /// Not cancel-safe: dropping the future in the middle of a message loses it. Callers only
    /// race it against the end of the connection.
    pub async fn read_message(&mut self) -> Result<Option<Message>, TransportError> {
        self.read_message_max(usize::MAX).await
    }

    /// [`MessageReader::read_message`], refusing a message (length word included) longer than
    /// `max` bytes as soon as its length word arrives.
    pub async fn read_message_max(
        &mut self,
        max: usize,
    ) -> Result<Option<Message>, TransportError> {
        if !self.need(LEN_WORD).await? {
            return if self.available() == 0 {
                Ok(None)
            } else {
                Err(TransportError::TruncatedEof)
            };
        }
        let p = self.start;
        let len = u32::from_be_bytes([
            self.buf[p],
            self.buf[p + 1],
            self.buf[p + 2],
            self.buf[p + 3],
        ]);
        let len = check_len(len)?;
        if len > max {
            return Err(TransportError::TooLong(len, max));
        }
        let head = LEN_WORD + HEADER_LEN;
        if len > head + SMALL_BODY {
            if !self.need(head).await? {
                return Err(TransportError::TruncatedEof);
            }
            let header = Header::parse(&self.buf[self.start + LEN_WORD..self.start + head])
                .map_err(|_| FrameError::TooShort(u32::try_from(len).unwrap_or(u32::MAX)))?;
            if !header.message_type().is_some_and(MessageType::has_fds) {
                self.start += head;
                let body = self.read_big_body(len - head).await?;
                return Ok(Some(Message::new(header, body)));
            }
        }
        if !self.need(len).await? {
            return Err(TransportError::TruncatedEof);
        }
        let (header, nfds, body) = {
            let f = parse_frame(&self.buf[self.start + LEN_WORD..self.start + len])?;
            (f.header, f.nfds, f.body.to_vec())
        };
        self.start += len;
        let mut fds = Vec::with_capacity(nfds);
        for _ in 0..nfds {
            // each fd arrives with one dummy byte
            if !self.need(1).await? {
                return Err(TransportError::MissingFd);
            }
            self.start += 1;
            fds.push(self.fds.pop_front().ok_or(TransportError::MissingFd)?);
        }
        Ok(Some(Message { header, body, fds }))
    }
}

/// One `recvmsg` into `buf`, the fds that come with it queued on `fds`; 0 at EOF.
async fn recv_some(
    stream: &UnixStream,
    fds: &mut VecDeque<OwnedFd>,
    buf: &mut [u8],
) -> Result<usize, TransportError> {
    let n = stream
        .async_io(Interest::READABLE, || {
            let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(NUM_FDS_MAX))];
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
        .await?;
    if fds.len() > NUM_FDS_MAX {
        return Err(TransportError::TooManyFds);
    }
    Ok(n)
}

/// Write one message and then its fds, one `sendmsg` per fd.
pub async fn write_message(stream: &UnixStream, msg: &Message) -> Result<(), TransportError> {
    if msg.body.len() > SMALL_BODY {
        // stream data: the body is not copied behind the header
        let head = msg.head_to_wire()?;
        send_all_vectored(stream, &head, &msg.body).await?;
    } else {
        let bytes = msg.to_wire()?;
        send_all(stream, &bytes).await?;
    }
    for fd in &msg.fds {
        send_with_fd(stream, &[0u8], fd.as_fd()).await?;
    }
    Ok(())
}

/// Write all of `bytes` to a UNIX socket (no SIGPIPE).
pub async fn send_all(stream: &UnixStream, bytes: &[u8]) -> io::Result<()> {
    let mut off = 0;
    while off < bytes.len() {
        let n = stream
            .async_io(Interest::WRITABLE, || {
                rustix::net::send(stream.as_fd(), &bytes[off..], SendFlags::NOSIGNAL)
                    .map_err(io::Error::from)
            })
            .await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "socket took no bytes",
            ));
        }
        off += n;
    }
    Ok(())
}

/// Write `head` then `body` to a UNIX socket, gathered (no SIGPIPE).
async fn send_all_vectored(stream: &UnixStream, head: &[u8], body: &[u8]) -> io::Result<()> {
    let total = head.len() + body.len();
    let mut off = 0;
    while off < total {
        let n = stream
            .async_io(Interest::WRITABLE, || {
                let (h, b) = if off < head.len() {
                    (&head[off..], body)
                } else {
                    (&[][..], &body[off - head.len()..])
                };
                let iov = [IoSlice::new(h), IoSlice::new(b)];
                rustix::net::sendmsg(
                    stream.as_fd(),
                    &iov,
                    &mut SendAncillaryBuffer::default(),
                    SendFlags::NOSIGNAL,
                )
                .map_err(io::Error::from)
            })
            .await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "socket took no bytes",
            ));
        }
        off += n;
    }
    Ok(())
}

/// One `sendmsg` of (a prefix of) `bytes` carrying `fd` in an `SCM_RIGHTS` message. Returns
/// how many bytes went; the caller sends the rest with [`send_all`].
pub async fn send_with_fd(
    stream: &UnixStream,
    bytes: &[u8],
    fd: std::os::fd::BorrowedFd<'_>,
) -> io::Result<usize> {
    if bytes.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "an fd needs at least one byte to go with",
        ));
    }
    stream
        .async_io(Interest::WRITABLE, || {
            let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
            let mut control = SendAncillaryBuffer::new(&mut space);
            let one = [fd];
            if !control.push(SendAncillaryMessage::ScmRights(&one)) {
                return Err(io::Error::other("control buffer too small"));
            }
            rustix::net::sendmsg(
                stream.as_fd(),
                &[IoSlice::new(bytes)],
                &mut control,
                SendFlags::NOSIGNAL,
            )
            .map_err(io::Error::from)
        })
        .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use oxvirt_proto::Status;

    fn msg(serial: u32, mtype: MessageType, body: Vec<u8>) -> Message {
        Message::new(Header::new(0x2000_8086, 1, mtype, serial, Status::Ok), body)
    }

    /// Big bodies go gathered and are read straight into their own buffer; small ones, one
    /// with fds and the bytes around them keep their order and content.
    #[tokio::test]
    async fn big_and_small_messages_round_trip_in_order() {
        let (a, b) = UnixStream::pair().unwrap();
        let big: Vec<u8> = (0..262_120u32).map(|i| (i % 251) as u8).collect();
        let file = OwnedFd::from(std::fs::File::open("/dev/null").unwrap());
        let mut with_fd = msg(4, MessageType::Call, big.clone());
        with_fd.fds.push(file);
        let sent = vec![
            msg(1, MessageType::Stream, big.clone()),
            msg(2, MessageType::Call, b"small".to_vec()),
            msg(3, MessageType::Stream, big[..SMALL_BODY + 1].to_vec()),
            with_fd,
            msg(5, MessageType::Stream, Vec::new()),
            // bigger than what is allocated ahead of the bytes: the body grows as they come
            msg(6, MessageType::Call, big.repeat(5)),
        ];
        let writer = tokio::spawn(async move {
            for m in &sent {
                write_message(&a, m).await.unwrap();
            }
            sent
        });
        let mut r = MessageReader::new(Arc::new(b));
        let mut got = Vec::new();
        for _ in 0..6 {
            got.push(r.read_message().await.unwrap().unwrap());
        }
        let sent = writer.await.unwrap();
        for (g, s) in got.iter().zip(&sent) {
            assert_eq!(g.header.serial, s.header.serial);
            assert_eq!(g.body, s.body, "message {}", s.header.serial);
            assert_eq!(g.fds.len(), s.fds.len());
        }
    }

    /// A big message cut by the end of the stream is an error, not a short body.
    #[tokio::test]
    async fn a_big_body_cut_short_is_an_error() {
        let (a, b) = UnixStream::pair().unwrap();
        let m = msg(1, MessageType::Stream, vec![7u8; 100_000]);
        let wire = m.to_wire().unwrap();
        send_all(&a, &wire[..50_000]).await.unwrap();
        drop(a);
        let mut r = MessageReader::new(Arc::new(b));
        assert!(matches!(
            r.read_message().await,
            Err(TransportError::TruncatedEof)
        ));
    }
}
