//! What a runtime worker rekey runs prints on stdout and stderr, kept as
//! the function log of the step it holds, as a Lambda function's output
//! goes to its log.
//!
//! A worker serves steps of many secrets, maybe of several accounts, one
//! after another through the same two pipes, so a line must never land
//! in the wrong step's log. The rule: a line is the step's when the
//! worker wrote it between taking the step (`/next`) and answering it
//! (`/response`, `/error`, or exiting). Both ends are drawn inside the
//! queue's handling of those calls: all reads of the pipes happen under
//! one lock, and on either call rekey first drains what the pipes hold,
//! before the step changes. Whatever the worker wrote before sending its
//! answer is in the pipe by then, so it is drained into that step's log;
//! what it writes outside any step is discarded (wiped).
//!
//! That holds for output the worker writes as it prints. Output a process
//! buffers and writes later is attributed when it is written, so workers
//! get `PYTHONUNBUFFERED=1` (their `env` may say otherwise) and the
//! README asks for unbuffered output from other runtimes.

use super::function_log::{FunctionLog, LineCutter, Stream};
use std::fs::File;
use std::io::{ErrorKind, Read};
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::{Arc, Mutex};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::process::{ChildStderr, ChildStdout};
use zeroize::Zeroize;

/// One worker's stdout and stderr, and the step whose log they go to.
///
/// The pipes are read with plain non-blocking reads, not through the
/// reactor's idea of their readiness: a drain at a step's boundary must see
/// what the worker wrote just before, even when the reactor has not polled
/// since.
pub struct WorkerOutput {
    stdout: AsyncFd<File>,
    stderr: AsyncFd<File>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The log of the step the worker holds.
    step: Option<FunctionLog>,
    /// Lines being cut from stdout and stderr.
    lines: [LineCutter; 2],
    /// Which pipes are closed.
    closed: [bool; 2],
}

const STREAMS: [Stream; 2] = [Stream::Stdout, Stream::Stderr];

impl WorkerOutput {
    /// Takes over a worker's pipes (within a Tokio runtime).
    pub fn new(stdout: ChildStdout, stderr: ChildStderr) -> std::io::Result<Arc<Self>> {
        Ok(Arc::new(WorkerOutput {
            stdout: pipe(stdout.into_owned_fd()?)?,
            stderr: pipe(stderr.into_owned_fd()?)?,
            state: Mutex::new(State::default()),
        }))
    }

    /// Reads the pipes until both close (the worker and anything it
    /// started have exited), so that a worker never blocks on a full pipe.
    pub async fn pump(self: Arc<Self>) {
        loop {
            let closed = self.state.lock().expect("worker output lock").closed;
            if closed == [true, true] {
                return;
            }
            // Readiness is cleared before draining: what arrives after the
            // drain's last read marks the pipe ready again.
            let ready = tokio::select! {
                ready = self.stdout.readable(), if !closed[0] => ready.map(|mut g| g.clear_ready()),
                ready = self.stderr.readable(), if !closed[1] => ready.map(|mut g| g.clear_ready()),
            };
            if ready.is_err() {
                return; // the reactor is shutting down
            }
            self.drain(&mut self.state.lock().expect("worker output lock"));
        }
    }

    /// The worker took a step: what it wrote before is not the step's.
    pub(crate) fn begin(&self, log: FunctionLog) {
        let mut state = self.state.lock().expect("worker output lock");
        self.drain(&mut state);
        for lines in &mut state.lines {
            lines.finish(|_| {});
        }
        state.step = Some(log);
    }

    /// The worker answered (or left) its step: everything it wrote until
    /// now is the step's, an unfinished line included.
    pub(crate) fn end(&self) {
        let mut state = self.state.lock().expect("worker output lock");
        self.drain(&mut state);
        let State { step, lines, .. } = &mut *state;
        for (cutter, stream) in lines.iter_mut().zip(STREAMS) {
            cutter.finish(|line| {
                if let Some(log) = step {
                    log.line(stream, line);
                }
            });
        }
        state.step = None;
    }

    /// Reads what the pipes hold now, without waiting.
    fn drain(&self, state: &mut State) {
        let mut chunk = [0u8; 8192];
        let State { step, lines, closed } = state;
        for (i, pipe) in [&self.stdout, &self.stderr].into_iter().enumerate() {
            while !closed[i] {
                match (&mut pipe.get_ref()).read(&mut chunk) {
                    Ok(0) => closed[i] = true,
                    Ok(n) => lines[i].feed(&chunk[..n], |line| {
                        if let Some(log) = step {
                            log.line(STREAMS[i], line);
                        }
                    }),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => closed[i] = true,
                }
            }
        }
        chunk.zeroize();
    }
}

/// A pipe's read end, non-blocking and registered with the reactor.
fn pipe(fd: OwnedFd) -> std::io::Result<AsyncFd<File>> {
    // SAFETY: fcntl on a descriptor this function owns, with flag arguments only.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    // SAFETY: as above.
    if flags < 0 || unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: the File owns its descriptor and stays inside the AsyncFd.
    unsafe { AsyncFd::register_with_interest(File::from(fd), Interest::READABLE) }.map_err(|e| e.into_parts().1)
}
