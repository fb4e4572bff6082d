//! `pumice install` / `pumice uninstall`: put the driver and its manifest where the loader looks.

use std::fs;
use std::path::{Path, PathBuf};

use super::manifest;

/// Whose installation: the machine's or the user's.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    /// `/usr/local/…` (under `$PUMICE_INSTALL_ROOT` if set).
    System,
    /// `$XDG_DATA_HOME` or `~/.local/share`.
    User,
}

/// Where the library and the manifest go.
struct Paths {
    library: PathBuf,
    manifest_dir: PathBuf,
}

impl Paths {
    fn new(scope: Scope) -> Result<Paths, String> {
        match scope {
            Scope::System => {
                let root = std::env::var_os("PUMICE_INSTALL_ROOT")
                    .filter(|r| !r.is_empty())
                    .map_or_else(|| PathBuf::from("/"), PathBuf::from);
                let root =
                    std::path::absolute(root).map_err(|e| format!("PUMICE_INSTALL_ROOT: {e}"))?;
                Ok(Paths {
                    library: root
                        .join("usr/local/lib/pumice")
                        .join(manifest::LIBRARY_NAME),
                    manifest_dir: root.join("usr/local/share/vulkan/icd.d"),
                })
            }
            Scope::User => {
                let data = user_data_dir()?;
                Ok(Paths {
                    library: data.join("pumice").join(manifest::LIBRARY_NAME),
                    manifest_dir: data.join("vulkan/icd.d"),
                })
            }
        }
    }

    fn manifest(&self) -> PathBuf {
        self.manifest_dir.join(manifest::FILE_NAME)
    }
}

/// `$XDG_DATA_HOME`, or `$HOME/.local/share` (the XDG rule: a relative XDG_DATA_HOME is ignored).
fn user_data_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|d| d.is_absolute())
    {
        return Ok(dir);
    }
    match std::env::var_os("HOME")
        .map(PathBuf::from)
        .filter(|h| h.is_absolute())
    {
        Some(home) => Ok(home.join(".local/share")),
        None => Err("neither XDG_DATA_HOME nor HOME is set to an absolute path".into()),
    }
}

pub fn install(scope: Scope) -> Result<(), String> {
    let source = manifest::library()?;
    let paths = Paths::new(scope)?;
    copy_library(&source, &paths.library)?;
    println!("installed {}", paths.library.display());
    let manifest = manifest::write(&paths.manifest_dir, &paths.library)?;
    println!("wrote     {}", manifest.display());
    Ok(())
}

pub fn uninstall(scope: Scope) -> Result<(), String> {
    let paths = Paths::new(scope)?;
    let mut removed = 0;
    for path in [paths.manifest(), paths.library.clone()] {
        match fs::remove_file(&path) {
            Ok(()) => {
                println!("removed {}", path.display());
                removed += 1;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot remove {}: {e}", path.display())),
        }
    }
    // The library's own directory is ours; leave it only if something else was put there.
    if let Some(dir) = paths.library.parent() {
        let _ = fs::remove_dir(dir);
    }
    if removed == 0 {
        println!(
            "nothing to remove: Pumice is not installed there ({})",
            paths.manifest().display()
        );
    }
    Ok(())
}

/// Copies the library beside its destination, then renames it into place: a program that has
/// the old library mapped keeps its (unchanged) copy instead of crashing.
fn copy_library(source: &Path, destination: &Path) -> Result<(), String> {
    let dir = destination
        .parent()
        .ok_or("the library destination has no directory")?;
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let partial = dir.join(format!(
        ".{}.{}",
        manifest::LIBRARY_NAME,
        std::process::id()
    ));
    let copied = fs::copy(source, &partial).and_then(|_| fs::rename(&partial, destination));
    if let Err(e) = copied {
        let _ = fs::remove_file(&partial);
        return Err(format!(
            "cannot install {} as {}: {e}",
            source.display(),
            destination.display()
        ));
    }
    Ok(())
}
