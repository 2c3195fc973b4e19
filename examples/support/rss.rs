//! Memory of the running process, for the benchmark examples.

/// The process's peak resident set (`VmHWM`), in MiB; NaN where `/proc` does not say.
#[allow(dead_code)] // not every example that includes this file reads it
pub fn peak_rss_mib() -> f64 {
    status_mib("VmHWM:")
}

/// The process's resident set now (`VmRSS`), in MiB; NaN where `/proc` does not say.
#[allow(dead_code)] // not every example that includes this file reads it
pub fn rss_mib() -> f64 {
    status_mib("VmRSS:")
}

fn status_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(f64::NAN);
    kib / 1024.0
}
