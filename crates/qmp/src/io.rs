//! Reading size-limited lines from, and writing commands (with an optional fd) to, the QMP
//! socket.

use std::io;
use std::os::fd::{AsFd, OwnedFd};

use tokio::net::UnixStream;

/// Bytes asked of the kernel per read, at most.
const READ_CHUNK: usize = 64 * 1024;

/// Why no line could be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LineError {
    #[error("QMP message longer than {limit} bytes")]
    TooLong { limit: usize },
    #[error("QMP connection closed in the middle of a message")]
    TruncatedEof,
    #[error("I/O error on the QMP socket: {0}")]
    Io(#[from] io::Error),
}

/// Splits the byte stream into lines of at most `max_line` bytes (the terminator not
/// counted).
///
/// The buffer holds at most `max_line + 2` bytes (a line and its `\r\n`): reads never ask for
/// more than what still fits, and a partial line longer than the limit is an error
/// ([`LineError::TooLong`]) after which the reader must not be used again.
#[derive(Debug)]
pub(crate) struct LineReader {
    buf: Vec<u8>,
    /// Unconsumed data is `buf[start..end]`.
    start: usize,
    end: usize,
    /// How many bytes after `start` are known to hold no `\n`.
    scanned: usize,
    max_line: usize,
}

impl LineReader {
    pub(crate) fn new(max_line: usize) -> Self {
        LineReader {
            buf: Vec::new(),
            start: 0,
            end: 0,
            scanned: 0,
            max_line: max_line.max(1),
        }
    }

    /// The most bytes the buffer may hold: a line of the limit and its `\r\n`.
    fn cap(&self) -> usize {
        self.max_line.saturating_add(2)
    }

    /// Memory held by the buffer (for tests of the bound).
    #[cfg(test)]
    pub(crate) fn buffer_capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// The next non-blank line without its terminator (`\n` or `\r\n`), or `None` at a clean
    /// end of stream. Cancel-safe: a partially read line stays buffered and the next call
    /// continues it.
    pub(crate) async fn next_line(
        &mut self,
        stream: &UnixStream,
    ) -> Result<Option<&[u8]>, LineError> {
        loop {
            let from = self.start + self.scanned;
            if let Some(pos) = self.buf[from..self.end].iter().position(|&b| b == b'\n') {
                let line_start = self.start;
                let mut line_end = from + pos;
                self.start = line_end + 1;
                self.scanned = 0;
                if line_end > line_start && self.buf[line_end - 1] == b'\r' {
                    line_end -= 1;
                }
                if line_end - line_start > self.max_line {
                    return Err(LineError::TooLong {
                        limit: self.max_line,
                    });
                }
                if self.buf[line_start..line_end]
                    .iter()
                    .all(u8::is_ascii_whitespace)
                {
                    continue;
                }
                return Ok(Some(&self.buf[line_start..line_end]));
            }
            self.scanned = self.end - self.start;
            // `\r` before the `\n` is allowed on top of the limit.
            if self.scanned > self.max_line {
                let crlf_pending =
                    self.scanned == self.max_line + 1 && self.buf[self.end - 1] == b'\r';
                if !crlf_pending {
                    return Err(LineError::TooLong {
                        limit: self.max_line,
                    });
                }
            }
            self.compact();
            let room = self.cap().saturating_sub(self.end);
            let n = room.min(READ_CHUNK);
            if self.buf.len() < self.end + n {
                let want = (self.end + n).max(self.buf.len().saturating_mul(2));
                let want = want.min(self.cap());
                self.buf.reserve_exact(want - self.buf.len());
                self.buf.resize(want, 0);
            }
            let read = read_some(stream, &mut self.buf[self.end..self.end + n]).await?;
            if read == 0 {
                return if self.end > self.start
                    && !self.buf[self.start..self.end]
                        .iter()
                        .all(u8::is_ascii_whitespace)
                {
                    Err(LineError::TruncatedEof)
                } else {
                    Ok(None)
                };
            }
            self.end += read;
        }
    }

    /// Move the partial line to the front, and give back memory held after a big message.
    fn compact(&mut self) {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end < READ_CHUNK && self.buf.len() > 4 * READ_CHUNK {
            self.buf.truncate(READ_CHUNK);
            self.buf.shrink_to(READ_CHUNK);
        }
    }
}

