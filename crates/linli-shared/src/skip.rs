//! Tests whose subject cannot run on this machine: no Vulkan adapter, no
//! CJK fonts, no Xvfb, no espeak-ng, no Chromium. Such a test calls
//! [`unavailable`] and returns; it never passes in silence.
//!
//! - Under CI (`CI` set to anything but empty, `0` or `false`) the call
//!   panics with the reason, so a pass in CI always means the test ran.
//! - Elsewhere it writes `SKIP <test>: <reason>` straight to the process's
//!   standard error. The test harness captures only what goes through
//!   `print!`/`eprint!` (and their `ln` forms); a write to the
//!   [`std::io::stderr`] handle itself bypasses that capture, so the line
//!   shows on the terminal (and in a log) even when the test passes, without
//!   `--nocapture`.
//!
//! The reason should name the Debian package that brings the missing piece
//! ("no Vulkan adapter: install mesa-vulkan-drivers"); `scripts/setup.sh`
//! installs them all.

use std::io::Write;

/// Whether this process runs under CI (`CI=true`, as CI services set it).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "0" | "false"))
}

/// Report that the calling test cannot run here because of `reason`: a
/// panic under CI, otherwise a `SKIP` line the harness does not hide. The
/// caller returns right after (or leaves out the part that needs it).
#[track_caller]
pub fn unavailable(reason: &str) {
    let test = std::thread::current().name().unwrap_or("test").to_owned();
    if in_ci() {
        panic!("{test} cannot run under CI: {reason}");
    }
    // Not `eprintln!`: that goes into the harness's capture buffer and is
    // shown only for failing tests.
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "SKIP {test}: {reason} (under CI=true this fails)");
}

#[cfg(test)]
mod tests {
    #[test]
    fn fails_under_ci_and_names_the_reason() {
        // The test process's environment is shared by the tests running at
        // once; this is the only test of the crate that reads `CI`, and it
        // runs the check in a child thread with the variable already set.
        let before = std::env::var_os("CI");
        // SAFETY: no other test of this crate reads or writes the environment.
        unsafe { std::env::set_var("CI", "true") };
        let r = std::thread::spawn(|| super::unavailable("no Vulkan adapter: install mesa-vulkan-drivers")).join();
        unsafe { std::env::set_var("CI", "false") };
        // Named so its line in a test log is not mistaken for a skipped test.
        let skipped = std::thread::Builder::new()
            .name("skip::unavailable self-test".into())
            .spawn(|| super::unavailable("nothing is missing; this line only shows the format"))
            .expect("a thread")
            .join();
        match before {
            Some(v) => unsafe { std::env::set_var("CI", v) },
            None => unsafe { std::env::remove_var("CI") },
        }
        let msg = r.expect_err("panics under CI");
        let msg = msg.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains("install mesa-vulkan-drivers"), "reason in the panic: {msg}");
        assert!(skipped.is_ok(), "outside CI it only reports");
    }
}
