//! The test guest's root shell on a serial port that QEMU serves as a UNIX socket
//! (`<serial type='unix'><source mode='bind' path=…/>`): commands typed, their output and exit
//! status read back, for tests that drive a guest from the inside (ping, nc, ip).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::collect_output;

/// The serial element of a guest driven by [`SerialShell`]: its socket at `socket`, everything
/// it prints also logged to `log` (the guest's markers arrive before a client connects).
pub fn serial_xml(socket: &Path, log: &Path) -> String {
    format!(
        "<serial type='unix'><source mode='bind' path='{}'/><log file='{}' append='off'/>\
         <target port='0'/></serial>",
        socket.display(),
        log.display()
    )
}

/// A connection to a guest's serial shell.
#[derive(Debug)]
pub struct SerialShell {
    path: PathBuf,
    stream: UnixStream,
    out: Arc<Mutex<String>>,
    n: usize,
}

impl SerialShell {
    /// Connect to the serial socket at `path` (waiting for QEMU to make it) and wait for the
    /// shell's prompt (typing a newline every 2 s: what is typed before the shell runs is lost).
    pub fn connect(path: &Path) -> Self {
        let deadline = Instant::now() + Duration::from_secs(120);
        let stream = loop {
            match UnixStream::connect(path) {
                Ok(s) => break s,
                Err(e) => {
                    assert!(Instant::now() < deadline, "{}: {e}", path.display());
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        };
        let out = collect_output(stream.try_clone().unwrap());
        let mut s = SerialShell {
            path: path.to_owned(),
            stream,
            out,
            n: 0,
        };
        let deadline = Instant::now() + Duration::from_secs(240);
        loop {
            let seen = s.out.lock().unwrap().len();
            s.stream.write_all(b"\n").unwrap();
            let until = Instant::now() + Duration::from_secs(2);
            while Instant::now() < until {
                if s.out.lock().unwrap()[seen..].contains("guest# ") {
                    return s;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            assert!(
                Instant::now() < deadline,
                "no shell prompt on {}: {}",
                path.display(),
                s.output()
            );
        }
    }

    /// Everything read so far.
    pub fn output(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    /// Run `cmd` in the guest's shell; its output (the echoed command line left out, lines
    /// ending in `\r\n`) and its exit status. Panics when it does not end within `timeout`.
    pub fn run(&mut self, cmd: &str, timeout: Duration) -> (String, i32) {
        self.n += 1;
        // the terminal echoes the line with `$?` as typed; only the output has digits there
        let marker = format!("OXRC{}=", self.n);
        let start = self.out.lock().unwrap().len();
        self.stream
            .write_all(format!("{cmd}; echo {marker}$?\n").as_bytes())
            .unwrap();
        let deadline = Instant::now() + timeout;
        loop {
            {
                let all = self.out.lock().unwrap();
                let text = &all[start..];
                for (at, _) in text.match_indices(&marker) {
                    let rest = &text[at + marker.len()..];
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    if digits.is_empty() || !rest[digits.len()..].starts_with('\r') {
                        continue;
                    }
                    // the output starts after the echoed command line
                    let body = &text[..at];
                    let body = body.split_once('\n').map_or("", |(_, b)| b);
                    return (body.to_owned(), digits.parse().unwrap_or(-1));
                }
            }
            assert!(
                Instant::now() < deadline,
                "{cmd:?} did not end within {timeout:?} on {}:\n{}",
                self.path.display(),
                self.output()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// [`SerialShell::run`], asserting that `cmd` exits 0; its output.
    pub fn ok(&mut self, cmd: &str) -> String {
        let (out, rc) = self.run(cmd, Duration::from_secs(120));
        assert_eq!(rc, 0, "{cmd:?} in the guest failed:\n{out}");
        out
    }
}
