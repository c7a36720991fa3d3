//! Secret XML (`<secret>`): parse as libvirt 9.0's `virSecretDefParse` does, in its order so the
//! first error reported is libvirt's, and format as `virSecretDefFormat`.
//!
//! ```xml
//! <secret ephemeral='no' private='yes'>
//!   <uuid>a15dcc96-ccc3-4688-bd89-67309cd6166d</uuid>
//!   <description>LUKS passphrase</description>
//!   <usage type='volume'>
//!     <volume>/var/lib/libvirt/images/mail.img</volume>
//!   </usage>
//! </secret>
//! ```

use oxvirt_proto::errors::{ErrorCode, ErrorDomain};
use oxvirt_proto::{ToVirError, VirError};
use roxmltree::Node;

use crate::domain::{parse_uuid, random_uuid, uuid_string};
use crate::xml::escape;
use crate::xpath::{child, string};

/// What a secret is for (`virSecretUsageType`), with the id that names its user: looking a secret
/// up by usage matches both.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Usage {
    /// No `<usage>`, or `type='none'`.
    #[default]
    None,
    /// The passphrase of an encrypted volume: the volume's path.
    Volume(String),
    /// A Ceph client's key: a name the user chooses.
    Ceph(String),
    /// An iSCSI CHAP password: the target's name.
    Iscsi(String),
    /// The passphrase of a TLS key: a name the user chooses.
    Tls(String),
    /// The state encryption of a vTPM: a name the user chooses.
    Vtpm(String),
}

impl Usage {
    /// `VIR_SECRET_USAGE_TYPE_*`, as the wire carries it.
    pub fn type_number(&self) -> i32 {
        match self {
            Usage::None => 0,
            Usage::Volume(_) => 1,
            Usage::Ceph(_) => 2,
            Usage::Iscsi(_) => 3,
            Usage::Tls(_) => 4,
            Usage::Vtpm(_) => 5,
        }
    }

    /// The usage id (`virSecretGetUsageID`): the volume path, name or target; empty for none.
    pub fn id(&self) -> &str {
        match self {
            Usage::None => "",
            Usage::Volume(s)
            | Usage::Ceph(s)
            | Usage::Iscsi(s)
            | Usage::Tls(s)
            | Usage::Vtpm(s) => s,
        }
    }

    /// The `type` attribute's value.
    pub fn type_name(&self) -> &'static str {
        match self {
            Usage::None => "none",
            Usage::Volume(_) => "volume",
            Usage::Ceph(_) => "ceph",
            Usage::Iscsi(_) => "iscsi",
            Usage::Tls(_) => "tls",
            Usage::Vtpm(_) => "vtpm",
        }
    }
}

/// A secret's definition (its value is kept apart, never in the XML).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Secret {
    /// The secret's identity; generated when the XML has none.
    pub uuid: [u8; 16],
    /// Kept only in memory, never written to disk.
    pub ephemeral: bool,
    /// Its value is never returned to a client.
    pub private: bool,
    /// Free text for people.
    pub description: Option<String>,
    /// What it is for.
    pub usage: Usage,
}

/// An error in a secret document, in libvirt's terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// Not well-formed XML (`VIR_ERR_XML_DETAIL`): libxml2's message and context lines.
    #[error("(definition_of_secret):{line}: {message}")]
    Malformed {
        /// The line libxml2 names.
        line: u32,
        /// libxml2's message with its context lines.
        message: String,
    },
    /// `VIR_ERR_XML_ERROR` from libvirt's generic XML helpers (the root element).
    #[error("XML error: {0}")]
    XmlGeneric(String),
    /// `VIR_ERR_XML_ERROR` from the secret code.
    #[error("XML error: {0}")]
    Xml(String),
    /// `VIR_ERR_CONFIG_UNSUPPORTED` from the secret code.
    #[error("unsupported configuration: {0}")]
    Unsupported(String),
    /// `VIR_ERR_INTERNAL_ERROR` from the secret code.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ToVirError for SecretError {
    fn to_vir_error(&self) -> VirError {
        let secret = ErrorDomain::Secret as i32;
        match self {
            SecretError::Malformed { .. } => {
                VirError::plain(ErrorCode::XmlDetail as i32, secret, self.to_string())
            }
            SecretError::XmlGeneric(m) => VirError::new(
                ErrorCode::XmlError as i32,
                ErrorDomain::Xml as i32,
                m.clone(),
            ),
            SecretError::Xml(m) => VirError::new(ErrorCode::XmlError as i32, secret, m.clone()),
            SecretError::Unsupported(m) => {
                VirError::new(ErrorCode::ConfigUnsupported as i32, secret, m.clone())
            }
            SecretError::Internal(m) => {
                VirError::new(ErrorCode::InternalError as i32, secret, m.clone())
            }
        }
    }
}

type Result<T> = std::result::Result<T, SecretError>;

fn yes_no(root: Node<'_, '_>, name: &str) -> Result<bool> {
    match root.attribute(name) {
        None => Ok(false),
        Some("yes") => Ok(true),
        Some("no") => Ok(false),
        Some(_) => Err(SecretError::Xml(format!("invalid value of '{name}'"))),
    }
}

