//! `<sound>` and `<audio>`: sound cards and the audio backends they play through.

use super::*;

/// `<sound model=>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sound {
    /// `model=`: `ich6`, `ich9`, `ac97`, `es1370`, `sb16`, `usb`, ...
    pub model: String,
    /// `<codec type=>`s.
    pub codecs: Vec<String>,
    /// `<audio id=>`: the backend it plays through.
    pub audio_id: Option<u32>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    /// `<address>`: where the device sits on its bus.
    pub address: Option<Address>,
}

/// `<audio id= type=>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audio {
    /// `id=`.
    pub id: u32,
    /// `type=`: `none`, `spice`, ...
    pub kind: String,
}

/// A `<audio>` of `<devices>` into `out`.
pub(super) fn read_audio(out: &mut Devices, n: Node<'_, '_>) -> Result<()> {
    let id = uint_attr(n, "id")?.unwrap_or(0);
    if n.children().any(|c| c.is_element()) {
        return Err(ConfError::NotImplemented("<audio> children".into()));
    }
    match n.attribute("type") {
        Some(t @ ("none" | "spice")) => out.audios.push(Audio { id, kind: t.into() }),
        Some(t) => return Err(ConfError::NotImplemented(format!("audio type '{t}'"))),
        None => return Err(ConfError::Xml("missing audio type".into())),
    }
    Ok(())
}

/// A `<sound>` of `<devices>` into `out`.
pub(super) fn read_sound(out: &mut Devices, n: Node<'_, '_>, live: bool) -> Result<()> {
    let model = match n.attribute("model") {
        Some(m @ ("ich9" | "ich6" | "ac97" | "usb")) => m.to_owned(),
        Some(m) => return Err(ConfError::NotImplemented(format!("sound model '{m}'"))),
        None => return Err(ConfError::NotImplemented("sound without a model".into())),
    };
    let mut codecs = Vec::new();
    let mut audio_id = None;
    for c in n.children().filter(|c| c.is_element()) {
        match c.tag_name().name() {
            "codec" => match c.attribute("type") {
                Some(t @ ("duplex" | "micro" | "output")) => codecs.push(t.to_owned()),
                _ => return Err(ConfError::NotImplemented("sound codec".into())),
            },
            "audio" => audio_id = uint_attr(c, "id")?,
            "address" | "alias" => {}
            other => return Err(ConfError::NotImplemented(format!("<sound><{other}>"))),
        }
    }
    out.sounds.push(Sound {
        model,
        codecs,
        audio_id,
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    });
    Ok(())
}

pub(super) fn format_sound(w: &mut Writer, snd: &Sound, cx: Ctx) {
    w.open("sound", &[("model", snd.model.clone())]);
    for c in &snd.codecs {
        w.empty("codec", &[("type", c.clone())]);
    }
    if let Some(id) = snd.audio_id {
        w.empty("audio", &[("id", id.to_string())]);
    }
    cx.alias(w, &snd.alias);
    format_address(w, &snd.address);
    w.close("sound");
}

pub(super) fn format_audio(w: &mut Writer, au: &Audio, d: &Devices, cx: Ctx) {
    // libvirt drops the implicit `none` backend from the migratable form
    if cx.migratable && au.kind == "none" && d.audios.len() == 1 && d.sounds.is_empty() {
        return;
    }
    w.empty(
        "audio",
        &[("id", au.id.to_string()), ("type", au.kind.clone())],
    );
}
