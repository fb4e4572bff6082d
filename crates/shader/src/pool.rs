//! The worker pool for data-parallel shader work: one rayon pool, sized by `PUMICE_THREADS`
//! (read once; default: all cores).

use std::sync::LazyLock;

static POOL: LazyLock<Option<rayon::ThreadPool>> = LazyLock::new(|| {
    // Sized by `threads()`, so the pool and the device name that reports it agree.
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads())
        .thread_name(|i| format!("pumice-worker-{i}"))
        .build()
        .ok()
});

/// Runs `f` inside the pool (or on the global rayon pool if ours could not start).
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    match POOL.as_ref() {
        Some(pool) => pool.install(f),
        None => f(),
    }
}

/// The number of workers the pool has or will have: `PUMICE_THREADS` when set to a positive
/// number, else all cores. Computed without starting the pool (`vkEnumeratePhysicalDevices`
/// reports it in the device name).
pub fn threads() -> usize {
    std::env::var("PUMICE_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}