/// Read what the socket has. `async_io` (unlike `readable()` then `try_read`) takes part in
/// tokio's cooperative budget: a QEMU that keeps its monitor socket full (an event flood) can
/// keep this task busy but never keep it from yielding, so the shim's other tasks (its RPC
/// server, the event consumer) still run on its single thread.
async fn read_some(stream: &UnixStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        let r = stream
            .async_io(tokio::io::Interest::READABLE, || {
                rustix::io::read(stream, &mut *buf).map_err(io::Error::from)
            })
            .await;
        match r {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

/// Write `bytes`; if `fd` is given, it goes with the first bytes in one `sendmsg` (one
/// `SCM_RIGHTS` message), which is how QEMU's `getfd` and `add-fd` expect it.
pub(crate) async fn write_all_with_fd(
    stream: &UnixStream,
    bytes: &[u8],
    fd: Option<&OwnedFd>,
) -> io::Result<()> {
    let off = match fd {
        Some(fd) => oxvirt_rpc::transport::send_with_fd(stream, bytes, fd.as_fd()).await?,
        None => 0,
    };
    oxvirt_rpc::transport::send_all(stream, &bytes[off..]).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    async fn lines_of(input: &'static [u8], max: usize) -> (Vec<Vec<u8>>, Option<LineError>) {
        let (a, mut b) = UnixStream::pair().unwrap();
        let w = tokio::spawn(async move {
            let _ = b.write_all(input).await;
        });
        let mut r = LineReader::new(max);
        let mut out = Vec::new();
        let err = loop {
            match r.next_line(&a).await {
                Ok(Some(l)) => out.push(l.to_vec()),
                Ok(None) => break None,
                Err(e) => break Some(e),
            }
        };
        w.abort();
        (out, err)
    }

    #[tokio::test]
    async fn splits_lines() {
        let (l, e) = lines_of(b"{\"a\":1}\r\n\n  \r\n{\"b\":2}\n", 16).await;
        assert_eq!(l, vec![b"{\"a\":1}".to_vec(), b"{\"b\":2}".to_vec()]);
        assert!(e.is_none());
    }

    #[tokio::test]
    async fn limit_is_exact() {
        // 8 bytes fits a limit of 8, also with \r\n; 9 does not.
        let (l, e) = lines_of(b"12345678\r\n12345678\n123456789\n", 8).await;
        assert_eq!(l, vec![b"12345678".to_vec(), b"12345678".to_vec()]);
        assert!(matches!(e, Some(LineError::TooLong { limit: 8 })));
        let (l, e) = lines_of(b"123456789\r\n", 8).await;
        assert!(l.is_empty());
        assert!(matches!(e, Some(LineError::TooLong { .. })));
    }

    #[tokio::test]
    async fn truncated() {
        let (l, e) = lines_of(b"{}\n{\"ret", 100).await;
        assert_eq!(l, vec![b"{}".to_vec()]);
        assert!(matches!(e, Some(LineError::TruncatedEof)));
    }

    /// A peer sending 100 MB without a newline: the reader fails once the limit is passed
    /// and its buffer never grows past the limit (plus the terminator).
    #[tokio::test]
    async fn huge_line_bounded_memory() {
        const LIMIT: usize = 1 << 20;
        let (a, mut b) = UnixStream::pair().unwrap();
        let w = tokio::spawn(async move {
            let chunk = vec![b'a'; 1 << 20];
            for _ in 0..100 {
                if b.write_all(&chunk).await.is_err() {
                    return;
                }
            }
        });
        let mut r = LineReader::new(LIMIT);
        let e = r.next_line(&a).await.unwrap_err();
        assert!(matches!(e, LineError::TooLong { limit: LIMIT }), "{e}");
        assert!(r.buffer_capacity() <= LIMIT + 2, "{}", r.buffer_capacity());
        drop(a);
        w.await.unwrap();
    }

    #[tokio::test]
    async fn memory_given_back_after_big_line() {
        let mut big = vec![b'x'; 900_000];
        big.extend_from_slice(b"\n{}\n");
        let (a, mut b) = UnixStream::pair().unwrap();
        let w = tokio::spawn(async move { b.write_all(&big).await.map(|_| b) });
        let mut r = LineReader::new(1 << 20);
        assert_eq!(r.next_line(&a).await.unwrap().unwrap().len(), 900_000);
        assert!(r.buffer_capacity() <= (1 << 20) + 2);
        assert_eq!(r.next_line(&a).await.unwrap().unwrap(), b"{}");
        let _b = w.await.unwrap().unwrap();
        // The next read compacts and shrinks.
        let t = tokio::time::timeout(std::time::Duration::from_millis(50), r.next_line(&a)).await;
        assert!(t.is_err());
        assert!(r.buffer_capacity() <= READ_CHUNK, "{}", r.buffer_capacity());
    }
}
