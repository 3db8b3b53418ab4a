//! Process CPU time, for the benchmark programs (never for assertions in tests).

/// User + system CPU seconds used by this process so far, all threads together
/// (`getrusage(RUSAGE_SELF)`, microsecond resolution).
pub fn cpu_seconds() -> f64 {
    // SAFETY: getrusage fills the zeroed struct we own; RUSAGE_SELF is always valid.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 * 1e-6;
    t(ru.ru_utime) + t(ru.ru_stime)
}
