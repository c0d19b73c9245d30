//! Media files on disk, content-addressed by SHA-256: the same video uploaded to two
//! courses is stored once, and a file's name never comes from user input.

use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct MediaStore {
    root: PathBuf,
}

impl MediaStore {
    pub fn new(root: impl Into<PathBuf>) -> std::io::Result<MediaStore> {
        let root = root.into();
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(MediaStore { root })
    }

    /// Where the file with this hash lives. `sha256` must be 64 hex digits (it always
    /// comes from our own rows); anything else maps to a path that cannot exist.
    pub fn path(&self, sha256: &str) -> PathBuf {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return self.root.join("invalid");
        }
        self.root.join(&sha256[..2]).join(sha256)
    }

    /// A scratch folder beside the media, on the same disk: uploads too large for memory
    /// wait there while they are read. Files left in it by a crash are safe to delete.
    pub fn temp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Store bytes; returns (sha256, size).
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<(String, u64)> {
        self.put_reader(bytes)
    }

    /// Stream a file in, hashing as it goes, then move it into place atomically: a crash
    /// never leaves a half-written file under a valid name.
    pub fn put_reader(&self, mut reader: impl Read) -> std::io::Result<(String, u64)> {
        let tmp_dir = self.root.join("tmp");
        let mut tmp = tempfile_in(&tmp_dir)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut size = 0u64;
        loop {
            let n = reader.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            tmp.1.write_all(&buf[..n])?;
            size += n as u64;
        }
        tmp.1.sync_all()?;
        let sha = format!("{:x}", hasher.finalize());
        let dest = self.path(&sha);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir)?;
        }
        if dest.exists() {
            std::fs::remove_file(&tmp.0)?;
        } else {
            std::fs::rename(&tmp.0, &dest)?;
        }
        Ok((sha, size))
    }
}

fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "upload-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let path = dir.join(name);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    Ok((path, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_by_hash_once() {
        let dir = tempfile::tempdir().unwrap();
        let m = MediaStore::new(dir.path()).unwrap();
        let (sha, size) = m.put(b"hello").unwrap();
        assert_eq!(
            sha,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(size, 5);
        assert_eq!(std::fs::read(m.path(&sha)).unwrap(), b"hello");
        let (sha2, _) = m.put(b"hello").unwrap();
        assert_eq!(sha, sha2);
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
    }

    #[test]
    fn hostile_hashes_do_not_escape() {
        let m = MediaStore::new(tempfile::tempdir().unwrap().path()).unwrap();
        assert!(m.path("../../etc/passwd").ends_with("invalid"));
    }
}
