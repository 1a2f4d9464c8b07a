//! How many cores are free for transcription right now. whisper.cpp's worker threads wait
//! for each other at every step of the graph; when another program keeps a core busy, a
//! thread on that core is descheduled and every step waits for it (measured here: a 2-min
//! file took 8.8 s alone and 20.1 s with one busy core on 2 threads, 13.9 s on 1 thread).
//! So before each window the transcriber asks [`CoreMeter`] how much CPU *other* processes
//! used since the last window (system CPU time from `/proc/stat` minus this process's own
//! from `/proc/self/stat`) and runs on the cores that are left. Elsewhere than Linux, or when
//! the counters cannot be read, every core is used.

/// Measures the CPU other processes used between two calls.
#[derive(Debug, Default)]
pub struct CoreMeter {
    last: Option<Sample>,
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    /// Busy clock ticks of all CPUs together.
    busy: u64,
    /// All clock ticks of all CPUs together.
    total: u64,
    /// This process's user + system ticks.
    own: u64,
}

fn sample() -> Option<Sample> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let own = std::fs::read_to_string("/proc/self/stat").ok()?;
    parse(&stat, &own)
}

fn parse(stat: &str, own: &str) -> Option<Sample> {
    let cpu = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<u64> = cpu
        .split_whitespace()
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let get = |i: usize| v.get(i).copied().unwrap_or(0);
    let busy = get(0) + get(1) + get(2) + get(5) + get(6) + get(7);
    let total = busy + get(3) + get(4);
    // Fields after the command name "(...)": state is field 3, utime 14, stime 15.
    let rest = own.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = f.get(11)?.parse().ok()?;
    let stime: u64 = f.get(12)?.parse().ok()?;
    Some(Sample {
        busy,
        total,
        own: utime + stime,
    })
}

impl CoreMeter {
    pub fn new() -> CoreMeter {
        CoreMeter { last: sample() }
    }

    /// Threads to use out of `max`: `max` minus the cores other processes kept busy since
    /// the last call (rounded), at least 1.
    pub fn free_threads(&mut self, max: usize, cores: usize) -> usize {
        let now = sample();
        let threads = match (self.last, now) {
            (Some(a), Some(b)) => threads_from(a, b, max, cores),
            _ => max,
        };
        self.last = now;
        threads
    }
}

fn threads_from(a: Sample, b: Sample, max: usize, cores: usize) -> usize {
    let total = b.total.saturating_sub(a.total);
    if total == 0 {
        return max;
    }
    let other = b
        .busy
        .saturating_sub(a.busy)
        .saturating_sub(b.own.saturating_sub(a.own));
    let other_cores = other as f64 / total as f64 * cores as f64;
    let free = (cores as f64 - other_cores).round().max(1.0) as usize;
    free.min(max).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(busy: u64, total: u64, own: u64) -> Sample {
        Sample { busy, total, own }
    }

    #[test]
    fn a_core_kept_busy_by_another_program_is_left_to_it() {
        // 2 cores, 100 ticks each: we used 100, someone else 100.
        assert_eq!(threads_from(s(0, 0, 0), s(200, 200, 100), 2, 2), 1);
        // Only we were busy: both cores.
        assert_eq!(threads_from(s(0, 0, 0), s(200, 200, 200), 2, 2), 2);
        // A little background load (20 % of a core) does not cost a thread.
        assert_eq!(threads_from(s(0, 0, 0), s(120, 200, 100), 2, 2), 2);
        // Everything busy with others: still one thread.
        assert_eq!(threads_from(s(0, 0, 0), s(200, 200, 0), 2, 2), 1);
        // Never more than asked for.
        assert_eq!(threads_from(s(0, 0, 0), s(0, 800, 0), 2, 8), 2);
    }

    #[test]
    fn proc_stat_lines_parse() {
        let stat = "cpu  100 5 50 1000 10 1 2 3 0 0\ncpu0 50 2 25 500 5 0 1 1 0 0\n";
        let own = "1234 (observant worker) S 1 1234 1234 0 -1 4194304 100 0 0 0 40 7 0 0 20 0";
        let p = parse(stat, own).unwrap();
        assert_eq!(p.busy, 100 + 5 + 50 + 1 + 2 + 3);
        assert_eq!(p.total, p.busy + 1000 + 10);
        assert_eq!(p.own, 47);
        if cfg!(target_os = "linux") {
            assert!(sample().is_some());
        }
    }
}
