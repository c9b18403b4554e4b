//! Ctrl-C: like the aws CLI, print a newline and exit 130 (128 + SIGINT),
//! whatever the command was waiting for.

#[cfg(unix)]
mod unix {
    extern "C" fn on_interrupt(_: libc::c_int) {
        // Only async-signal-safe calls here.
        // SAFETY: write(2) and _exit(2) may be called from a signal handler.
        unsafe {
            libc::write(libc::STDOUT_FILENO, b"\n".as_ptr().cast(), 1);
            libc::_exit(130);
        }
    }

    pub fn install() {
        // SAFETY: installs a handler that only calls async-signal-safe functions.
        unsafe {
            libc::signal(libc::SIGINT, on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t);
        }
    }
}

/// Installs the Ctrl-C handler.
pub fn exit_130_on_ctrl_c() {
    #[cfg(unix)]
    unix::install();
}
