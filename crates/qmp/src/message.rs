//! QMP messages: parsing one line of what QEMU sends into a [`QmpMessage`], and building
//! the line of a command.
//!
//! Pure functions, no I/O: the fuzz target `qmp_message` calls [`parse_message`] directly.
//! Everything here treats its input as hostile: no panics, no unbounded recursion
//! (serde_json stops at 128 levels of nesting), no allocation beyond the input's size.

use serde_json::{Map, Value};

/// QEMU's version as the greeting states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QmpVersion {
    /// Major version.
    pub major: u64,
    /// Minor version.
    pub minor: u64,
    /// Micro version.
    pub micro: u64,
    /// The distribution's package string (e.g. `Debian 1:7.2+dfsg-7`); empty if absent.
    pub package: String,
}

impl QmpVersion {
    /// The version as libvirt encodes it: major × 1 000 000 + minor × 1 000 + micro.
    pub fn libvirt_number(&self) -> u64 {
        self.major
            .saturating_mul(1_000_000)
            .saturating_add(self.minor.saturating_mul(1_000))
            .saturating_add(self.micro)
    }
}

/// The greeting QEMU sends first on a new QMP connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QmpGreeting {
    /// QEMU's version.
    pub version: QmpVersion,
    /// Capabilities QEMU offers (e.g. `oob`); the client enables none of them.
    pub capabilities: Vec<String>,
}

/// When QEMU emitted an event (seconds and microseconds since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QmpTimestamp {
    /// Whole seconds.
    pub seconds: i64,
    /// Microseconds within the second.
    pub microseconds: i64,
}

/// An asynchronous event.
#[derive(Debug, Clone, PartialEq)]
pub struct QmpEvent {
    /// The event's name, e.g. `STOP`, `RESUME`, `SHUTDOWN`.
    pub name: String,
    /// The event's `data` member; an empty object when QEMU sent none.
    pub data: Value,
    /// `None` when the timestamp is absent or not two integers.
    pub timestamp: Option<QmpTimestamp>,
}

/// One message from QEMU.
#[derive(Debug, Clone, PartialEq)]
pub enum QmpMessage {
    /// The greeting (first message of a connection).
    Greeting(QmpGreeting),
    /// A successful reply. `id` is whatever JSON value QEMU echoed (absent when the command
    /// had none, or when QEMU could not parse the command).
    Return {
        /// The command's `id`, as QEMU echoed it.
        id: Option<Value>,
        /// The command's return value.
        value: Value,
    },
    /// A failed command.
    Error {
        /// The command's `id`, as QEMU echoed it.
        id: Option<Value>,
        /// QEMU's error class (`GenericError`, `CommandNotFound`, ...).
        class: String,
        /// QEMU's description of the error.
        desc: String,
    },
    /// An asynchronous event.
    Event(QmpEvent),
}

/// Why a line is not a QMP message.
///
/// [`ParseError::is_fatal`] tells the connection's policy: a line that is not even a JSON
/// object means the byte stream cannot be trusted any more; an object of the wrong shape
/// concerns that one message only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The line is not UTF-8.
    #[error("QMP message is not valid UTF-8 (valid up to byte {valid_up_to})")]
    InvalidUtf8 {
        /// How many bytes are valid.
        valid_up_to: usize,
    },
    /// The line is not JSON.
    #[error("QMP message is not valid JSON: {0}")]
    InvalidJson(String),
    /// The line is JSON but not an object.
    #[error("QMP message is not a JSON object")]
    NotAnObject,
    /// A JSON object that is not a well-formed greeting, reply or event. `id` is the
    /// object's `id` member, so a waiting command can be told.
    #[error("malformed QMP message: {what}")]
    Malformed {
        /// The object's `id` member, if any.
        id: Option<Value>,
        /// What is wrong with it.
        what: String,
    },
}

impl ParseError {
    /// Whether the connection should be considered broken after this error.
    pub fn is_fatal(&self) -> bool {
        !matches!(self, ParseError::Malformed { .. })
    }
}

