//! The process's own figures under their usual Prometheus names (`process_*`), read from
//! `/proc/self` on Linux at each scrape; elsewhere they are left out.

use super::exposition::{Exposition, Kind};

pub fn write(e: &mut Exposition) {
    #[cfg(target_os = "linux")]
    linux::write(e);
    #[cfg(not(target_os = "linux"))]
    let _ = e;
}

#[cfg(target_os = "linux")]
mod linux {
    use super::{Exposition, Kind};

    /// `/proc` counts CPU time in clock ticks of `USER_HZ`, which Linux fixes at 100 for
    /// user space on every architecture that runs this (as Prometheus' own procfs reader
    /// assumes); asking `sysconf` would need `unsafe` for no gain.
    const TICKS_PER_SECOND: f64 = 100.0;

    pub fn write(e: &mut Exposition) {
        let stat = std::fs::read_to_string("/proc/self/stat").ok();
        // Fields after the command name (which may itself hold spaces and parentheses):
        // the first is field 3 of proc(5), `state`.
        let fields: Vec<&str> = stat
            .as_deref()
            .and_then(|s| s.rsplit_once(") "))
            .map(|(_, rest)| rest.split_ascii_whitespace().collect())
            .unwrap_or_default();
        let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<u64>().ok());

        if let (Some(user), Some(system)) = (field(14), field(15)) {
            e.family(
                "process_cpu_seconds_total",
                Kind::Counter,
                "User and system CPU time spent, in seconds.",
            )
            .sample(&[], (user + system) as f64 / TICKS_PER_SECOND);
        }
        if let Some(kb) = status_kb("VmRSS:") {
            e.family(
                "process_resident_memory_bytes",
                Kind::Gauge,
                "Resident memory size, in bytes.",
            )
            .sample(&[], kb.saturating_mul(1024));
        }
        if let Some(bytes) = field(23) {
            e.family(
                "process_virtual_memory_bytes",
                Kind::Gauge,
                "Virtual memory size, in bytes.",
            )
            .sample(&[], bytes);
        }
        if let Some(n) = field(20) {
            e.family("process_threads", Kind::Gauge, "Operating system threads.")
                .sample(&[], n);
        }
        if let Ok(dir) = std::fs::read_dir("/proc/self/fd") {
            e.family(
                "process_open_fds",
                Kind::Gauge,
                "Open file descriptors (sockets included).",
            )
            .sample(&[], dir.count());
        }
        if let Some(max) = max_open_files() {
            e.family(
                "process_max_fds",
                Kind::Gauge,
                "The most file descriptors the process may open.",
            )
            .sample(&[], max);
        }
        if let (Some(started), Some(boot)) = (field(22), boot_time()) {
            e.family(
                "process_start_time_seconds",
                Kind::Gauge,
                "When the process started, in seconds since the Unix epoch.",
            )
            .sample(&[], boot as f64 + started as f64 / TICKS_PER_SECOND);
        }
    }

    fn status_kb(key: &str) -> Option<u64> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    fn max_open_files() -> Option<u64> {
        let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
        // "Max open files            1024                 524288               files"
        limits
            .lines()
            .find_map(|l| l.strip_prefix("Max open files"))
            .and_then(|v| v.split_ascii_whitespace().next())
            .and_then(|soft| soft.parse().ok())
    }

    /// When the machine booted, in seconds since the epoch (`/proc/stat`'s `btime`).
    fn boot_time() -> Option<u64> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        stat.lines()
            .find_map(|l| l.strip_prefix("btime "))
            .and_then(|v| v.trim().parse().ok())
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn the_process_reports_itself() {
            let mut e = super::Exposition::default();
            super::write(&mut e);
            let text = e.finish();
            for name in [
                "process_cpu_seconds_total ",
                "process_resident_memory_bytes ",
                "process_open_fds ",
                "process_max_fds ",
                "process_start_time_seconds ",
                "process_threads ",
            ] {
                assert!(text.lines().any(|l| l.starts_with(name)), "{name}: {text}");
            }
            let start: f64 = text
                .lines()
                .find_map(|l| l.strip_prefix("process_start_time_seconds "))
                .and_then(|v| v.parse().ok())
                .unwrap_or_default();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
            // Started within the last day, not in the future (clock ticks understood).
            assert!(
                start <= now + 1.0 && start > now - 86_400.0,
                "{start} vs {now}"
            );
        }
    }
}
