//! The `default` pool a root gets at the daemon's first start, as libvirt's packaging sets it
//! up: a `dir` pool on the images directory, built and marked autostart.
//!
//! The first start is the one that finds no pool configuration directory. The directory is
//! made as `etc/storage.new` with the pool's definition and autostart mark in it, then renamed
//! into place: a daemon killed meanwhile makes it again at its next start, and one that got
//! past the rename never makes it again (a user who undefines `default` keeps it undefined).

use std::path::{Path, PathBuf};

use oxvirt_conf::storage::parse_pool;
use tracing::info;

use crate::error::{Result, StorageError};
use crate::state::StoragePaths;

/// The pool's name.
pub const NAME: &str = "default";

/// Where the default pool keeps its images: `LIB/images` (`DIR/lib/images` under `--root DIR`,
/// `/var/lib/oxvirt/images` in system mode), libvirt's `/var/lib/libvirt/images` when the
/// daemon stands in for libvirt's (`--libvirt-paths` without a root).
pub fn images_dir(paths: &oxvirt_daemon::Paths, libvirt_paths: bool, has_root: bool) -> PathBuf {
    if libvirt_paths && !has_root {
        PathBuf::from("/var/lib/libvirt/images")
    } else {
        paths.lib.join("images")
    }
}

/// The default pool's definition on `images`.
fn definition(images: &Path) -> Result<oxvirt_conf::storage::Pool> {
    let xml = format!(
        "<pool type='dir'><name>{NAME}</name><target><path>{}</path></target></pool>",
        oxvirt_conf::xml::escape(&images.to_string_lossy())
    );
    Ok(parse_pool(&xml)?)
}

/// At the first start on a root (no `etc/storage` yet): define `default` on `images`, mark it
/// autostart and build its directory (left as it is when it exists). Returns whether it did.
pub fn create_if_first_start(sp: &StoragePaths, images: &Path) -> Result<bool> {
    if sp.config.exists() {
        return Ok(false);
    }
    let def = definition(images)?;
    let fail = |what: &str, e: std::io::Error| StorageError::system(what.to_owned(), e);
    let mut staging = sp.config.clone().into_os_string();
    staging.push(".new");
    let staging = PathBuf::from(staging);
    // what a daemon killed here before left
    if staging.exists() {
        std::fs::remove_dir_all(&staging)
            .map_err(|e| fail("cannot clean the staging directory", e))?;
    }
    let staged = StoragePaths {
        config: staging.clone(),
        autostart: staging.join("autostart"),
        state: sp.state.clone(),
        pending: sp.pending.clone(),
    };
    std::fs::create_dir_all(&staged.autostart)
        .map_err(|e| fail("cannot create the storage configuration directory", e))?;
    crate::state::save_config(&staged, &def)?;
    crate::state::set_autostart(&staged, NAME, true)?;
    if !images.exists() {
        crate::dir::build(images, &def.target_perms)?;
    }
    std::fs::rename(&staging, &sp.config)
        .map_err(|e| fail("cannot put the storage configuration directory in place", e))?;
    std::fs::File::open(sp.config.parent().unwrap_or(Path::new("/")))
        .and_then(|d| d.sync_all())
        .map_err(|e| fail("cannot sync the configuration directory", e))?;
    info!(path = %images.display(), "defined the default storage pool");
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_start_defines_default_once() {
        let root = tempfile::tempdir().unwrap();
        let paths = oxvirt_daemon::Paths::under(root.path());
        let sp = StoragePaths::new(&paths);
        let images = images_dir(&paths, false, true);
        assert_eq!(images, root.path().join("lib/images"));
        // a daemon killed while staging left this behind
        std::fs::create_dir_all(root.path().join("etc/storage.new/junk")).unwrap();
        assert!(create_if_first_start(&sp, &images).unwrap());
        assert!(images.is_dir());
        assert!(!root.path().join("etc/storage.new").exists());
        let pools = crate::state::load(&sp);
        let p = pools.get(NAME).unwrap();
        assert!(p.persistent && p.autostart && !p.active);
        assert_eq!(p.path(), images);
        // undefined by its user: not made again
        crate::state::remove_config(&sp, NAME).unwrap();
        assert!(!create_if_first_start(&sp, &images).unwrap());
        assert!(crate::state::load(&sp).get(NAME).is_none());
        assert_eq!(
            images_dir(&paths, true, false),
            PathBuf::from("/var/lib/libvirt/images")
        );
    }
}
