//! Turning command-line paths into the list of files to read.

use std::path::{Path, PathBuf};

/// A path that could not be walked, with the reason, reported and skipped.
#[derive(Debug)]
pub struct WalkError {
    pub path: PathBuf,
    pub reason: String,
}

/// Expand `paths` into files: files as given, directories recursively in name order,
/// skipping hidden entries (names starting with '.'). Problems (a missing path, an
/// unreadable directory) are collected, never fatal, so the rest of the batch goes on.
pub fn collect_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<WalkError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Err(e) => errors.push(WalkError {
                path: path.clone(),
                reason: describe_io(&e),
            }),
            Ok(meta) if meta.is_dir() => walk_dir(path, &mut files, &mut errors),
            Ok(_) => files.push(path.clone()),
        }
    }
    (files, errors)
}

fn walk_dir(root: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<WalkError>) {
    // An explicit stack: directory depth is not bounded by anything we control.
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                errors.push(WalkError {
                    path: dir,
                    reason: describe_io(&e),
                });
                continue;
            }
        };
        let mut children: Vec<(PathBuf, bool)> = Vec::new();
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    errors.push(WalkError {
                        path: dir.clone(),
                        reason: describe_io(&e),
                    });
                    continue;
                }
            };
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            // Follow symlinks for the type, as a reader would expect.
            let is_dir = std::fs::metadata(&path)
                .map(|m| m.is_dir())
                .unwrap_or(false);
            children.push((path, is_dir));
        }
        children.sort();
        // Files of this directory in order, then its subdirectories in order.
        let mut subdirs = Vec::new();
        for (path, is_dir) in children {
            if is_dir {
                subdirs.push(path);
            } else {
                files.push(path);
            }
        }
        stack.extend(subdirs.into_iter().rev());
    }
}

/// An I/O error as a short phrase, without Rust's "(os error N)" noise.
pub fn describe_io(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "no such file or directory".into(),
        PermissionDenied => "permission denied".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_recursively_skipping_hidden_and_reports_missing() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("b/c")).unwrap();
        std::fs::create_dir_all(d.join(".git")).unwrap();
        for f in ["a.txt", "b/x.txt", "b/c/y.txt", ".hidden.txt", ".git/z.txt"] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        let (files, errors) = collect_files(&[d.to_path_buf(), d.join("missing.txt")]);
        let names: Vec<String> = files
            .iter()
            .map(|p| p.strip_prefix(d).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a.txt", "b/x.txt", "b/c/y.txt"]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].reason, "no such file or directory");
    }
}
