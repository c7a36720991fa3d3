//! The command line of the devices after the chardevs and inputs, in libvirt's order: audio
//! backends, graphics, videos, sound cards, USB redirection, then the memory balloon and the
//! RNGs (`build` in `lib.rs` calls [`args`]).

use serde_json::json;

use oxvirt_conf::domain::Domain;

use crate::{dev_id, device, graphics, obj, pci_props, sound, unsupported, CommandError};

pub(crate) fn args(dom: &Domain, a: &mut Vec<String>) -> Result<(), CommandError> {
    for au in &dom.devices.audios {
        let driver = match au.kind.as_str() {
            "none" => "none",
            "spice" => "spice",
            k => return Err(unsupported(format!("<audio type='{k}'>"))),
        };
        a.push("-audiodev".into());
        a.push(json!({"id": format!("audio{}", au.id), "driver": driver}).to_string());
    }
    graphics::args(dom, a)?;
    for (i, v) in dom.devices.videos.iter().enumerate() {
        let driver = match v.model.as_str() {
            "none" => continue,
            "vga" => "VGA",
            "cirrus" => "cirrus-vga",
            "virtio" => {
                if v.primary || i == 0 {
                    "virtio-vga"
                } else {
                    "virtio-gpu-pci"
                }
            }
            "bochs" => "bochs-display",
            "ramfb" => "ramfb",
            m => return Err(unsupported(format!("<video><model type='{m}'>"))),
        };
        let mut o =
            obj(json!({"driver": driver, "id": dev_id(v.alias.as_deref(), format!("video{i}"))}));
        if let (Some(h), true) = (v.heads, v.model == "virtio") {
            o.insert("max_outputs".into(), json!(h));
        }
        if let Some(vg) = v.vgamem {
            if driver == "VGA" {
                o.insert("vgamem_mb".into(), json!(vg / 1024));
            }
        }
        pci_props(dom, v.address.as_ref(), &mut o);
        a.extend(device(o));
    }
    sound::sounds(dom, a)?;
    sound::redirdevs(dom, a)?;
    if dom.devices.watchdog.is_some() {
        return Err(unsupported("<watchdog>"));
    }
    if !dom.devices.tpms.is_empty() {
        return Err(unsupported("<tpm>"));
    }
    if let Some(b) = &dom.devices.memballoon {
        match b.model.as_str() {
            "none" => {}
            "virtio" => {
                let mut o = obj(
                    json!({"driver": "virtio-balloon-pci", "id": dev_id(b.alias.as_deref(), "balloon0".into())}),
                );
                pci_props(dom, b.address.as_ref(), &mut o);
                if let Some(ad) = b.autodeflate {
                    o.insert("deflate-on-oom".into(), json!(ad));
                }
                a.extend(device(o));
            }
            m => return Err(unsupported(format!("<memballoon model='{m}'>"))),
        }
    }
    for (i, r) in dom.devices.rngs.iter().enumerate() {
        let file = match r.backend.as_str() {
            "/dev/urandom" | "/dev/random" | "/dev/hwrng" => r.backend.as_str(),
            b => return Err(unsupported(format!("<rng> backend '{b}'"))),
        };
        a.push("-object".into());
        a.push(
            json!({"qom-type": "rng-random", "id": format!("objrng{i}"), "filename": file})
                .to_string(),
        );
        let mut o = obj(json!({
            "driver": "virtio-rng-pci",
            "rng": format!("objrng{i}"),
            "id": dev_id(r.alias.as_deref(), format!("rng{i}")),
        }));
        pci_props(dom, r.address.as_ref(), &mut o);
        a.extend(device(o));
    }
    Ok(())
}
