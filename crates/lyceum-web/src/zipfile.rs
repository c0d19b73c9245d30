//! A minimal ZIP writer for downloads staff take away (every response to an assignment):
//! stored entries (no compression — the files are mostly PDFs and images, compressed
//! already), UTF-8 names (flag bit 11), no ZIP64: an archive that would pass 4 GiB or
//! 65,535 entries is refused. A reader of such archives comes with it, for tests.

use std::fmt;

/// The archive would need ZIP64 (an entry or the whole past 4 GiB, or too many entries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge;

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("archive too large for a ZIP without ZIP64")
    }
}

impl std::error::Error for TooLarge {}

const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;
const UTF8_NAMES: u16 = 1 << 11;
const VERSION: u16 = 20;

#[derive(Default)]
pub struct ZipWriter {
    out: Vec<u8>,
    central: Vec<u8>,
    count: u16,
}

fn u16le(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn u32le(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

/// MS-DOS time and date of a timestamp, in UTC (1980 at the earliest).
pub fn dos_time(t: jiff::Timestamp) -> (u16, u16) {
    let d = t.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    if d.year() < 1980 {
        return (0, 0x21);
    }
    let year = u16::try_from(d.year() - 1980).unwrap_or(0).min(127);
    let time = (u16::try_from(d.hour()).unwrap_or(0) << 11)
        | (u16::try_from(d.minute()).unwrap_or(0) << 5)
        | (u16::try_from(d.second()).unwrap_or(0) / 2);
    let date = (year << 9)
        | (u16::try_from(d.month()).unwrap_or(1) << 5)
        | u16::try_from(d.day()).unwrap_or(1);
    (time, date)
}

impl ZipWriter {
    pub fn new() -> ZipWriter {
        ZipWriter::default()
    }

    /// Add a file. `name` is a path with `/` between folders (see [`safe_name`] for
    /// each part); `modified` is an MS-DOS (time, date) from [`dos_time`].
    pub fn add(&mut self, name: &str, data: &[u8], modified: (u16, u16)) -> Result<(), TooLarge> {
        let size = u32::try_from(data.len()).map_err(|_| TooLarge)?;
        let offset = u32::try_from(self.out.len()).map_err(|_| TooLarge)?;
        let name_len = u16::try_from(name.len()).map_err(|_| TooLarge)?;
        self.count = self.count.checked_add(1).ok_or(TooLarge)?;
        // Header, name and data must all end below 4 GiB for the offsets to fit.
        let end = self.out.len() as u64 + 30 + u64::from(name_len) + u64::from(size);
        if end > u64::from(u32::MAX) {
            return Err(TooLarge);
        }
        let crc = crc32fast::hash(data);
        let (time, date) = modified;
        let o = &mut self.out;
        u32le(o, LOCAL);
        u16le(o, VERSION);
        u16le(o, UTF8_NAMES);
        u16le(o, 0); // stored
        u16le(o, time);
        u16le(o, date);
        u32le(o, crc);
        u32le(o, size);
        u32le(o, size);
        u16le(o, name_len);
        u16le(o, 0);
        o.extend_from_slice(name.as_bytes());
        o.extend_from_slice(data);
        let c = &mut self.central;
        u32le(c, CENTRAL);
        u16le(c, VERSION);
        u16le(c, VERSION);
        u16le(c, UTF8_NAMES);
        u16le(c, 0);
        u16le(c, time);
        u16le(c, date);
        u32le(c, crc);
        u32le(c, size);
        u32le(c, size);
        u16le(c, name_len);
        u16le(c, 0); // extra
        u16le(c, 0); // comment
        u16le(c, 0); // disk
        u16le(c, 0); // internal attributes
        u32le(c, 0); // external attributes
        u32le(c, offset);
        c.extend_from_slice(name.as_bytes());
        Ok(())
    }

    /// The archive's bytes: the entries, the central directory and the end record.
    pub fn finish(self) -> Result<Vec<u8>, TooLarge> {
        let ZipWriter {
            mut out,
            central,
            count,
        } = self;
        let cd_offset = u32::try_from(out.len()).map_err(|_| TooLarge)?;
        let cd_size = u32::try_from(central.len()).map_err(|_| TooLarge)?;
        if out.len() as u64 + central.len() as u64 + 22 > u64::from(u32::MAX) {
            return Err(TooLarge);
        }
        out.extend_from_slice(&central);
        u32le(&mut out, END);
        u16le(&mut out, 0);
        u16le(&mut out, 0);
        u16le(&mut out, count);
        u16le(&mut out, count);
        u32le(&mut out, cd_size);
        u32le(&mut out, cd_offset);
        u16le(&mut out, 0);
        Ok(out)
    }
}

/// One part of a path inside an archive: no folder separators, no `..`, no control
/// characters, not empty, at most 150 bytes (the extension kept).
pub fn safe_name(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c == ':' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    let mut cleaned = if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') {
        "file".to_owned()
    } else {
        cleaned
    };
    if cleaned.len() > 150 {
        let ext = cleaned
            .rsplit_once('.')
            .map(|(_, e)| e)
            .filter(|e| e.len() <= 10)
            .map(|e| format!(".{e}"))
            .unwrap_or_default();
        let mut cut = 150 - ext.len();
        while !cleaned.is_char_boundary(cut) {
            cut -= 1;
        }
        cleaned.truncate(cut);
        cleaned.push_str(&ext);
    }
    cleaned
}

/// The entries of an archive of stored files, checking every CRC: `None` for anything
/// else (compressed entries, damage). For tests and checks, not for untrusted uploads.
pub fn read_stored(bytes: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let u16at = |i: usize| -> Option<u16> {
        Some(u16::from_le_bytes(bytes.get(i..i + 2)?.try_into().ok()?))
    };
    let u32at = |i: usize| -> Option<u32> {
        Some(u32::from_le_bytes(bytes.get(i..i + 4)?.try_into().ok()?))
    };
    let end = bytes.len().checked_sub(22)?;
    if u32at(end)? != END {
        return None;
    }
    let count = usize::from(u16at(end + 10)?);
    let mut at = usize::try_from(u32at(end + 16)?).ok()?;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        if u32at(at)? != CENTRAL || u16at(at + 10)? != 0 {
            return None;
        }
        let crc = u32at(at + 16)?;
        let size = usize::try_from(u32at(at + 24)?).ok()?;
        let name_len = usize::from(u16at(at + 28)?);
        let skip = name_len + usize::from(u16at(at + 30)?) + usize::from(u16at(at + 32)?);
        let local = usize::try_from(u32at(at + 42)?).ok()?;
        let name = String::from_utf8(bytes.get(at + 46..at + 46 + name_len)?.to_vec()).ok()?;
        if u32at(local)? != LOCAL {
            return None;
        }
        let start = local + 30 + usize::from(u16at(local + 26)?) + usize::from(u16at(local + 28)?);
        let data = bytes.get(start..start + size)?.to_vec();
        if crc32fast::hash(&data) != crc {
            return None;
        }
        out.push((name, data));
        at += 46 + skip;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut z = ZipWriter::new();
        let when = dos_time("2026-11-21T12:34:56Z".parse().unwrap());
        z.add("alice/v1.txt", b"Hello\nworld", when).unwrap();
        z.add("ليلى/v1/صورة.png", &[0, 1, 2, 255], when).unwrap();
        z.add("empty.txt", b"", when).unwrap();
        let bytes = z.finish().unwrap();
        let entries = read_stored(&bytes).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(
            entries[0],
            ("alice/v1.txt".into(), b"Hello\nworld".to_vec())
        );
        assert_eq!(entries[1].0, "ليلى/v1/صورة.png");
        assert_eq!(entries[1].1, vec![0, 1, 2, 255]);
        assert_eq!(entries[2].1, Vec::<u8>::new());
        // 2026-11-21 12:34:56 → date (46 << 9 | 11 << 5 | 21), time (12 << 11 | 34 << 5 | 28).
        assert_eq!(when, (12 << 11 | 34 << 5 | 28, 46 << 9 | 11 << 5 | 21));
        // Damage is noticed.
        let mut bad = bytes.clone();
        bad[30 + "alice/v1.txt".len()] ^= 1;
        assert!(read_stored(&bad).is_none());
        // An empty archive is just the end record.
        assert_eq!(
            read_stored(&ZipWriter::new().finish().unwrap()),
            Some(vec![])
        );
    }

    #[test]
    fn python_can_read_it() {
        // Checked by another implementation when one is around.
        let mut z = ZipWriter::new();
        z.add("a/b.txt", b"text", (0, 0x21)).unwrap();
        let bytes = z.finish().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.zip");
        std::fs::write(&path, &bytes).unwrap();
        let script = format!(
            "import zipfile,sys; z=zipfile.ZipFile({:?}); assert z.testzip() is None; assert z.read('a/b.txt')==b'text'",
            path.display().to_string()
        );
        if let Ok(out) = std::process::Command::new("python3")
            .args(["-c", &script])
            .output()
        {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_name(".."), "file");
        assert_eq!(safe_name(""), "file");
        assert_eq!(safe_name("a\\b:c\n.pdf"), "a_b_c_.pdf");
        assert_eq!(safe_name(".hidden"), "hidden");
        let long = format!("{}.pdf", "é".repeat(100));
        let s = safe_name(&long);
        assert!(s.len() <= 150 && s.ends_with(".pdf"), "{s}");
    }
}
