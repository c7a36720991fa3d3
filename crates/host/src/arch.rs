//! The host architecture as libvirt names it (`virArchFromHost`, `virArchToString`).

/// libvirt 9.0's architecture names in its `virArch` order, "none" first.
pub const ARCH_NAMES: &[&str] = &[
    "none",
    "alpha",
    "armv6l",
    "armv7l",
    "armv7b",
    "aarch64",
    "cris",
    "i686",
    "ia64",
    "lm32",
    "loongarch64",
    "m68k",
    "microblaze",
    "microblazeel",
    "mips",
    "mipsel",
    "mips64",
    "mips64el",
    "openrisc",
    "parisc",
    "parisc64",
    "ppc",
    "ppcle",
    "ppc64",
    "ppc64le",
    "ppcemb",
    "riscv32",
    "riscv64",
    "s390",
    "s390x",
    "sh4",
    "sh4eb",
    "sparc",
    "sparc64",
    "unicore32",
    "x86_64",
    "xtensa",
    "xtensaeb",
];

/// libvirt's name for the machine `uname -m` reports: `i?86` becomes "i686", "amd64"
/// "x86_64", "arm64" "aarch64"; other names are kept when libvirt knows them, else "none".
pub fn arch_from_machine(machine: &str) -> &'static str {
    let b = machine.as_bytes();
    if b.len() == 4 && b[0] == b'i' && b[2] == b'8' && b[3] == b'6' {
        return "i686";
    }
    match machine {
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        other => ARCH_NAMES
            .iter()
            .copied()
            .find(|&n| n == other && n != "none")
            .unwrap_or("none"),
    }
}

/// `virArchFromHost()` as a string: libvirt's name for this host's architecture.
pub fn host_arch() -> &'static str {
    let uts = rustix::system::uname();
    let machine = uts.machine().to_string_lossy();
    arch_from_machine(&machine)
}

/// Architecture families the host-CPU code distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArchFamily {
    X86,
    Ppc,
    Ppc64,
    S390,
    Arm,
    Other,
}

pub(crate) fn family(arch: &str) -> ArchFamily {
    match arch {
        "i686" | "x86_64" => ArchFamily::X86,
        "ppc64" | "ppc64le" => ArchFamily::Ppc64,
        "ppc" | "ppcle" | "ppcemb" => ArchFamily::Ppc,
        "s390" | "s390x" => ArchFamily::S390,
        "armv6l" | "armv7l" | "armv7b" | "aarch64" => ArchFamily::Arm,
        _ => ArchFamily::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(arch_from_machine("x86_64"), "x86_64");
        assert_eq!(arch_from_machine("i586"), "i686");
        assert_eq!(arch_from_machine("amd64"), "x86_64");
        assert_eq!(arch_from_machine("arm64"), "aarch64");
        assert_eq!(arch_from_machine("ppc64le"), "ppc64le");
        assert_eq!(arch_from_machine("none"), "none");
        assert_eq!(arch_from_machine("weird"), "none");
        assert!(!host_arch().is_empty());
    }
}
