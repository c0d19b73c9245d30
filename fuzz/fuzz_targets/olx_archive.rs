//! Feeds arbitrary bytes to the OLX archive readers: they must never panic, never store
//! more than the limits allow, and only accept paths that stay inside the course root.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lyceum_olx::{BlobSink, Limits, OlxFiles, archive};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{self, Read};

#[derive(Default)]
struct MemSink {
    blobs: HashMap<String, Vec<u8>>,
    bytes_put: u64,
}

impl BlobSink for MemSink {
    fn put(&mut self, reader: &mut dyn Read) -> io::Result<(String, u64)> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        let sha = format!("{:x}", Sha256::digest(&bytes));
        let size = bytes.len() as u64;
        self.bytes_put += size;
        self.blobs.insert(sha.clone(), bytes);
        Ok((sha, size))
    }
}

const LIMITS: Limits = Limits {
    max_total_bytes: 1024 * 1024,
    max_files: 64,
    max_file_bytes: 256 * 1024,
    max_text_file_bytes: 64 * 1024,
};

fn check(result: Result<OlxFiles, lyceum_core::error::DomainError>, sink: &MemSink) {
    assert!(
        sink.bytes_put <= LIMITS.max_total_bytes,
        "sink got {}",
        sink.bytes_put
    );
    match result {
        Err(e) => assert!(e.key.0.starts_with("lyceum-error-olx-"), "unexpected {e}"),
        Ok(files) => {
            let statics = files.statics.iter().map(|s| format!("static/{}", s.path));
            for path in files.text.keys().cloned().chain(statics) {
                assert!(!path.starts_with('/'), "{path}");
                assert!(
                    !path
                        .split('/')
                        .any(|p| p.is_empty() || p == "." || p == ".."),
                    "{path}"
                );
            }
            for s in &files.statics {
                assert!(s.size <= LIMITS.max_file_bytes);
                assert_eq!(sink.blobs[&s.sha256].len() as u64, s.size);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut sink = MemSink::default();
    let result = archive::read_tar_gz(data, &LIMITS, &mut sink);
    check(result, &sink);
    let mut sink = MemSink::default();
    let result = archive::read_tar(data, &LIMITS, &mut sink);
    check(result, &sink);
});
