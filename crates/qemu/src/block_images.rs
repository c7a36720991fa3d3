//! The images of block jobs: a running disk's backing chain (`qemu-img info --backing-chain`,
//! sharing QEMU's locks) and a block copy's new destination (`qemu-img create`, as libvirt
//! makes it: the source's format and size, over the source's backing image for a shallow
//! copy).

use serde_json::Value;

use crate::QemuError;

/// One image of a chain, top first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Image {
    pub filename: String,
    pub format: String,
    pub virtual_size: u64,
}

async fn qemu_img(args: &[&str]) -> Result<Vec<u8>, QemuError> {
    let out = tokio::process::Command::new("qemu-img")
        .args(args)
        .output()
        .await
        .map_err(|source| QemuError::Io {
            what: "cannot run qemu-img".into(),
            source,
        })?;
    if !out.status.success() {
        return Err(QemuError::Internal(format!(
            "Child process (qemu-img {}) unexpected exit status {}: {}",
            args.join(" "),
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(out.stdout)
}

/// Parse `qemu-img info --backing-chain --output=json` (an array, top first; one object for
/// an image without backing).
fn parse_chain(out: &[u8]) -> Result<Vec<Image>, QemuError> {
    let v: Value = serde_json::from_slice(out)
        .map_err(|e| QemuError::Internal(format!("cannot read qemu-img's answer: {e}")))?;
    let items = match v {
        Value::Array(a) => a,
        o => vec![o],
    };
    Ok(items
        .iter()
        .map(|i| Image {
            filename: i
                .get("filename")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            format: i
                .get("format")
                .and_then(Value::as_str)
                .unwrap_or("raw")
                .to_owned(),
            virtual_size: i.get("virtual-size").and_then(Value::as_u64).unwrap_or(0),
        })
        .collect())
}

/// The backing chain of the image `path` (in use by QEMU: read without its locks).
pub(crate) async fn chain(path: &str) -> Result<Vec<Image>, QemuError> {
    let out = qemu_img(&["info", "-U", "--backing-chain", "--output=json", path]).await?;
    parse_chain(&out)
}

/// Make a block copy's destination: `format`, `size` bytes, over `backing` for a shallow copy.
pub(crate) async fn create(
    path: &str,
    format: &str,
    size: u64,
    backing: Option<&Image>,
) -> Result<(), QemuError> {
    let size = size.to_string();
    let mut args = vec!["create", "-q", "-f", format];
    if let Some(b) = backing {
        args.extend(["-b", &b.filename, "-F", &b.format]);
    }
    args.extend([path, &size]);
    qemu_img(&args).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_reads_top_first() {
        let out = br#"[{"filename": "/t.qcow2", "format": "qcow2", "virtual-size": 1048576,
            "backing-filename": "/b.qcow2"}, {"filename": "/b.qcow2", "format": "raw",
            "virtual-size": 1048576}]"#;
        let c = parse_chain(out).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].filename, "/t.qcow2");
        assert_eq!(c[1].format, "raw");
        let one =
            parse_chain(br#"{"filename": "/r.img", "format": "raw", "virtual-size": 5}"#).unwrap();
        assert_eq!(one[0].virtual_size, 5);
        assert!(parse_chain(b"garbage").is_err());
    }
}
