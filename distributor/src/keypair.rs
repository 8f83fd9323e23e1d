//! Loading the distributor's keypair file, refusing one that others can read.
use solana_keypair::Keypair;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum KeypairError {
    /// `what`: the kind of secret file ("keypair file", "link secret file").
    #[error("{what} {path}: {source}")]
    Io { what: &'static str, path: String, source: std::io::Error },
    #[error(
        "{what} {path} is readable by group or others (mode {mode:o}); run `chmod 600 {path}`"
    )]
    TooOpen { what: &'static str, path: String, mode: u32 },
    #[error("keypair file {path} is not a JSON array of 64 bytes")]
    Format { path: String },
}

/// Reads a Solana CLI keypair file (a JSON array of 64 bytes). The file must not be readable
/// or writable by group or others. The error never contains key material.
pub fn load(path: &Path) -> Result<Keypair, KeypairError> {
    let shown = path.display().to_string();
    let text = read_private(path, "keypair file")?;
    let bytes: Vec<u8> =
        serde_json::from_str(&text).map_err(|_| KeypairError::Format { path: shown.clone() })?;
    Keypair::try_from(bytes.as_slice()).map_err(|_| KeypairError::Format { path: shown })
}

/// Reads a file holding a secret (a keypair, the members' app link secret), refusing one
/// readable or writable by group or others; errors name the file as `what`. The error never
/// contains the file's content.
pub fn read_private(path: &Path, what: &'static str) -> Result<String, KeypairError> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| KeypairError::Io {
        what,
        path: shown.clone(),
        source,
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeypairError::TooOpen { what, path: shown, mode });
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    std::fs::read_to_string(path).map_err(|source| KeypairError::Io { what, path: shown, source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_signer::Signer;
    use std::os::unix::fs::PermissionsExt;

    fn write(dir: &Path, name: &str, text: &str, mode: u32) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn refuses_open_files_and_garbage_and_reads_a_private_one() {
        let dir = std::env::temp_dir().join(format!("stk-keypair-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let kp = Keypair::new();
        let json = serde_json::to_string(&kp.to_bytes().to_vec()).unwrap();

        let open = write(&dir, "open.json", &json, 0o644);
        match load(&open) {
            Err(KeypairError::TooOpen { mode, .. }) => assert_eq!(mode, 0o644),
            other => panic!("expected TooOpen, got {other:?}"),
        }
        let group = write(&dir, "group.json", &json, 0o640);
        assert!(matches!(load(&group), Err(KeypairError::TooOpen { .. })));
        let garbage = write(&dir, "garbage.json", "[1,2,3]", 0o600);
        let err = load(&garbage).unwrap_err();
        assert!(matches!(err, KeypairError::Format { .. }));
        assert!(!err.to_string().contains("1,2,3"), "no key material in errors");
        assert!(matches!(load(&dir.join("missing.json")), Err(KeypairError::Io { .. })));

        let private = write(&dir, "private.json", &json, 0o600);
        assert_eq!(load(&private).unwrap().pubkey(), kp.pubkey());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
