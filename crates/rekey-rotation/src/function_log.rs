//! A step's function log as it is written: the lines a function prints
//! (an `exec` command's stdout and stderr, and a runtime worker's, see
//! `worker_output`) and the answers it gives (a Lambda error payload and
//! log tail, a runtime worker's `/error`), kept in memory within a bound
//! and then sealed into the store by the engine, as CloudWatch Logs keeps
//! a Lambda function's. None of it ever goes to rekey's own log.

use rekey_model::rotation::{LogEvent, StepLog};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncReadExt};
use zeroize::Zeroize;

/// The most a step's log keeps, in bytes of its lines: the newest lines,
/// where the failure usually is.
pub const LOG_MAX_BYTES: usize = 64 * 1024;
/// The longest line kept whole; a longer one is cut into lines this long.
pub const LINE_MAX_BYTES: usize = 8 * 1024;
/// What a line costs against [`LOG_MAX_BYTES`] besides its text: empty
/// lines are not free (a function printing only newlines stays bounded).
const LINE_COST: usize = 64;

/// Where a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
    /// An error the function answered with.
    Error,
    /// The log tail Lambda returned with the answer.
    Tail,
}

impl Stream {
    fn as_str(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
            Stream::Error => "error",
            Stream::Tail => "tail",
        }
    }
}

/// One step's log, shared by whatever reads the function's output
/// (cheap to clone).
#[derive(Clone, Default)]
pub struct FunctionLog(Arc<Mutex<Lines>>);

#[derive(Default)]
struct Lines {
    events: VecDeque<LogEvent>,
    bytes: usize,
    dropped: u64,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

impl FunctionLog {
    /// Adds one line (cut when longer than [`LINE_MAX_BYTES`]); the oldest
    /// lines go when the log would pass [`LOG_MAX_BYTES`].
    pub fn line(&self, stream: Stream, line: &str) {
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut rest = line;
        let mut lines = self.0.lock().expect("function log lock");
        let at = now_ms();
        loop {
            let mut cut = rest.len().min(LINE_MAX_BYTES);
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            let (piece, after) = rest.split_at(cut);
            lines.bytes += piece.len() + LINE_COST;
            lines.events.push_back(LogEvent { timestamp: at, stream: stream.as_str().into(), message: piece.into() });
            while lines.bytes > LOG_MAX_BYTES {
                let Some(old) = lines.events.pop_front() else { break };
                lines.bytes -= old.message.len() + LINE_COST;
                lines.dropped += 1;
            }
            if after.is_empty() {
                return;
            }
            rest = after;
        }
    }

    /// Adds text of several lines.
    pub fn text(&self, stream: Stream, text: &str) {
        for line in text.trim_end().lines() {
            self.line(stream, line);
        }
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        let lines = self.0.lock().expect("function log lock");
        lines.events.is_empty() && lines.dropped == 0
    }

    /// Takes what was written, leaving the log empty.
    pub fn take(&self) -> StepLog {
        let mut lines = self.0.lock().expect("function log lock");
        let taken = StepLog { events: lines.events.drain(..).collect(), dropped_events: lines.dropped };
        lines.bytes = 0;
        lines.dropped = 0;
        taken
    }
}

/// Cuts bytes into lines as they arrive, in any pieces: lines longer than
/// [`LINE_MAX_BYTES`] are handed on in pieces, so a function printing
/// without newlines cannot grow rekey's memory. What it held is wiped.
#[derive(Default)]
pub(crate) struct LineCutter {
    pending: Vec<u8>,
}

impl LineCutter {
    /// Hands each line `bytes` completes to `on_line`.
    pub(crate) fn feed(&mut self, bytes: &[u8], mut on_line: impl FnMut(&str)) {
        for &b in bytes {
            if b == b'\n' {
                self.emit(&mut on_line);
            } else {
                self.pending.push(b);
                if self.pending.len() >= LINE_MAX_BYTES {
                    self.emit(&mut on_line);
                }
            }
        }
    }

    /// Hands on an unfinished last line, if any.
    pub(crate) fn finish(&mut self, mut on_line: impl FnMut(&str)) {
        if !self.pending.is_empty() {
            self.emit(&mut on_line);
        }
    }

    fn emit(&mut self, on_line: &mut impl FnMut(&str)) {
        on_line(&String::from_utf8_lossy(&self.pending));
        self.pending.zeroize();
        self.pending.clear();
    }
}

impl Drop for LineCutter {
    fn drop(&mut self) {
        self.pending.zeroize();
    }
}

/// Reads `output` to its end, handing each line to `on_line` (see
/// [`LineCutter`]).
pub(crate) async fn read_lines<R: AsyncRead + Unpin>(mut output: R, mut on_line: impl FnMut(&str)) {
    let mut cutter = LineCutter::default();
    let mut chunk = [0u8; 8192];
    while let Ok(n @ 1..) = output.read(&mut chunk).await {
        cutter.feed(&chunk[..n], &mut on_line);
    }
    chunk.zeroize();
    cutter.finish(on_line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_lines_are_kept_within_the_bound() {
        let log = FunctionLog::default();
        assert!(log.is_empty());
        let line = "x".repeat(1000);
        for _ in 0..100 {
            log.line(Stream::Stdout, &line);
        }
        log.line(Stream::Stderr, "the end\n");
        let taken = log.take();
        let bytes: usize = taken.events.iter().map(|e| e.message.len() + LINE_COST).sum();
        assert!(bytes <= LOG_MAX_BYTES, "{bytes}");
        assert_eq!(taken.dropped_events as usize + taken.events.len(), 101);
        let last = taken.events.last().unwrap();
        assert_eq!((last.stream.as_str(), last.message.as_str()), ("stderr", "the end"));
        assert!(log.is_empty(), "taken");
    }

    #[test]
    fn empty_lines_are_bounded_too() {
        let log = FunctionLog::default();
        for _ in 0..100_000 {
            log.line(Stream::Stdout, "");
        }
        let taken = log.take();
        assert!(taken.events.len() <= LOG_MAX_BYTES / LINE_COST, "{}", taken.events.len());
        assert_eq!(taken.dropped_events as usize + taken.events.len(), 100_000);
    }

    #[test]
    fn long_lines_are_cut() {
        let log = FunctionLog::default();
        log.line(Stream::Stdout, &"é".repeat(LINE_MAX_BYTES));
        let taken = log.take();
        assert_eq!(taken.events.len(), 2);
        assert!(taken.events.iter().all(|e| e.message.len() <= LINE_MAX_BYTES));
    }

    #[tokio::test]
    async fn output_is_read_line_by_line_without_unbounded_lines() {
        let mut text = b"one\ntwo\r\n".to_vec();
        text.extend(std::iter::repeat_n(b'z', 3 * LINE_MAX_BYTES + 5));
        let mut lines = Vec::new();
        read_lines(&text[..], |l| lines.push(l.to_string())).await;
        assert_eq!(lines[..2], ["one".to_string(), "two\r".to_string()]);
        assert_eq!(lines.len(), 6);
        assert!(lines.iter().all(|l| l.len() <= LINE_MAX_BYTES));
    }
}