fn malformed(id: Option<&Value>, what: impl Into<String>) -> ParseError {
    ParseError::Malformed {
        id: id.cloned(),
        what: what.into(),
    }
}

/// Parse one line (without its line terminator; surrounding whitespace is allowed).
pub fn parse_message(line: &[u8]) -> Result<QmpMessage, ParseError> {
    let text = std::str::from_utf8(line).map_err(|e| ParseError::InvalidUtf8 {
        valid_up_to: e.valid_up_to(),
    })?;
    let value: Value =
        serde_json::from_str(text).map_err(|e| ParseError::InvalidJson(e.to_string()))?;
    let Value::Object(mut obj) = value else {
        return Err(ParseError::NotAnObject);
    };
    let id = obj.remove("id");
    let id_ref = id.as_ref();
    if let Some(ret) = obj.remove("return") {
        return Ok(QmpMessage::Return { id, value: ret });
    }
    if let Some(err) = obj.remove("error") {
        let Value::Object(err) = err else {
            return Err(malformed(id_ref, "'error' is not an object"));
        };
        let class = str_member(&err, "class")
            .ok_or_else(|| malformed(id_ref, "'error' has no string 'class'"))?;
        let desc = str_member(&err, "desc")
            .ok_or_else(|| malformed(id_ref, "'error' has no string 'desc'"))?;
        return Ok(QmpMessage::Error { id, class, desc });
    }
    if let Some(event) = obj.remove("event") {
        let Value::String(name) = event else {
            return Err(malformed(id_ref, "'event' is not a string"));
        };
        let data = match obj.remove("data") {
            None | Some(Value::Null) => Value::Object(Map::new()),
            Some(d) => d,
        };
        let timestamp = obj.get("timestamp").and_then(|t| {
            Some(QmpTimestamp {
                seconds: t.get("seconds")?.as_i64()?,
                microseconds: t.get("microseconds")?.as_i64()?,
            })
        });
        return Ok(QmpMessage::Event(QmpEvent {
            name,
            data,
            timestamp,
        }));
    }
    if let Some(qmp) = obj.get("QMP") {
        return parse_greeting(qmp).map(QmpMessage::Greeting);
    }
    Err(malformed(
        id_ref,
        "none of 'return', 'error', 'event' or 'QMP'",
    ))
}

