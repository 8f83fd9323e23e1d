//! Step 6, render and publish: `report.{json,sha256,csv,html}`, written after the tables are
//! committed and published as one directory, atomically.
//!
//! The four files are written into a staging directory beside the month's (each fsynced, then
//! the directory), and the staging directory is renamed into place; a month's earlier
//! directory is first renamed aside and removed once the new one is in place. A crash at any
//! point leaves either the earlier complete set, or the new complete set — never a truncated
//! file, nor a `report.json` beside a `report.sha256` of another run. A set left aside by a
//! crash between the two renames is put back by the next publication before it starts.
use super::types::Report;
use crate::{config::Config, render};
use anyhow::Context;
use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
};

/// Renders `report.{json,sha256,csv,html}` and publishes them as `dir`.
pub(super) fn write_files(
    dir: &Path,
    report: &Report,
    json: Vec<u8>,
    sha256: &str,
    config: &Config,
) -> anyhow::Result<Vec<PathBuf>> {
    let outputs: [(&str, Vec<u8>); 4] = [
        ("report.json", json),
        ("report.sha256", format!("{sha256}  report.json\n").into_bytes()),
        ("report.csv", render::csv(report)),
        ("report.html", render::html(report, sha256, config)),
    ];
    publish(dir, &outputs)
}

/// The staging and set-aside directories of `dir` (hidden siblings).
fn siblings(dir: &Path) -> anyhow::Result<(PathBuf, PathBuf, PathBuf)> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("{} has no directory name", dir.display()))?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let staging = parent.join(format!(".{name}.staging"));
    let previous = parent.join(format!(".{name}.previous"));
    Ok((parent, staging, previous))
}

/// Makes a directory's entries (creations, renames) durable.
fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("syncing the directory {}", dir.display()))
}

/// Repairs what an interrupted publication left: an incomplete staging directory is removed;
/// a set put aside whose replacement never arrived is put back.
pub(super) fn recover(dir: &Path) -> anyhow::Result<()> {
    let (parent, staging, previous) = siblings(dir)?;
    if staging.exists() {
        fs::remove_dir_all(&staging)
            .with_context(|| format!("removing the leftover {}", staging.display()))?;
    }
    if previous.exists() {
        if dir.exists() {
            fs::remove_dir_all(&previous)
                .with_context(|| format!("removing the leftover {}", previous.display()))?;
        } else {
            fs::rename(&previous, dir).with_context(|| format!("restoring {}", dir.display()))?;
            sync_dir(&parent)?;
        }
    }
    Ok(())
}

/// Publishes `outputs` (file name, bytes) as the directory `dir`, atomically (module doc).
/// Concurrent publications of the same directory are not supported (one report run per month
/// at a time writes files; the tables are serialized by an advisory lock).
pub(super) fn publish(dir: &Path, outputs: &[(&str, Vec<u8>)]) -> anyhow::Result<Vec<PathBuf>> {
    let (parent, staging, previous) = siblings(dir)?;
    fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
    recover(dir)?;
    fs::create_dir(&staging).with_context(|| format!("creating {}", staging.display()))?;
    for (name, bytes) in outputs {
        let path = staging.join(name);
        let mut file =
            fs::File::create(&path).with_context(|| format!("writing {}", path.display()))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    sync_dir(&staging)?;
    if dir.exists() {
        fs::rename(dir, &previous).with_context(|| format!("setting {} aside", dir.display()))?;
    }
    fs::rename(&staging, dir).with_context(|| format!("publishing {}", dir.display()))?;
    sync_dir(&parent)?;
    if previous.exists() {
        fs::remove_dir_all(&previous)
            .with_context(|| format!("removing {}", previous.display()))?;
    }
    Ok(outputs.iter().map(|(name, _)| dir.join(name)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(dir: &Path) -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.file_name().into_string().unwrap(), fs::read_to_string(e.path()).unwrap())
            })
            .collect();
        files.sort();
        files
    }

    fn set(tag: &str) -> Vec<(&'static str, Vec<u8>)> {
        vec![
            ("report.json", format!("json {tag}").into_bytes()),
            ("report.sha256", format!("sha {tag}").into_bytes()),
        ]
    }

    fn expected(tag: &str) -> Vec<(String, String)> {
        vec![
            ("report.json".into(), format!("json {tag}")),
            ("report.sha256".into(), format!("sha {tag}")),
        ]
    }

    fn scratch(tag: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("stk-publish-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(&root).unwrap();
        root
    }

    /// Only the month's directory is left beside nothing else.
    fn only_the_month(root: &Path) {
        let names: Vec<String> = fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["2027-01".to_string()]);
    }

    #[test]
    fn a_publication_replaces_the_whole_set_or_nothing() {
        let root = scratch("replace");
        let dir = root.join("2027-01");
        publish(&dir, &set("old")).unwrap();
        assert_eq!(read(&dir), expected("old"));
        publish(&dir, &set("new")).unwrap();
        assert_eq!(read(&dir), expected("new"));
        only_the_month(&root);

        // A write that fails half-way (the second file cannot be created) leaves the
        // published set untouched: no new report.json beside the old report.sha256.
        let mut failing = set("newer");
        failing[1].0 = "missing/report.sha256";
        assert!(publish(&dir, &failing).is_err());
        assert_eq!(read(&dir), expected("new"));
        // The next publication clears the leftover staging directory.
        publish(&dir, &set("newest")).unwrap();
        assert_eq!(read(&dir), expected("newest"));
        only_the_month(&root);
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_crash_between_the_renames_leaves_a_complete_set_that_is_put_back() {
        let root = scratch("crash");
        let dir = root.join("2027-01");
        publish(&dir, &set("old")).unwrap();
        // The state a crash leaves after the old set was put aside and before the new one
        // was renamed into place: no month directory, a complete set aside, a staging one.
        let (_, staging, previous) = siblings(&dir).unwrap();
        fs::rename(&dir, &previous).unwrap();
        fs::create_dir(&staging).unwrap();
        fs::write(staging.join("report.json"), "trunc").unwrap();
        recover(&dir).unwrap();
        assert_eq!(read(&dir), expected("old"));
        only_the_month(&root);
        // The same state, then a new publication: the new set, nothing left over.
        fs::rename(&dir, &previous).unwrap();
        publish(&dir, &set("new")).unwrap();
        assert_eq!(read(&dir), expected("new"));
        only_the_month(&root);
        fs::remove_dir_all(&root).unwrap();
    }
}
