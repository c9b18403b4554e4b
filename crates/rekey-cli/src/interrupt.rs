//! Ctrl-C: like the aws CLI, print a newline and exit 130 (128 + SIGINT),
//! whatever the command was waiting for.

#[cfg(unix)]
mod unix {
    const SIGINT: i32 = 2;

    unsafe extern "C" {
        fn signal(signum: i32, handler: extern "C" fn(i32)) -> usize;
        fn write(fd: i32, buf: *const u8, count: usize) -> isize;
        fn _exit(status: i32) -> !;
    }

    extern "C" fn on_interrupt(_: i32) {
        // Only async-signal-safe calls here.
        // SAFETY: write(2) and _exit(2) may be called from a signal handler.
        unsafe {
            write(1, b"\n".as_ptr(), 1);
            _exit(130);
        }
    }

    pub fn install() {
        // SAFETY: installs a handler that only calls async-signal-safe functions.
        unsafe {
            signal(SIGINT, on_interrupt);
        }
    }
}

/// Installs the Ctrl-C handler.
pub fn exit_130_on_ctrl_c() {
    #[cfg(unix)]
    unix::install();
}
