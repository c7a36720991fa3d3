//! `proxyd.conf`: libvirt's configuration syntax (`key = value`, integers, "strings",
//! `[ "lists", "of strings" ]`, `#` comments) with the keys of libvirtd.conf/virtproxyd.conf
//! that the proxy serves: where and how to listen on the network.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::ProxyError;

/// One value of a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// An integer (`listen_tls = 1`).
    Int(i64),
    /// A string (`tls_port = "16514"`).
    Str(String),
    /// A list of strings (`tls_allowed_dn_list = ["CN=a", "CN=b"]`).
    List(Vec<String>),
}

/// Parse a file in libvirt's configuration syntax. Later keys replace earlier ones.
pub fn parse(text: &str) -> Result<HashMap<String, Value>, ProxyError> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        line: 1,
    };
    let mut out = HashMap::new();
    loop {
        p.skip_blank();
        if p.i >= p.s.len() {
            return Ok(out);
        }
        let key = p.word()?;
        p.skip_space();
        p.expect(b'=')?;
        p.skip_blank();
        let value = p.value()?;
        p.skip_space();
        if p.peek().is_some_and(|c| c == b';') {
            p.i += 1;
        }
        p.skip_space();
        match p.peek() {
            None | Some(b'\n') | Some(b'#') => {}
            Some(c) => return Err(p.error(&format!("unexpected '{}'", c as char))),
        }
        out.insert(key, value);
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    line: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn error(&self, what: &str) -> ProxyError {
        ProxyError::Config(format!("line {}: {what}", self.line))
    }

    /// Spaces and tabs.
    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r')) {
            self.i += 1;
        }
    }

    /// Spaces, newlines and comments.
    fn skip_blank(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\r') => self.i += 1,
                Some(b'\n') => {
                    self.i += 1;
                    self.line += 1;
                }
                Some(b'#') => {
                    while self.peek().is_some_and(|c| c != b'\n') {
                        self.i += 1;
                    }
                }
                _ => return,
            }
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), ProxyError> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected '{}'", c as char)))
        }
    }

    fn word(&mut self) -> Result<String, ProxyError> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
        {
            self.i += 1;
        }
        if start == self.i {
            return Err(self.error("expected a key"));
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn string(&mut self) -> Result<String, ProxyError> {
        let quote = self.peek().ok_or_else(|| self.error("expected a value"))?;
        self.i += 1;
        let start = self.i;
        while let Some(c) = self.peek() {
            if c == quote {
                let s = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                self.i += 1;
                return Ok(s);
            }
            if c == b'\n' {
                break;
            }
            self.i += 1;
        }
        Err(self.error("unterminated string"))
    }

    fn value(&mut self) -> Result<Value, ProxyError> {
        match self.peek() {
            Some(b'"' | b'\'') => Ok(Value::Str(self.string()?)),
            Some(b'[') => {
                self.i += 1;
                let mut v = Vec::new();
                loop {
                    self.skip_blank();
                    match self.peek() {
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Value::List(v));
                        }
                        Some(b'"' | b'\'') => v.push(self.string()?),
                        _ => return Err(self.error("expected a string or ']'")),
                    }
                    self.skip_blank();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {}
                        _ => return Err(self.error("expected ',' or ']'")),
                    }
                }
            }
            Some(c) if c == b'-' || c.is_ascii_digit() => {
                let start = self.i;
                self.i += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
                let t = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                t.parse()
                    .map(Value::Int)
                    .map_err(|_| self.error(&format!("bad number '{t}'")))
            }
            _ => Err(self.error("expected a value")),
        }
    }
}

/// The network listening settings, with libvirt's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenConfig {
    /// `listen_tls` (default 1; used only with `--listen`).
    pub listen_tls: bool,
    /// `listen_tcp` (default 0).
    pub listen_tcp: bool,
    /// `listen_addr` (default: every address).
    pub listen_addr: Option<String>,
    /// `tls_port` (default "16514").
    pub tls_port: String,
    /// `tcp_port` (default "16509").
    pub tcp_port: String,
    /// `key_file` (default `/etc/pki/libvirt/private/serverkey.pem`).
    pub key_file: PathBuf,
    /// `cert_file` (default `/etc/pki/libvirt/servercert.pem`).
    pub cert_file: PathBuf,
    /// `ca_file` (default `/etc/pki/CA/cacert.pem`).
    pub ca_file: PathBuf,
    /// `crl_file` (default none).
    pub crl_file: Option<PathBuf>,
    /// `tls_no_verify_certificate` (default 0): client certificates are not required.
    pub tls_no_verify_certificate: bool,
    /// `tls_allowed_dn_list` (default: any DN a trusted CA signed).
    pub tls_allowed_dn_list: Option<Vec<String>>,
    /// `auth_tcp` (default "sasl").
    pub auth_tcp: String,
    /// `auth_tls` (default "none").
    pub auth_tls: String,
}