/// Parse a secret definition. A missing or empty `<uuid>` is generated.
pub fn parse(xml: &str) -> Result<Secret> {
    let doc =
        roxmltree::Document::parse(xml).map_err(|e| match crate::libxml::malformed(xml, &e) {
            crate::ConfError::Malformed { line, message, .. } => {
                SecretError::Malformed { line, message }
            }
            other => SecretError::Internal(other.detail()),
        })?;
    let root = doc.root_element();
    if root.tag_name().name() != "secret" {
        return Err(SecretError::XmlGeneric(format!(
            "expecting root element of 'secret', not '{}'",
            root.tag_name().name()
        )));
    }
    let ephemeral = yes_no(root, "ephemeral")?;
    let private = yes_no(root, "private")?;
    let uuid =
        match string(root, "uuid") {
            None => random_uuid()
                .map_err(|_| SecretError::Internal("Failed to generate UUID".into()))?,
            Some(u) => parse_uuid(&u)
                .ok_or_else(|| SecretError::Internal("malformed uuid element".into()))?,
        };
    let description = string(root, "description");
    let usage = match child(root, "usage") {
        None => Usage::None,
        Some(u) => parse_usage(u)?,
    };
    Ok(Secret {
        uuid,
        ephemeral,
        private,
        description,
        usage,
    })
}

fn parse_usage(u: Node<'_, '_>) -> Result<Usage> {
    let Some(kind) = u.attribute("type").filter(|t| !t.is_empty()) else {
        return Err(SecretError::Xml("unknown secret usage type".into()));
    };
    let id = |elem: &str, what: &str| {
        string(u, elem).ok_or_else(|| {
            SecretError::Internal(format!("{what} usage specified, but {elem} is missing"))
        })
    };
    Ok(match kind {
        "none" => Usage::None,
        "volume" => Usage::Volume(string(u, "volume").ok_or_else(|| {
            SecretError::Internal("volume usage specified, but volume path is missing".into())
        })?),
        "ceph" => Usage::Ceph(id("name", "Ceph")?),
        "iscsi" => Usage::Iscsi(id("target", "iSCSI")?),
        "tls" => Usage::Tls(id("name", "TLS")?),
        "vtpm" => Usage::Vtpm(id("name", "vTPM")?),
        other => {
            return Err(SecretError::Unsupported(format!(
                "unknown secret usage type {other}"
            )))
        }
    })
}

/// libvirt's canonical form of a secret.
pub fn format(s: &Secret) -> String {
    let yn = |b: bool| if b { "yes" } else { "no" };
    let mut out = format!(
        "<secret ephemeral='{}' private='{}'>\n  <uuid>{}</uuid>\n",
        yn(s.ephemeral),
        yn(s.private),
        uuid_string(&s.uuid)
    );
    if let Some(d) = &s.description {
        out.push_str(&format!("  <description>{}</description>\n", escape(d)));
    }
    let elem = match &s.usage {
        Usage::None => None,
        Usage::Volume(_) => Some("volume"),
        Usage::Ceph(_) | Usage::Tls(_) | Usage::Vtpm(_) => Some("name"),
        Usage::Iscsi(_) => Some("target"),
    };
    if let Some(elem) = elem {
        out.push_str(&format!(
            "  <usage type='{}'>\n    <{elem}>{}</{elem}>\n  </usage>\n",
            s.usage.type_name(),
            escape(s.usage.id())
        ));
    }
    out.push_str("</secret>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libvirts_form() {
        let s = parse(
            "<secret ephemeral='no' private='yes'>\n   <description>LUKS &amp; co</description>\n   \
             <usage type='volume'>\n      <volume>/var/lib/libvirt/images/mail.img</volume>\n   \
             </usage>\n<uuid>a15dcc96-ccc3-4688-bd89-67309cd6166d</uuid></secret>",
        )
        .unwrap();
        assert_eq!(
            format(&s),
            "<secret ephemeral='no' private='yes'>\n  <uuid>a15dcc96-ccc3-4688-bd89-67309cd6166d</uuid>\n  \
             <description>LUKS &amp; co</description>\n  <usage type='volume'>\n    \
             <volume>/var/lib/libvirt/images/mail.img</volume>\n  </usage>\n</secret>\n"
        );
        assert_eq!(s.usage.type_number(), 1);
    }

    #[test]
    fn defaults_and_generated_uuid() {
        let s = parse("<secret><usage type='none'/><uuid></uuid></secret>").unwrap();
        assert!(!s.ephemeral && !s.private);
        assert_eq!(s.usage, Usage::None);
        assert_ne!(s.uuid, [0; 16]);
        assert!(format(&s).starts_with("<secret ephemeral='no' private='no'>\n  <uuid>"));
    }

    #[test]
    fn libvirts_errors() {
        let e = |x: &str| parse(x).unwrap_err().to_vir_error();
        let v = e("<secrets/>");
        assert_eq!((v.code, v.domain), (27, 5));
        assert_eq!(
            v.message,
            "XML error: expecting root element of 'secret', not 'secrets'"
        );
        let v = e("<secret ephemeral='maybe'/>");
        assert_eq!((v.code, v.domain), (27, 30));
        assert_eq!(v.message, "XML error: invalid value of 'ephemeral'");
        let v = e("<secret><uuid>nope</uuid></secret>");
        assert_eq!(
            (v.code, v.message.as_str()),
            (1, "internal error: malformed uuid element")
        );
        let v = e("<secret><usage type='bogus'/></secret>");
        assert_eq!(
            (v.code, v.message.as_str()),
            (
                67,
                "unsupported configuration: unknown secret usage type bogus"
            )
        );
        let v = e("<secret><usage/></secret>");
        assert_eq!(
            (v.code, v.message.as_str()),
            (27, "XML error: unknown secret usage type")
        );
        let v = e("<secret><usage type='iscsi'/></secret>");
        assert_eq!(
            v.message,
            "internal error: iSCSI usage specified, but target is missing"
        );
        let v = e("<secret><usage type='volume'/></secret>");
        assert_eq!(
            v.message,
            "internal error: volume usage specified, but volume path is missing"
        );
        let v = e("<secret>");
        assert_eq!((v.code, v.domain), (35, 30));
        assert!(
            v.message.starts_with("(definition_of_secret):1: "),
            "{}",
            v.message
        );
    }
}
