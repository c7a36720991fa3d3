//! `<sound>` and `<redirdev>` devices, as libvirt 9.0 gives them to QEMU 7.2 (what
//! virt-install adds next to SPICE graphics: an ICH9 sound card and two USB redirections).

use oxvirt_conf::domain::{Address, ChrSource, Domain};
use serde_json::json;

use super::{dev_id, device, obj, pci_props, unsupported, usb_props};
use crate::CommandError;

/// The sound cards and their HDA codecs.
pub(super) fn sounds(dom: &Domain, a: &mut Vec<String>) -> Result<(), CommandError> {
    for (i, s) in dom.devices.sounds.iter().enumerate() {
        let id = dev_id(s.alias.as_deref(), format!("sound{i}"));
        let audio = s
            .audio_id
            .or_else(|| dom.devices.audios.first().map(|au| au.id))
            .map(|n| format!("audio{n}"));
        let (driver, hda) = match s.model.as_str() {
            "ich6" => ("intel-hda", true),
            "ich9" => ("ich9-intel-hda", true),
            "ac97" => ("AC97", false),
            "es1370" => ("ES1370", false),
            "sb16" => ("sb16", false),
            m => return Err(unsupported(format!("<sound model='{m}'>"))),
        };
        let mut o = obj(json!({"driver": driver, "id": id}));
        if !hda {
            if let Some(au) = &audio {
                o.insert("audiodev".into(), json!(au));
            }
        }
        pci_props(dom, s.address.as_ref(), &mut o);
        a.extend(device(o));
        if !hda {
            continue;
        }
        let codecs: Vec<&str> = if s.codecs.is_empty() {
            vec!["duplex"]
        } else {
            s.codecs.iter().map(String::as_str).collect()
        };
        for (cad, codec) in codecs.into_iter().enumerate() {
            let driver = match codec {
                "duplex" => "hda-duplex",
                "micro" => "hda-micro",
                "output" => "hda-output",
                c => return Err(unsupported(format!("sound codec '{c}'"))),
            };
            let mut o = obj(json!({
                "driver": driver,
                "id": format!("{id}-codec{cad}"),
                "bus": format!("{id}.0"),
                "cad": cad,
            }));
            if let Some(au) = &audio {
                o.insert("audiodev".into(), json!(au));
            }
            a.extend(device(o));
        }
    }
    Ok(())
}

/// USB redirections: a SPICE channel or a character device each.
pub(super) fn redirdevs(dom: &Domain, a: &mut Vec<String>) -> Result<(), CommandError> {
    for (i, r) in dom.devices.redirdevs.iter().enumerate() {
        let id = dev_id(r.alias.as_deref(), format!("redir{i}"));
        let chr = format!("char{id}");
        a.push("-chardev".into());
        a.push(match &r.source {
            ChrSource::SpiceVmc => format!("spicevmc,id={chr},name=usbredir"),
            src => super::chardev(&chr, src, None)?,
        });
        let mut o = obj(json!({"driver": "usb-redir", "chardev": chr, "id": id}));
        match r.address {
            Some(Address::Usb { bus, port }) => usb_props(bus, port, &mut o),
            None => {}
            Some(_) => return Err(unsupported("a <redirdev> address other than usb")),
        }
        a.extend(device(o));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::tests::args_of;
    use crate::tests::GUEST;

    /// What virt-install adds with its default SPICE graphics (libvirt 9.0's arguments for
    /// the same input, captured).
    #[test]
    fn spice_agent_sound_and_usb_redirection() {
        let x = GUEST.replace(
            "<devices>",
            "<devices><controller type='usb' model='qemu-xhci' ports='15'/>\
<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>\
<graphics type='spice' port='5900'><image compression='off'/></graphics>\
<sound model='ich9'/><video><model type='virtio'/></video>\
<redirdev bus='usb' type='spicevmc'/><redirdev bus='usb' type='spicevmc'/>",
        );
        let s = args_of(&x);
        for want in [
            "-chardev spicevmc,id=charchannel0,name=vdagent",
            r#""chardev":"charchannel0","driver":"virtserialport","id":"channel0","name":"com.redhat.spice.0","nr":1"#,
            "-spice port=5900,addr=127.0.0.1,disable-ticketing=on,image-compression=off,seamless-migration=on",
            r#"{"addr":"0x1b","bus":"pcie.0","driver":"ich9-intel-hda","id":"sound0"}"#,
            r#""driver":"virtio-vga","id":"video0","max_outputs":1}"#,
            r#"{"audiodev":"audio1","bus":"sound0.0","cad":0,"driver":"hda-duplex","id":"sound0-codec0"}"#,
            r#"-chardev spicevmc,id=charredir0,name=usbredir -device {"bus":"usb.0","chardev":"charredir0","driver":"usb-redir","id":"redir0","port":"1"}"#,
            r#"-chardev spicevmc,id=charredir1,name=usbredir -device {"bus":"usb.0","chardev":"charredir1","driver":"usb-redir","id":"redir1","port":"2"}"#,
        ] {
            assert!(s.contains(want), "missing {want}\nin {s}");
        }
    }
}
