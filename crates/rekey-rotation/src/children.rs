//! The processes rekey starts (exec rotation functions, runtime workers)
//! never outlive it, even when it is killed outright: otherwise a step
//! cut short on a node that died would go on running while another node
//! runs it again.

/// Makes the child `cmd` starts die with rekey: the kernel kills it when
/// the thread that started it ends (tokio's worker threads last as long as
/// the runtime). Should rekey have died before the child asked, it is
/// already an orphan: it stops there.
pub(crate) fn die_with_rekey(cmd: &mut tokio::process::Command) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getpid has no preconditions.
        let parent = unsafe { libc::getpid() };
        // SAFETY: prctl and getppid are async-signal-safe; nothing else runs before exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 || libc::getppid() != parent {
                    return Err(std::io::Error::other("rekey is gone"));
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cmd;
}
