//! The URIs a driver daemon's connection may be opened with.

use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::VirError;

/// What CONNECT_OPEN of `name` opens on a daemon whose driver answers the URI schemes
/// `schemes` (`secret`, …): `default` for no name; `SCHEME:///system` or `SCHEME:///session`
/// (host and query dropped, the scheme in lower case) for one of them; otherwise libvirt's
/// NO_CONNECT with the name, as a daemon without a driver for it answers.
pub fn open_driver_uri(
    name: Option<&str>,
    default: &str,
    schemes: &[&str],
) -> Result<String, VirError> {
    let name = match name {
        None | Some("") => return Ok(default.to_owned()),
        Some(n) => n,
    };
    let (scheme, rest) = name.split_once(':').unwrap_or((name, ""));
    let path = rest
        .strip_prefix("//")
        .map(|r| r.split_once('/').map_or("", |(_, p)| p))
        .unwrap_or(rest);
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    let scheme = scheme.to_ascii_lowercase();
    if schemes.contains(&scheme.as_str()) && matches!(path, "system" | "session") {
        return Ok(format!("{scheme}:///{path}"));
    }
    Err(VirError::new(
        code::NO_CONNECT,
        domain::NONE,
        name.to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::open_driver_uri;

    #[test]
    fn own_schemes_only() {
        let open = |n| open_driver_uri(n, "secret:///system", &["secret"]);
        assert_eq!(open(None).unwrap(), "secret:///system");
        assert_eq!(open(Some("")).unwrap(), "secret:///system");
        assert_eq!(
            open(Some("SECRET:///session")).unwrap(),
            "secret:///session"
        );
        assert_eq!(
            open(Some("secret+unix:///system?socket=/x")).ok(),
            None,
            "a transport suffix is the client's business"
        );
        assert_eq!(
            open(Some("secret://host/system?x=1")).unwrap(),
            "secret:///system"
        );
        let e = open(Some("qemu:///system")).unwrap_err();
        assert_eq!(e.code, oxvirt_proto::vir_error::code::NO_CONNECT);
        assert!(open(Some("secret:///embed")).is_err());
    }
}
