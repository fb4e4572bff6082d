//! The loader manifest (`pumice_icd.json`) and the driver library it names.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

/// The manifest's file name, wherever it is written.
pub const FILE_NAME: &str = "pumice_icd.json";

/// The driver library's file name.
pub const LIBRARY_NAME: &str = "libvk_pumice.so";

/// The Vulkan version the driver implements, as the manifest states it.
const API_VERSION: &str = "1.3.281";

/// Environment variables through which the loader adds or filters drivers; removed wherever the
/// loader is pointed at Pumice alone.
pub const OTHER_DRIVER_VARIABLES: [&str; 3] = [
    "VK_ADD_DRIVER_FILES",
    "VK_LOADER_DRIVERS_SELECT",
    "VK_LOADER_DRIVERS_DISABLE",
];

/// The driver library to use: `$PUMICE_LIBRARY`, or `libvk_pumice.so` next to this executable
/// (cargo puts both in `target/<profile>/`). Always absolute.
pub fn library() -> Result<PathBuf, String> {
    let path = match std::env::var_os("PUMICE_LIBRARY").filter(|p| !p.is_empty()) {
        Some(path) => {
            std::path::absolute(PathBuf::from(path)).map_err(|e| format!("PUMICE_LIBRARY: {e}"))?
        }
        None => {
            let exe = std::env::current_exe()
                .map_err(|e| format!("cannot find this executable's path: {e}"))?;
            let dir = exe
                .parent()
                .ok_or("this executable has no parent directory")?;
            dir.join(LIBRARY_NAME)
        }
    };
    if !path.is_file() {
        return Err(format!(
            "the driver library {} does not exist (build it with `cargo build`, or set PUMICE_LIBRARY)",
            path.display()
        ));
    }
    Ok(path)
}

/// The manifest's text for a driver library at the absolute path `library`.
pub fn contents(library: &Path) -> Result<String, String> {
    let path = library
        .to_str()
        .ok_or_else(|| format!("the library path {} is not UTF-8", library.display()))?;
    Ok(format!(
        "{{\n    \"file_format_version\": \"1.0.1\",\n    \"ICD\": {{\n        \"library_path\": {},\n        \"api_version\": \"{API_VERSION}\"\n    }}\n}}\n",
        json_string(path)
    ))
}

/// Writes the manifest for `library` as `dir/pumice_icd.json`, creating `dir`, and returns its
/// path. The file is replaced atomically, so a loader reading it concurrently never sees half.
pub fn write(dir: &Path, library: &Path) -> Result<PathBuf, String> {
    let text = contents(library)?;
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(FILE_NAME);
    let partial = dir.join(format!(".{FILE_NAME}.{}", std::process::id()));
    let written = fs::File::create(&partial)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .and_then(|()| fs::rename(&partial, &path));
    if let Err(e) = written {
        let _ = fs::remove_file(&partial);
        return Err(format!("cannot write {}: {e}", path.display()));
    }
    Ok(path)
}

/// A manifest for `library()` in a private directory of the temporary directory
/// (`$TMPDIR/pumice-<uid>/`), for pointing the loader at Pumice alone.
pub fn write_temporary() -> Result<PathBuf, String> {
    let library = library()?;
    // The owner of /proc/self is this process's user; without /proc, the process id will do.
    let id = fs::metadata("/proc/self").map_or_else(|_| std::process::id(), |m| m.uid());
    let dir = std::env::temp_dir().join(format!("pumice-{id}"));
    match fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // Someone else's directory (or a link to one) must not decide which driver we load.
            let meta = fs::symlink_metadata(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let uid = fs::metadata("/proc/self")
                .map(|m| m.uid())
                .unwrap_or(meta.uid());
            if !meta.is_dir() || meta.uid() != uid {
                return Err(format!("{} is not a directory of this user", dir.display()));
            }
        }
        Err(e) => return Err(format!("cannot create {}: {e}", dir.display())),
    }
    write(&dir, &library)
}

/// Points this process's Vulkan loader (and its children's) at the manifest alone.
pub fn select_only(manifest: &Path) {
    // Both names: VK_DRIVER_FILES since loader 1.3.207, VK_ICD_FILENAMES before.
    std::env::set_var("VK_DRIVER_FILES", manifest);
    std::env::set_var("VK_ICD_FILENAMES", manifest);
    for name in OTHER_DRIVER_VARIABLES {
        std::env::remove_var(name);
    }
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_escapes_the_path() {
        let text = contents(Path::new("/a \"b\"\\c/libvk_pumice.so")).unwrap();
        assert!(
            text.contains(r#""library_path": "/a \"b\"\\c/libvk_pumice.so""#),
            "{text}"
        );
        assert!(text.contains(r#""api_version": "1.3.281""#));
    }
}