impl Default for ListenConfig {
    fn default() -> Self {
        ListenConfig {
            listen_tls: true,
            listen_tcp: false,
            listen_addr: None,
            tls_port: "16514".into(),
            tcp_port: "16509".into(),
            key_file: "/etc/pki/libvirt/private/serverkey.pem".into(),
            cert_file: "/etc/pki/libvirt/servercert.pem".into(),
            ca_file: "/etc/pki/CA/cacert.pem".into(),
            crl_file: None,
            tls_no_verify_certificate: false,
            tls_allowed_dn_list: None,
            auth_tcp: "sasl".into(),
            auth_tls: "none".into(),
        }
    }
}

impl ListenConfig {
    /// The settings of a parsed file: its keys over libvirt's defaults (other keys ignored, as
    /// libvirt's daemons ignore keys that are not theirs).
    pub fn from_map(m: &HashMap<String, Value>) -> Result<Self, ProxyError> {
        let mut c = ListenConfig::default();
        let int = |k: &str| -> Result<Option<bool>, ProxyError> {
            match m.get(k) {
                None => Ok(None),
                Some(Value::Int(i)) => Ok(Some(*i != 0)),
                Some(_) => Err(ProxyError::Config(format!("{k} must be an integer"))),
            }
        };
        let string = |k: &str| -> Result<Option<String>, ProxyError> {
            match m.get(k) {
                None => Ok(None),
                Some(Value::Str(s)) => Ok(Some(s.clone())),
                Some(_) => Err(ProxyError::Config(format!("{k} must be a string"))),
            }
        };
        if let Some(v) = int("listen_tls")? {
            c.listen_tls = v;
        }
        if let Some(v) = int("listen_tcp")? {
            c.listen_tcp = v;
        }
        if let Some(v) = int("tls_no_verify_certificate")? {
            c.tls_no_verify_certificate = v;
        }
        c.listen_addr = string("listen_addr")?;
        if let Some(v) = string("tls_port")? {
            c.tls_port = v;
        }
        if let Some(v) = string("tcp_port")? {
            c.tcp_port = v;
        }
        if let Some(v) = string("key_file")? {
            c.key_file = v.into();
        }
        if let Some(v) = string("cert_file")? {
            c.cert_file = v.into();
        }
        if let Some(v) = string("ca_file")? {
            c.ca_file = v.into();
        }
        c.crl_file = string("crl_file")?.map(PathBuf::from);
        if let Some(v) = string("auth_tcp")? {
            c.auth_tcp = v;
        }
        if let Some(v) = string("auth_tls")? {
            c.auth_tls = v;
        }
        c.tls_allowed_dn_list = match m.get("tls_allowed_dn_list") {
            None => None,
            Some(Value::List(l)) => Some(l.clone()),
            Some(_) => {
                return Err(ProxyError::Config(
                    "tls_allowed_dn_list must be a list of strings".into(),
                ))
            }
        };
        Ok(c)
    }

    /// Read `path`; a file that does not exist gives the defaults.
    pub fn load(path: &Path) -> Result<Self, ProxyError> {
        match std::fs::read_to_string(path) {
            Ok(t) => Self::from_map(&parse(&t).map_err(|e| match e {
                ProxyError::Config(m) => ProxyError::Config(format!("{}: {m}", path.display())),
                e => e,
            })?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(ProxyError::Io(format!("cannot read {}", path.display()), e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libvirt_syntax() {
        let m = parse(
            "# comment\nlisten_tls = 0\nlisten_addr = \"127.0.0.1\"  # trailing\n\
             tls_allowed_dn_list = [\"C=GB,O=Example,CN=*\",\n   'CN=b' ]\ntls_port='1234';\n",
        )
        .expect("parses");
        assert_eq!(m["listen_tls"], Value::Int(0));
        assert_eq!(m["listen_addr"], Value::Str("127.0.0.1".into()));
        assert_eq!(
            m["tls_allowed_dn_list"],
            Value::List(vec!["C=GB,O=Example,CN=*".into(), "CN=b".into()])
        );
        let c = ListenConfig::from_map(&m).expect("valid");
        assert!(!c.listen_tls);
        assert_eq!(c.tls_port, "1234");
        assert_eq!(c.tcp_port, "16509");
        assert_eq!(c.ca_file, Path::new("/etc/pki/CA/cacert.pem"));
        assert!(parse("a = \"x").is_err());
        assert!(parse("a = [\"x\" \"y\"]").is_err());
        assert!(parse("= 1").is_err());
        assert!(ListenConfig::from_map(&parse("listen_tls = \"1\"").expect("parses")).is_err());
    }
}
