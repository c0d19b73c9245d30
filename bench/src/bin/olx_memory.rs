//! Memory while importing a large Open edX archive: writes a `.tar.gz` holding a small
//! course and one static file of SIZE_MB (default 500), imports it into a fresh site, and
//! prints the process's peak resident memory before and after. The archive is read as a
//! stream and static files go straight to the media store, so the peak must not grow
//! with the archive.
//!
//!   cargo run --release -p lyceum-bench --bin olx_memory [SIZE_MB]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lyceum_olx::Limits;
use lyceum_store::{MediaStore, Store};
use std::io::{Read, Write};

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Bytes that do not compress (so the archive is as large as its content), made fast.
struct Noise(u64);

impl Read for Noise {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        for chunk in buf.chunks_mut(8) {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            let b = self.0.to_le_bytes();
            chunk.copy_from_slice(&b[..chunk.len()]);
        }
        Ok(buf.len())
    }
}

fn main() {
    let mb: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(500);
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("big.tar.gz");
    let t0 = std::time::Instant::now();
    {
        let file = std::fs::File::create(&archive).unwrap();
        let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        let mut add = |path: &str, size: u64, data: &mut dyn Read| {
            let mut h = tar::Header::new_gnu();
            h.set_size(size);
            h.set_mode(0o644);
            h.set_cksum();
            tar.append_data(&mut h, path, data).unwrap();
        };
        let course = br#"<course url_name="run" org="Bench" course="BIG"/>"#;
        add("course/course.xml", course.len() as u64, &mut &course[..]);
        let def = br#"<course display_name="Big"><chapter url_name="c1"/></course>"#;
        add("course/course/run.xml", def.len() as u64, &mut &def[..]);
        let ch = br#"<chapter display_name="One"><sequential url_name="s1"/></chapter>"#;
        add("course/chapter/c1.xml", ch.len() as u64, &mut &ch[..]);
        let seq = br#"<sequential display_name="S"><vertical url_name="v1"/></sequential>"#;
        add("course/sequential/s1.xml", seq.len() as u64, &mut &seq[..]);
        let v = br#"<vertical display_name="V"><video url_name="vid" html5_sources="[&quot;/static/big.mp4&quot;]"/></vertical>"#;
        add("course/vertical/v1.xml", v.len() as u64, &mut &v[..]);
        let size = mb * 1024 * 1024;
        add(
            "course/static/big.mp4",
            size,
            &mut Noise(0x9E37_79B9_7F4A_7C15).take(size),
        );
        tar.into_inner().unwrap().finish().unwrap().flush().unwrap();
    }
    let archive_mb = std::fs::metadata(&archive).unwrap().len() as f64 / 1048576.0;
    eprintln!(
        "wrote a {archive_mb:.0} MB archive in {:.1} s",
        t0.elapsed().as_secs_f64()
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let before = peak_rss_mib();
    let t1 = std::time::Instant::now();
    let summary = rt.block_on(async {
        let store = Store::open_sqlite(&dir.path().join("lyceum.sqlite"))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let media = MediaStore::new(dir.path().join("media")).unwrap();
        let env = lyceum_app::Env {
            store,
            media,
            clock: std::sync::Arc::new(lyceum_core::SystemClock),
        };
        let archive = lyceum_app::courses::Archive {
            source: archive.clone(),
            org: None,
            limits: Limits::default(),
        };
        lyceum_app::courses::import(&env, archive, None, false)
            .await
            .unwrap()
    });
    let secs = t1.elapsed().as_secs_f64();
    let after = peak_rss_mib();
    assert_eq!(summary.blocks.get("video"), Some(&1));
    println!(
        "archive {archive_mb:.0} MB ({mb} MB uncompressed static file): imported in {secs:.1} s; peak RSS {before:.0} MiB before, {after:.0} MiB after"
    );
}