fn str_member(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn parse_greeting(qmp: &Value) -> Result<QmpGreeting, ParseError> {
    let bad = |what: &str| malformed(None, format!("greeting: {what}"));
    let version = qmp.get("version").ok_or_else(|| bad("no 'version'"))?;
    let qemu = version
        .get("qemu")
        .ok_or_else(|| bad("no 'version.qemu'"))?;
    let num = |key: &str| {
        qemu.get(key)
            .and_then(Value::as_u64)
            .ok_or_else(|| bad(&format!("'version.qemu.{key}' is not a number")))
    };
    let version = QmpVersion {
        major: num("major")?,
        minor: num("minor")?,
        micro: num("micro")?,
        package: version
            .get("package")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
    };
    let capabilities = match qmp.get("capabilities") {
        None => Vec::new(),
        Some(Value::Array(caps)) => caps
            .iter()
            .map(|c| c.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad("'capabilities' holds a non-string"))?,
        Some(_) => return Err(bad("'capabilities' is not an array")),
    };
    Ok(QmpGreeting {
        version,
        capabilities,
    })
}

/// The line (with its `\n`) that runs `cmd` with `args` (which must be an object, or absent)
/// and asks QEMU to echo `id` in its reply.
pub fn command_line(cmd: &str, args: Option<&Value>, id: u64) -> Result<Vec<u8>, CommandError> {
    let mut obj = Map::new();
    obj.insert("execute".to_owned(), Value::String(cmd.to_owned()));
    match args {
        None => {}
        Some(a @ Value::Object(_)) => {
            obj.insert("arguments".to_owned(), a.clone());
        }
        Some(_) => return Err(CommandError::ArgumentsNotAnObject),
    }
    obj.insert("id".to_owned(), Value::from(id));
    let mut line = serde_json::to_vec(&Value::Object(obj))
        .map_err(|e| CommandError::Serialize(e.to_string()))?;
    line.push(b'\n');
    Ok(line)
}

/// Why a command could not be turned into a line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The arguments are not a JSON object.
    #[error("QMP command arguments must be a JSON object")]
    ArgumentsNotAnObject,
    /// The command could not be serialised.
    #[error("cannot serialize QMP command: {0}")]
    Serialize(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn greeting_of_qemu_7_2() {
        let line = br#"{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b2"}, "capabilities": ["oob"]}}"#;
        let QmpMessage::Greeting(g) = parse_message(line).unwrap() else {
            panic!("not a greeting")
        };
        assert_eq!(g.version.major, 7);
        assert_eq!(g.version.minor, 2);
        assert_eq!(g.version.micro, 22);
        assert_eq!(g.version.libvirt_number(), 7_002_022);
        assert_eq!(g.version.package, "Debian 1:7.2+dfsg-7+deb12u18+b2");
        assert_eq!(g.capabilities, vec!["oob".to_owned()]);
    }

    #[test]
    fn replies_errors_events() {
        assert_eq!(
            parse_message(b"{\"return\": {}, \"id\": 1}\r\n").unwrap(),
            QmpMessage::Return {
                id: Some(json!(1)),
                value: json!({})
            }
        );
        assert_eq!(
            parse_message(br#"{"id": 1, "error": {"class": "CommandNotFound", "desc": "The command nosuch has not been found"}}"#).unwrap(),
            QmpMessage::Error {
                id: Some(json!(1)),
                class: "CommandNotFound".into(),
                desc: "The command nosuch has not been found".into()
            }
        );
        let QmpMessage::Event(e) = parse_message(
            br#"{"timestamp": {"seconds": 1795427742, "microseconds": 196296}, "event": "STOP"}"#,
        )
        .unwrap() else {
            panic!("not an event")
        };
        assert_eq!(e.name, "STOP");
        assert_eq!(e.data, json!({}));
        assert_eq!(
            e.timestamp,
            Some(QmpTimestamp {
                seconds: 1795427742,
                microseconds: 196296
            })
        );
    }

    #[test]
    fn bad_lines() {
        assert!(matches!(
            parse_message(b"{\"return\": \"\xff\"}"),
            Err(ParseError::InvalidUtf8 { valid_up_to: 12 })
        ));
        assert!(matches!(
            parse_message(b"garbage"),
            Err(ParseError::InvalidJson(_))
        ));
        assert!(matches!(
            parse_message(b"[1]"),
            Err(ParseError::NotAnObject)
        ));
        assert!(matches!(
            parse_message(b""),
            Err(ParseError::InvalidJson(_))
        ));
        let e = parse_message(br#"{"id": 7, "error": "x"}"#).unwrap_err();
        assert_eq!(
            e,
            ParseError::Malformed {
                id: Some(json!(7)),
                what: "'error' is not an object".into()
            }
        );
        assert!(!e.is_fatal());
        assert!(parse_message(br#"{"QMP": {}}"#).is_err());
        assert!(parse_message(br#"{"event": 3}"#).is_err());
        assert!(parse_message(br#"{"hello": 3}"#).is_err());
        let deep = "[".repeat(100_000);
        assert!(parse_message(format!("{{\"return\": {deep}").as_bytes()).is_err());
    }

    #[test]
    fn command_lines() {
        assert_eq!(
            command_line("query-status", None, 3).unwrap(),
            b"{\"execute\":\"query-status\",\"id\":3}\n"
        );
        let line = command_line("getfd", Some(&json!({"fdname": "a\"b\n"})), 4).unwrap();
        assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
        assert_eq!(
            command_line("x", Some(&json!([1])), 1),
            Err(CommandError::ArgumentsNotAnObject)
        );
    }
}
