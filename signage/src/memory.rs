//! Keeping the player's memory small on a PC without a GPU.
//!
//! On lavapipe most of what the player holds is not its own: Mesa's
//! software renderer brings LLVM (100 MB of code whose start-up touches a
//! third of it) and the Vulkan loader opens every installed driver. The
//! savings here, each of which [`MEMORY_OFF`] can leave out so the README's
//! table measures them side by side:
//!
//! - `icd`: only lavapipe's Vulkan driver, and no GL, on a PC without a GPU
//!   ([`crate::gpu::software_only`]);
//! - `malloc`: glibc's allocator with two arenas and fixed thresholds
//!   ([`tune_malloc`]);
//! - `release`: once started, the clean pages of mapped files (code of the
//!   libraries and the player, font files) handed back to the kernel, and
//!   the heap's free pages with them ([`release_clean_pages`]).

use std::time::Duration;

/// Environment variable listing the memory savings to leave out (comma
/// separated: `icd`, `malloc`, `release`, or `all`).
pub const MEMORY_OFF: &str = "LINLI_SIGNAGE_MEMORY_OFF";

/// Whether the memory saving `name` is left out (by [`MEMORY_OFF`]).
pub fn memory_off(name: &str) -> bool {
    std::env::var(MEMORY_OFF).is_ok_and(|v| off_in(&v, name))
}

fn off_in(list: &str, name: &str) -> bool {
    list.split(',')
        .map(str::trim)
        .any(|item| item == name || item == "all")
}

/// glibc's allocator, set for a long-running process on a small PC; call
/// before any thread starts. By default glibc gives threads that allocate
/// arenas of their own (up to 8 per core) and raises its mmap threshold after
/// the first large free, so freed memory stays in whichever arena had it.
pub fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if !memory_off("malloc") {
        // SAFETY: plain calls into glibc, made before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
            // Fixed thresholds: large blocks are mapped and returned on
            // free, and a freed heap top over 1 MiB is given back.
            libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 1024 * 1024);
        }
    }
}

/// What [`release_clean_pages`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Released {
    /// File mappings advised.
    pub mappings: usize,
    /// Their size (mapped, not resident), in KiB.
    pub kib: u64,
}

/// Hands the kernel back the clean pages of every read-only file mapping of
/// this process (libraries' and the player's code and constants, the font
/// files), with `MADV_PAGEOUT`, and the allocator's free pages with
/// `malloc_trim`. Start-up runs LLVM's static constructors and the drivers'
/// set-up across most of their code, which then stays resident for nothing;
/// what a frame does need comes back on its first use (from the page cache).
/// Only pages no other process maps are reclaimed; pages a library has
/// written (relocations) are not file pages and stay.
pub fn release_clean_pages() -> Released {
    let mut done = Released::default();
    #[cfg(target_os = "linux")]
    {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
        for (start, end) in read_only_file_mappings(&maps) {
            // SAFETY: advice only, on ranges this process has mapped (read
            // just now); MADV_PAGEOUT never changes what the memory holds.
            let r = unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_PAGEOUT)
            };
            if r == 0 {
                done.mappings += 1;
                done.kib += ((end - start) / 1024) as u64;
            }
        }
        #[cfg(target_env = "gnu")]
        // SAFETY: a plain call into glibc.
        unsafe {
            libc::malloc_trim(0);
        }
    }
    done
}

/// The address ranges of the read-only mappings of files in `/proc/PID/maps`
/// text: code and constants of executables and libraries, fonts mapped by
/// the text renderer. Writable ones (data, shared memory) are left alone.
fn read_only_file_mappings(maps: &str) -> Vec<(usize, usize)> {
    maps.lines()
        .filter_map(|line| {
            let mut f = line.split_whitespace();
            let range = f.next()?;
            let perms = f.next()?;
            let _offset = f.next()?;
            let _dev = f.next()?;
            let inode = f.next()?;
            let path = f.next()?;
            if perms.as_bytes().get(1) != Some(&b'-') || inode == "0" || !path.starts_with('/') {
                return None;
            }
            let (a, b) = range.split_once('-')?;
            let start = usize::from_str_radix(a, 16).ok()?;
            let end = usize::from_str_radix(b, 16).ok()?;
            (end > start).then_some((start, end))
        })
        .collect()
}

/// When the player releases clean pages: two seconds after start (the
/// first frames have compiled their pipelines and shaped their text), again
/// as the slower zones (carousel pages, alerts) first run, then every ten minutes
/// for pages that occasional work (a content reload) brought back.
const RELEASE_AT: [Duration; 3] = [
    Duration::from_secs(2),
    Duration::from_secs(10),
    Duration::from_secs(30),
];
const RELEASE_EVERY: Duration = Duration::from_secs(600);

/// Starts the thread that calls [`release_clean_pages`] on the schedule
/// above, unless [`MEMORY_OFF`] has `release`.
pub fn spawn_release() {
    if memory_off("release") {
        return;
    }
    let _ = std::thread::Builder::new().name("memory".into()).spawn(|| {
        let mut slept = Duration::ZERO;
        for at in RELEASE_AT {
            std::thread::sleep(at - slept);
            slept = at;
            release_clean_pages();
        }
        loop {
            std::thread::sleep(RELEASE_EVERY);
            release_clean_pages();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_lists() {
        assert!(off_in("icd", "icd"));
        assert!(off_in("malloc, icd", "icd"));
        assert!(off_in("all", "release"));
        assert!(!off_in("icd", "malloc"));
        assert!(!off_in("", "malloc"));
    }

    #[test]
    fn picks_read_only_file_mappings() {
        let maps = "\
55d0a0000000-55d0a0100000 r--p 00000000 08:01 123 /usr/bin/linli-signage
55d0a0100000-55d0a0400000 r-xp 00100000 08:01 123 /usr/bin/linli-signage
55d0a0400000-55d0a0410000 rw-p 00400000 08:01 123 /usr/bin/linli-signage
55d0a1000000-55d0a2000000 rw-p 00000000 00:00 0 [heap]
7f0000000000-7f0001000000 r--s 00000000 08:01 456 /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
7f0002000000-7f0002800000 rw-s 00000000 00:01 7 /SYSV00000000 (deleted)
7f0003000000-7f0004000000 rw-p 00000000 00:00 0
7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0 [vdso]
";
        assert_eq!(
            read_only_file_mappings(maps),
            vec![
                (0x55d0a0000000, 0x55d0a0100000),
                (0x55d0a0100000, 0x55d0a0400000),
                (0x7f0000000000, 0x7f0001000000),
            ]
        );
    }

    #[test]
    fn releasing_keeps_the_process_working() {
        let before = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let done = release_clean_pages();
        if !before.is_empty() {
            // This test binary maps at least itself and libc read-only.
            assert!(done.mappings >= 2, "{done:?}");
        }
        // Code paged out comes back on use.
        assert_eq!(format!("{}", 6 * 7), "42");
    }
}
