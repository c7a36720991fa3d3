//! `virsh screenshot` (DOMAIN_SCREENSHOT): the shim has QEMU write a PNG of the screen
//! (`screendump`) into the VM's directory; the driver streams it to the client and removes it.

use std::time::Duration;

use oxvirt_proto::calls;
use oxvirt_proto::shim as sp;
use oxvirt_proto::tune_api::{DomainScreenshotArgs, DomainScreenshotRet};
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::VirError;
use oxvirt_remote::{CallCtx, Router};
use oxvirt_rpc::stream::{ServerStream, StreamIn};

use crate::{QemuDriver, QemuError};

fn vir(c: i32, msg: impl Into<String>) -> QemuError {
    QemuError::Vir(VirError::new(c, domain::QEMU, msg))
}

/// The video device (its alias) and head of screen number `screen` (0: the first head of
/// the first device, given to QEMU as no device); none when there is no such screen.
fn screen_device(
    videos: &[oxvirt_conf::domain::Video],
    screen: u32,
) -> Option<(Option<String>, u32)> {
    if screen == 0 {
        return Some((None, 0));
    }
    let mut left = screen;
    for v in videos {
        let heads = v.heads.unwrap_or(1);
        if left < heads {
            return Some((v.alias.clone(), left));
        }
        left -= heads;
    }
    None
}

async fn screenshot(
    d: &std::sync::Arc<QemuDriver>,
    a: DomainScreenshotArgs,
    mut ctx: CallCtx,
) -> Result<DomainScreenshotRet, QemuError> {
    if a.flags != 0 {
        return Err(QemuError::UnsupportedFlags {
            flags: a.flags,
            func: "qemuDomainScreenshot",
        });
    }
    let vm = crate::job_calls::check_active(d, &a.dom)?;
    let def = vm.def();
    if def.devices.videos.is_empty() {
        return Err(vir(
            code::OPERATION_INVALID,
            "no screens to take screenshot from",
        ));
    }
    let Some((device, head)) = screen_device(&def.devices.videos, a.screen) else {
        return Err(vir(code::OPERATION_INVALID, "no such screen ID"));
    };
    let path = vm
        .call(
            sp::Screenshot,
            &sp::ScreenshotArgs { device, head },
            d.call_timeout,
        )
        .await?
        .value;
    // only the file the shim names in the VM's own directory
    let path = std::path::PathBuf::from(path);
    if path.parent() != Some(vm.dir.as_path()) {
        return Err(QemuError::Internal(
            "the shim named a screenshot outside the VM's directory".into(),
        ));
    }
    let data = tokio::fs::read(&path)
        .await
        .map_err(|source| QemuError::Io {
            what: "unable to open the screenshot".into(),
            source,
        })?;
    let _ = tokio::fs::remove_file(&path).await;
    let stream = ctx.call.open_stream(&ctx.client);
    tokio::spawn(send_image(stream, data));
    Ok(DomainScreenshotRet {
        mime: Some("image/png".into()),
    })
}

/// Send the image, then end the stream and confirm the client's finish.
async fn send_image(mut stream: ServerStream, data: Vec<u8>) {
    if !stream.send_data(&data).await || !stream.send_eof().await {
        return;
    }
    let deadline = tokio::time::sleep(Duration::from_secs(30));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => return,
            m = stream.recv() => match m {
                Some(StreamIn::Finish | StreamIn::Error(_)) => {
                    let _ = stream.finish().await;
                    return;
                }
                None => return,
                _ => {}
            },
        }
    }
}

/// Register DOMAIN_SCREENSHOT.
pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add(calls::DomainScreenshot, |d, a, ctx| async move {
        screenshot(&d, a, ctx).await
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screens_count_heads() {
        let v = |alias: &str, heads| oxvirt_conf::domain::Video {
            model: "qxl".into(),
            ram: None,
            vram: None,
            vgamem: None,
            heads,
            primary: false,
            accel3d: None,
            accel2d: None,
            alias: Some(alias.into()),
            address: None,
        };
        let videos = [v("video0", Some(2)), v("video1", None)];
        assert_eq!(screen_device(&videos, 0), Some((None, 0)));
        assert_eq!(screen_device(&videos, 1), Some((Some("video0".into()), 1)));
        assert_eq!(screen_device(&videos, 2), Some((Some("video1".into()), 0)));
        assert_eq!(screen_device(&videos, 3), None);
    }
}
