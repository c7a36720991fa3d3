//! Input to a running guest: `virsh send-key` (SEND_KEY) and `inject-nmi` (INJECT_NMI),
//! forwarded to the shim as QEMU's key numbers.

use oxvirt_proto::calls;
use oxvirt_proto::shim as sp;
use oxvirt_remote::Router;

use crate::job_calls::check_active;
use crate::{QemuDriver, QemuError};

/// `virKeycodeSet`: the codesets a client may name keys in.
const CODESETS: &[&str] = &[
    "linux", "xt", "atset1", "atset2", "atset3", "os_x", "xt_kbd", "usb", "win32", "qnum",
];
const CODESET_LINUX: u32 = 0;
const CODESET_USB: u32 = 7;
const CODESET_QNUM: u32 = 9;

/// USB HID usages of the main block (a..z, 1..0, Enter, Escape, Backspace, Tab, Space) with
/// the Linux key code of the same key.
const USB_TO_LINUX: &[(u32, u32)] = &[
    (4, 30),
    (5, 48),
    (6, 46),
    (7, 32),
    (8, 18),
    (9, 33),
    (10, 34),
    (11, 35),
    (12, 23),
    (13, 36),
    (14, 37),
    (15, 38),
    (16, 50),
    (17, 49),
    (18, 24),
    (19, 25),
    (20, 16),
    (21, 19),
    (22, 31),
    (23, 20),
    (24, 22),
    (25, 47),
    (26, 17),
    (27, 45),
    (28, 21),
    (29, 44),
    (30, 2),
    (31, 3),
    (32, 4),
    (33, 5),
    (34, 6),
    (35, 7),
    (36, 8),
    (37, 9),
    (38, 10),
    (39, 11),
    (40, 28),
    (41, 1),
    (42, 14),
    (43, 15),
    (44, 57),
];

/// Linux key codes above the ones equal to their QEMU number (1..=83: Escape to keypad '.'),
/// with QEMU's number (an extended scancode is 0x80 | code).
const LINUX_TO_QNUM: &[(u32, u32)] = &[
    (86, 0x56),  // 102ND
    (87, 0x57),  // F11
    (88, 0x58),  // F12
    (96, 0x9c),  // KPENTER
    (97, 0x9d),  // RIGHTCTRL
    (98, 0xb5),  // KPSLASH
    (99, 0x54),  // SYSRQ
    (100, 0xb8), // RIGHTALT
    (102, 0xc7), // HOME
    (103, 0xc8), // UP
    (104, 0xc9), // PAGEUP
    (105, 0xcb), // LEFT
    (106, 0xcd), // RIGHT
    (107, 0xcf), // END
    (108, 0xd0), // DOWN
    (109, 0xd1), // PAGEDOWN
    (110, 0xd2), // INSERT
    (111, 0xd3), // DELETE
    (113, 0xa0), // MUTE
    (114, 0xae), // VOLUMEDOWN
    (115, 0xb0), // VOLUMEUP
    (116, 0xde), // POWER
    (117, 0x59), // KPEQUAL
    (119, 0xc6), // PAUSE
    (125, 0xdb), // LEFTMETA
    (126, 0xdc), // RIGHTMETA
    (127, 0xdd), // COMPOSE
];

/// QEMU's number for `code` of `codeset`, if oxvirt can translate it.
fn to_qnum(codeset: u32, code: u32) -> Option<u32> {
    match codeset {
        CODESET_QNUM => Some(code),
        CODESET_LINUX if (1..=83).contains(&code) => Some(code),
        CODESET_LINUX => LINUX_TO_QNUM
            .iter()
            .find(|(l, _)| *l == code)
            .map(|&(_, q)| q),
        CODESET_USB => USB_TO_LINUX
            .iter()
            .find(|(u, _)| *u == code)
            .and_then(|&(_, l)| to_qnum(CODESET_LINUX, l)),
        _ => None,
    }
}

/// Register the input calls.
pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add(calls::DomainSendKey, |d, a, _| async move {
        if a.flags != 0 {
            return Err(QemuError::UnsupportedFlags {
                flags: a.flags,
                func: "qemuDomainSendKey",
            });
        }
        let name = CODESETS
            .get(a.codeset as usize)
            .copied()
            .unwrap_or("unknown");
        let qnums = a
            .keycodes
            .iter()
            .map(|&k| {
                to_qnum(a.codeset, k).ok_or_else(|| {
                    QemuError::Internal(format!(
                        "cannot translate keycode {k} of {name} codeset to qnum keycode"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let vm = check_active(&d, &a.dom)?;
        vm.call(
            sp::SendKey,
            &sp::SendKeyArgs {
                holdtime: a.holdtime,
                qnums,
            },
            d.call_timeout,
        )
        .await
    });
    r.add(calls::DomainInjectNmi, |d, a, _| async move {
        if a.flags != 0 {
            return Err(QemuError::UnsupportedFlags {
                flags: a.flags,
                func: "qemuDomainInjectNMI",
            });
        }
        let vm = check_active(&d, &a.dom)?;
        vm.call(sp::InjectNmi, &sp::FlagsArgs { flags: 0 }, d.call_timeout)
            .await
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_and_qnum_codes() {
        assert_eq!(to_qnum(CODESET_LINUX, 30), Some(30)); // KEY_A
        assert_eq!(to_qnum(CODESET_LINUX, 103), Some(0xc8)); // KEY_UP
        assert_eq!(to_qnum(CODESET_LINUX, 300), None);
        assert_eq!(to_qnum(CODESET_QNUM, 0x9c), Some(0x9c));
        assert_eq!(to_qnum(CODESET_USB, 4), Some(30)); // a
        assert_eq!(to_qnum(CODESET_USB, 200), None);
        assert_eq!(to_qnum(3, 0x1c), None); // atset2: not translated
    }
}
